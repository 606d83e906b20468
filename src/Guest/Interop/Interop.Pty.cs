using System.Runtime.InteropServices;

namespace Layer.Guest;

/// <summary>Pseudo-terminals (&lt;stdlib.h&gt;, &lt;sys/ioctl.h&gt;) and descriptor flags (&lt;fcntl.h&gt;), x86_64 values.</summary>
internal static unsafe partial class Interop
{
    internal static partial class Sys
    {
        public const int EIO = 5;
        public const int EAGAIN = 11;
        public const int EPIPE = 32;

        public const int O_NOCTTY = 0x100;
        public const int O_NONBLOCK = 0x800;

        public const int F_GETFL = 3;
        public const int F_SETFL = 4;

        public const nuint TIOCSWINSZ = 0x5414;

        public const short POLLOUT = 0x4;

        /// <summary>struct winsize of &lt;asm-generic/termios.h&gt;.</summary>
        [StructLayout(LayoutKind.Sequential)]
        public struct WinSize
        {
            public ushort ws_row;
            public ushort ws_col;
            public ushort ws_xpixel;
            public ushort ws_ypixel;
        }

        [LibraryImport(Libc, SetLastError = true)]
        public static partial int posix_openpt(int flags);

        [LibraryImport(Libc, SetLastError = true)]
        public static partial int grantpt(int fd);

        [LibraryImport(Libc, SetLastError = true)]
        public static partial int unlockpt(int fd);

        /// <summary>Returns an error number (not -1 and errno), as the _r functions do.</summary>
        [LibraryImport(Libc)]
        public static partial int ptsname_r(int fd, byte* buffer, nuint length);

        [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
        public static partial int ioctl_winsize(int fd, nuint request, WinSize* size);

        [LibraryImport(Libc, EntryPoint = "fcntl", SetLastError = true)]
        public static partial int fcntl_int(int fd, int command, int argument);

        [LibraryImport(Libc, SetLastError = true)]
        public static partial int dup(int fd);

        [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int chown(string path, uint owner, uint group);
    }
}
