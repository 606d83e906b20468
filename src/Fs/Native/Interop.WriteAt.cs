using System.Runtime.InteropServices;

namespace Layer.Fs.Native;

internal static partial class Interop
{
    internal static partial class Libc
    {
        public const int O_EXCL = 0x80;
        public const int AT_REMOVEDIR = 0x200;

        [LibraryImport(Name, EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int MkdirAt(SafeHandle dirfd, string name, int mode);

        [LibraryImport(Name, EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int UnlinkAt(SafeHandle dirfd, string name, int flags);

        [LibraryImport(Name, EntryPoint = "symlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int SymlinkAt(string target, SafeHandle dirfd, string name);

        [LibraryImport(Name, EntryPoint = "fchmod", SetLastError = true)]
        public static partial int FChmod(SafeHandle fd, int mode);
    }
}
