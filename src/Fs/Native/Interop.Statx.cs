#pragma warning disable CS8981 // C struct names on purpose, as the headers spell them
using System.Runtime.InteropServices;

namespace Layer.Fs.Native;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>struct statx_timestamp from &lt;linux/stat.h&gt;.</summary>
        [StructLayout(LayoutKind.Sequential)]
        public struct statx_timestamp
        {
            public long tv_sec;
            public uint tv_nsec;
            public int __reserved;
        }

        /// <summary>struct statx from &lt;linux/stat.h&gt;: the same layout on every architecture.</summary>
        [StructLayout(LayoutKind.Sequential, Size = 256)]
        public struct statx
        {
            public uint stx_mask;
            public uint stx_blksize;
            public ulong stx_attributes;
            public uint stx_nlink;
            public uint stx_uid;
            public uint stx_gid;
            public ushort stx_mode;
            public ushort __spare0;
            public ulong stx_ino;
            public ulong stx_size;
            public ulong stx_blocks;
            public ulong stx_attributes_mask;
            public statx_timestamp stx_atime;
            public statx_timestamp stx_btime;
            public statx_timestamp stx_ctime;
            public statx_timestamp stx_mtime;
            public uint stx_rdev_major;
            public uint stx_rdev_minor;
            public uint stx_dev_major;
            public uint stx_dev_minor;
        }

        public const uint STATX_BASIC_STATS = 0x7ff;

        public const int S_IFMT = 0xF000;
        public const int S_IFDIR = 0x4000;
        public const int S_IFREG = 0x8000;
        public const int S_IFLNK = 0xA000;

        [LibraryImport(Name, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static unsafe partial int Statx(SafeHandle dirfd, string path, int flags, uint mask, statx* buffer);

        [LibraryImport(Name, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static unsafe partial int StatxAt(int dirfd, string path, int flags, uint mask, statx* buffer);

        /// <summary>statx of a NUL-terminated UTF-8 path: nothing to marshal (validation makes ten thousand of these).</summary>
        [LibraryImport(Name, EntryPoint = "statx", SetLastError = true)]
        public static unsafe partial int StatxAt(int dirfd, byte* path, int flags, uint mask, statx* buffer);

        /// <summary>Stats what an fd (O_PATH ones included) refers to, never following a symlink.</summary>
        public static unsafe int FStat(SafeHandle fd, out statx st)
        {
            statx s;
            var r = Statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &s);
            st = s;
            return r;
        }
    }
}
