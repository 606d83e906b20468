using System.Runtime.InteropServices;

namespace Layer.Cli.Terminal;

/// <summary>The host terminal's settings (&lt;termios.h&gt;) and size (&lt;sys/ioctl.h&gt;), x86_64 Linux values.</summary>
internal static unsafe partial class Interop
{
    internal static partial class Termios
    {
        private const string Libc = "libc.so.6";

        public const int TCSANOW = 0;
        public const nuint TIOCGWINSZ = 0x5413;

        /// <summary>
        /// Room for glibc's struct termios (60 bytes on x86_64) with margin; only
        /// libc reads and writes it (tcgetattr, cfmakeraw, tcsetattr), so the
        /// layout stays opaque here.
        /// </summary>
        public const int TermiosSize = 128;

        /// <summary>struct winsize of &lt;asm-generic/termios.h&gt;.</summary>
        [StructLayout(LayoutKind.Sequential)]
        public struct WinSize
        {
            public ushort ws_row;
            public ushort ws_col;
            public ushort ws_xpixel;
            public ushort ws_ypixel;
        }

        [LibraryImport(Libc)]
        public static partial int isatty(int fd);

        [LibraryImport(Libc, SetLastError = true)]
        public static partial int tcgetattr(int fd, byte* termios);

        [LibraryImport(Libc)]
        public static partial void cfmakeraw(byte* termios);

        [LibraryImport(Libc, SetLastError = true)]
        public static partial int tcsetattr(int fd, int optionalActions, byte* termios);

        [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
        public static partial int ioctl_winsize(int fd, nuint request, WinSize* size);
    }
}
