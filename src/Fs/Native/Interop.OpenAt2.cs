using System.Runtime.InteropServices;

namespace Layer.Fs.Native;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>struct open_how from &lt;linux/openat2.h&gt;.</summary>
        [StructLayout(LayoutKind.Sequential)]
        public struct open_how
        {
            public ulong flags;
            public ulong mode;
            public ulong resolve;
        }

        public const ulong RESOLVE_NO_XDEV = 0x01;
        public const ulong RESOLVE_NO_MAGICLINKS = 0x02;
        public const ulong RESOLVE_NO_SYMLINKS = 0x04;
        public const ulong RESOLVE_BENEATH = 0x08;

        private const long SYS_openat2 = 437; // the same number on x86_64 and arm64

        // glibc 2.36 has no openat2 wrapper; syscall(2) passes the integer arguments in registers.
        [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static unsafe partial long Syscall(long number, SafeHandle dirfd, string path, open_how* how, nuint size);

        /// <summary>openat2(2); returns the fd or -1 with errno set.</summary>
        public static unsafe int OpenAt2(SafeHandle dirfd, string path, ulong flags, ulong resolve)
        {
            var how = new open_how { flags = flags, mode = 0, resolve = resolve };
            return (int)Syscall(SYS_openat2, dirfd, path, &how, (nuint)sizeof(open_how));
        }
    }
}
