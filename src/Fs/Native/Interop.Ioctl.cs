using System.Runtime.InteropServices;

namespace Layer.Fs.Native;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
        public static unsafe partial int Ioctl(SafeHandle fd, nuint request, void* argument);
    }
}
