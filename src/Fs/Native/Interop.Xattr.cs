using System.Runtime.InteropServices;

namespace Layer.Fs.Native;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // O_PATH descriptors refuse fgetxattr; the /proc/self/fd/N path of one reaches the same inode.
        [LibraryImport(Name, EntryPoint = "getxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static unsafe partial nint GetXattr(string path, string name, byte* value, nuint size);

        [LibraryImport(Name, EntryPoint = "listxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static unsafe partial nint ListXattr(string path, byte* list, nuint size);
    }
}
