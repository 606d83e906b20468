using System.Runtime.InteropServices;
using Layer.Vm.Agent;

namespace Layer.Cli.Terminal;

/// <summary>
/// The host terminal in raw mode while a guest shell is attached: every key
/// (Ctrl-C, Ctrl-D, arrows) goes to the guest's own terminal, which echoes and
/// interprets it. The settings found on entry come back on Dispose, and also
/// when the process exits another way (SIGTERM, an unhandled exception), so a
/// crash never leaves the user's terminal unusable.
/// </summary>
internal sealed unsafe class RawTerminal : IDisposable
{
    private readonly int _fd;
    private readonly byte[] _saved = new byte[Interop.Termios.TermiosSize];
    private int _restored;

    private RawTerminal(int fd)
    {
        _fd = fd;
        var raw = new byte[Interop.Termios.TermiosSize];
        fixed (byte* saved = _saved)
        fixed (byte* r = raw)
        {
            if (Interop.Termios.tcgetattr(fd, saved) != 0) throw Failed("tcgetattr");
            Buffer.MemoryCopy(saved, r, raw.Length, raw.Length);
            Interop.Termios.cfmakeraw(r);
            AppDomain.CurrentDomain.ProcessExit += RestoreOnExit;
            if (Interop.Termios.tcsetattr(fd, Interop.Termios.TCSANOW, r) != 0)
            {
                AppDomain.CurrentDomain.ProcessExit -= RestoreOnExit;
                throw Failed("tcsetattr");
            }
        }
    }

    public static bool IsTerminal(int fd) => Interop.Termios.isatty(fd) == 1;

    /// <summary>Puts the terminal on <paramref name="fd"/> (standard input by default) in raw mode.</summary>
    public static RawTerminal Enter(int fd = 0) => new(fd);

    /// <summary>The size of the terminal on <paramref name="fd"/>, or null when it is none (or reports 0 x 0).</summary>
    public static TerminalSize? Size(int fd)
    {
        Interop.Termios.WinSize size;
        if (Interop.Termios.ioctl_winsize(fd, Interop.Termios.TIOCGWINSZ, &size) != 0 || size.ws_row == 0 || size.ws_col == 0) return null;
        return new TerminalSize(size.ws_row, size.ws_col);
    }

    public void Dispose()
    {
        Restore();
        AppDomain.CurrentDomain.ProcessExit -= RestoreOnExit;
    }

    private void RestoreOnExit(object? sender, EventArgs e) => Restore();

    private void Restore()
    {
        if (Interlocked.Exchange(ref _restored, 1) != 0) return;
        fixed (byte* saved = _saved) Interop.Termios.tcsetattr(_fd, Interop.Termios.TCSANOW, saved);
    }

    private static IOException Failed(string call) =>
        new($"{call} on the terminal failed: {Marshal.GetLastPInvokeErrorMessage()}");
}
