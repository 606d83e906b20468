using System.Runtime.InteropServices;

namespace Layer.Fs.Native;

internal static partial class Interop
{
    internal static partial class Libc
    {
        public const int O_RDONLY = 0;
        public const int O_WRONLY = 1;
        public const int O_RDWR = 2;
        public const int O_ACCMODE = 3;
        public const int O_CREAT = 0x40;
        public const int O_TRUNC = 0x200;
        public const int O_APPEND = 0x400;
        public const int O_NONBLOCK = 0x800;
        public const int O_DIRECTORY = 0x10000;
        public const int O_NOFOLLOW = 0x20000;
        public const int O_CLOEXEC = 0x80000;
        public const int O_PATH = 0x200000;

        public const int AT_FDCWD = -100;
        public const int AT_SYMLINK_NOFOLLOW = 0x100;
        public const int AT_STATX_FORCE_SYNC = 0x2000;
        public const int AT_EMPTY_PATH = 0x1000;

        [LibraryImport(Name, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Open(string path, int flags, int mode);

        [LibraryImport(Name, EntryPoint = "close", SetLastError = true)]
        public static partial int Close(int fd);

        [LibraryImport(Name, EntryPoint = "read", SetLastError = true)]
        public static unsafe partial nint Read(SafeHandle fd, byte* buffer, nuint count);

        [LibraryImport(Name, EntryPoint = "write", SetLastError = true)]
        public static unsafe partial nint Write(SafeHandle fd, byte* buffer, nuint count);

        [LibraryImport(Name, EntryPoint = "pread", SetLastError = true)]
        public static unsafe partial nint PRead(SafeHandle fd, byte* buffer, nuint count, long offset);

        [LibraryImport(Name, EntryPoint = "lseek", SetLastError = true)]
        public static partial long LSeek(SafeHandle fd, long offset, int whence);

        [LibraryImport(Name, EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static unsafe partial nint ReadLinkAt(SafeHandle dirfd, string path, byte* buffer, nuint size);

        [LibraryImport(Name, EntryPoint = "getdents64", SetLastError = true)]
        public static unsafe partial nint GetDents64(SafeHandle fd, byte* buffer, nuint count);

        [LibraryImport(Name, EntryPoint = "geteuid")]
        public static partial uint GetEuid();

        [LibraryImport(Name, EntryPoint = "getegid")]
        public static partial uint GetEgid();

        /// <summary>Opens a file as-is, for /dev/fuse and paths outside any mirror.</summary>
        public static FileDescriptor OpenOrThrow(string path, int flags)
        {
            var fd = Open(path, flags | O_CLOEXEC, 0);
            if (fd < 0) throw Io.Error(Io.LastErrno, $"open {path}");
            return new FileDescriptor(fd);
        }
    }
}
