namespace Layer.Fs.Mounting;

/// <summary>
/// Live mirrors of this process, so that whoever owns the process's signals (the CLI) can unmount them all
/// at once, and so that a normal exit never leaves a mount behind (only SIGKILL can, and the next start
/// cleans that). No signal handler here: a library that unmounts under a running build races the build's
/// own unwinding.
/// </summary>
internal static class MountRegistry
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<IDisposable> Live = new();
    private static bool _hooked;

    public static void Add(IDisposable mount)
    {
        lock (Gate)
        {
            Live.Add(mount);
            if (_hooked) return;
            _hooked = true;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => DisposeAll();
        }
    }

    public static void Remove(IDisposable mount)
    {
        lock (Gate) Live.Remove(mount);
    }

    /// <summary>Unmounts every live mirror (each Dispose is idempotent).</summary>
    public static void DisposeAll()
    {
        IDisposable[] all;
        lock (Gate) all = Live.ToArray();
        foreach (var mount in all)
        {
            try
            {
                mount.Dispose();
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"layer: unmounting a mirror failed: {e.Message}");
            }
        }
    }
}
