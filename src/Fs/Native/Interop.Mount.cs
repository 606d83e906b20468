using System.Runtime.InteropServices;

namespace Layer.Fs.Native;

internal static partial class Interop
{
    internal static partial class Libc
    {
        public const ulong MS_RDONLY = 1;
        public const ulong MS_NOSUID = 2;
        public const ulong MS_NODEV = 4;
        public const int MNT_DETACH = 2;

        [LibraryImport(Name, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Mount(string source, string target, string fstype, ulong flags, string data);

        [LibraryImport(Name, EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Umount2(string target, int flags);
    }
}
