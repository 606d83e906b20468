using System.Runtime.InteropServices;

namespace Layer.Parser;

/// <summary>
/// The few libc calls reading a Layerfile needs: .NET opens a FIFO by blocking until a writer comes and
/// cannot tell a device from a file, so the type is asked (statx, whose layout is the same on every
/// architecture) before anything is opened, and again on what was opened.
/// </summary>
internal static unsafe partial class Interop
{
    internal static partial class Libc
    {
        internal const string Name = "libc";

        public const int O_RDONLY = 0;
        public const int O_NOCTTY = 0x100;
        public const int O_NONBLOCK = 0x800;
        public const int O_DIRECTORY = 0x10000;
        public const int O_CLOEXEC = 0x80000;
        public const int O_PATH = 0x200000;

        public const int AT_FDCWD = -100;
        public const int AT_EMPTY_PATH = 0x1000;
        public const uint STATX_TYPE = 0x1;
        public const uint STATX_SIZE = 0x200;

        public const int S_IFMT = 0xF000;
        public const int S_IFSOCK = 0xC000;
        public const int S_IFLNK = 0xA000;
        public const int S_IFREG = 0x8000;
        public const int S_IFBLK = 0x6000;
        public const int S_IFDIR = 0x4000;
        public const int S_IFCHR = 0x2000;
        public const int S_IFIFO = 0x1000;

        public const int ENOENT = 2;
        public const int ENXIO = 6;
        public const int EACCES = 13;
        public const int ENOTDIR = 20;
        public const int ELOOP = 40;

        /// <summary>The start of struct statx (&lt;linux/stat.h&gt;) up to stx_size; the kernel writes 256 bytes.</summary>
        [StructLayout(LayoutKind.Sequential, Size = 256)]
        public struct Statx
        {
            public uint Mask;
            public uint BlockSize;
            public ulong Attributes;
            public uint Links;
            public uint Uid;
            public uint Gid;
            public ushort Mode;
            public ushort Spare0;
            public ulong Inode;
            public ulong Size;
        }

        [LibraryImport(Name, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Open(string path, int flags, int mode);

        [LibraryImport(Name, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int StatxPath(int dirfd, string path, int flags, uint mask, Statx* buffer);
    }
}
