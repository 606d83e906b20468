using System.Runtime.InteropServices;

namespace Layer.Fs.Mounting;

/// <summary>
/// Live mirrors of this process, unmounted on Ctrl-C, SIGTERM, SIGHUP and normal exit, so a stopped
/// `layer` never leaves a mount behind (only SIGKILL can, and the next start cleans that).
/// </summary>
internal static class MountRegistry
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<IDisposable> Live = new();
    private static List<PosixSignalRegistration>? _registrations;

    public static void Add(IDisposable mount)
    {
        lock (Gate)
        {
            Live.Add(mount);
            if (_registrations is not null) return;
            _registrations = new List<PosixSignalRegistration>();
            foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
            {
                // Cancel stays false: after the mounts are gone the process ends as the signal asks.
                _registrations.Add(PosixSignalRegistration.Create(signal, _ => DisposeAll()));
            }

            AppDomain.CurrentDomain.ProcessExit += (_, _) => DisposeAll();
        }
    }

    public static void Remove(IDisposable mount)
    {
        lock (Gate) Live.Remove(mount);
    }

    private static void DisposeAll()
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
                Console.Error.WriteLine($"layer: unmounting a mirror on exit failed: {e.Message}");
            }
        }
    }
}
