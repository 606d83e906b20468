using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc)]
        internal static partial uint geteuid();

        [LibraryImport(Libraries.Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int chown(string path, uint owner, uint group);

        /// <summary>kill(pid, 0) probes whether a process exists.</summary>
        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static partial int kill(int pid, int signal);
    }
}
