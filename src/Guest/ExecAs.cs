namespace Layer.Guest;

/// <summary>
/// <c>layer-agent --exec-as UID GID GROUPS -- PROGRAM ARGS...</c>: the agent
/// spawns itself this way to run a command as another user, because
/// posix_spawn cannot change credentials. Everything else (session, cwd,
/// descriptors, environment, signal state) was already set up by the spawn and
/// survives the exec. Order matters: groups and gid while still root, uid last.
/// </summary>
internal static unsafe class ExecAs
{
    public static int Run(string[] args)
    {
        try
        {
            if (args.Length < 6 || args[4] != "--") throw new ArgumentException("usage: --exec-as UID GID GROUPS -- PROGRAM ARGS...");
            var uid = uint.Parse(args[1]);
            var gid = uint.Parse(args[2]);
            var groups = args[3].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(uint.Parse).ToArray();
            fixed (uint* g = groups) SyscallException.Check(Interop.Sys.setgroups((nuint)groups.Length, g), "setgroups");
            SyscallException.Check(Interop.Sys.setgid(gid), $"setgid {gid}");
            SyscallException.Check(Interop.Sys.setuid(uid), $"setuid {uid}");
            var program = args[5];
            using var argv = new Utf8StringArray(args[6..]);
            SyscallException.Check(Interop.Sys.execv(program, argv.Pointer), $"cannot run {program}");
            return 127;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"layer-agent: {e.Message}");
            return 127;
        }
    }
}
