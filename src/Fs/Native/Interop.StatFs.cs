#pragma warning disable CS8981 // C struct names on purpose, as the headers spell them
using System.Runtime.InteropServices;

namespace Layer.Fs.Native;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>struct statvfs from &lt;sys/statvfs.h&gt; (64-bit glibc layout).</summary>
        [StructLayout(LayoutKind.Sequential)]
        public unsafe struct statvfs
        {
            public ulong f_bsize;
            public ulong f_frsize;
            public ulong f_blocks;
            public ulong f_bfree;
            public ulong f_bavail;
            public ulong f_files;
            public ulong f_ffree;
            public ulong f_favail;
            public ulong f_fsid;
            public ulong f_flag;
            public ulong f_namemax;
            public fixed int __f_spare[6];
        }

        [LibraryImport(Name, EntryPoint = "fstatvfs", SetLastError = true)]
        public static unsafe partial int FStatVfs(SafeHandle fd, statvfs* buffer);
    }
}
