using System.Runtime.InteropServices;

namespace Layer.Guest;

/// <summary>
/// The master side of a new pseudo-terminal (posix_openpt, grantpt, unlockpt,
/// ptsname) and its slave's path, which the child opens as its controlling
/// terminal. The master is opened with O_NOCTTY so it never becomes the agent's.
/// </summary>
internal static unsafe class PseudoTerminal
{
    private static readonly Lock DevptsGate = new();

    /// <summary>Opens a master set to <paramref name="rows"/> x <paramref name="columns"/> (0 keeps the kernel's 0 x 0).</summary>
    public static (int Master, string SlavePath) Open(ushort rows, ushort columns)
    {
        EnsureDevpts();
        var master = SyscallException.Check(Interop.Sys.posix_openpt(Interop.Sys.O_RDWR | Interop.Sys.O_NOCTTY | Interop.Sys.O_CLOEXEC), "posix_openpt");
        try
        {
            SyscallException.Check(Interop.Sys.grantpt(master), "grantpt");
            SyscallException.Check(Interop.Sys.unlockpt(master), "unlockpt");
            var name = stackalloc byte[128];
            var error = Interop.Sys.ptsname_r(master, name, 128);
            if (error != 0) throw new SyscallException(error, "ptsname_r");
            SetSize(master, rows, columns);
            return (master, Marshal.PtrToStringUTF8((nint)name)!);
        }
        catch
        {
            Interop.Sys.close(master);
            throw;
        }
    }

    /// <summary>TIOCSWINSZ: the kernel sends SIGWINCH to the terminal's foreground process group when the size changes.</summary>
    public static void SetSize(int master, ushort rows, ushort columns)
    {
        var size = new Interop.Sys.WinSize { ws_row = rows, ws_col = columns };
        SyscallException.Check(Interop.Sys.ioctl_winsize(master, Interop.Sys.TIOCSWINSZ, &size), "ioctl TIOCSWINSZ");
    }

    /// <summary>
    /// The guest's init mounts devtmpfs on /dev but no devpts, and /dev/ptmx
    /// opens the devpts instance mounted at /dev/pts: mount one the first time a
    /// terminal is needed (gid 5 is "tty" on Debian and busybox alike).
    /// </summary>
    private static void EnsureDevpts()
    {
        lock (DevptsGate)
        {
            if (File.Exists("/dev/pts/ptmx")) return;
            Directory.CreateDirectory("/dev/pts");
            SyscallException.Check(Interop.Sys.mount("devpts", "/dev/pts", "devpts", 0, "gid=5,mode=620,ptmxmode=666"), "mount devpts on /dev/pts");
        }
    }
}
