using System.Runtime.InteropServices;

namespace Layer.Guest;

/// <summary>
/// The libc calls the agent makes. glibc is the only native dependency the
/// NativeAOT binary has anyway, so nothing here adds a library to the root disk.
/// Functions returning -1 and setting errno use SetLastError; the posix_spawn
/// family returns the error number itself.
/// </summary>
internal static unsafe partial class Interop
{
    private const string Libc = "libc.so.6";

    internal static partial class Sys
    {
        public const int EINTR = 4;
        public const int ECHILD = 10;
        public const int ENOENT = 2;
        public const int EACCES = 13;
        public const int EINVAL = 22;

        public const int SIGKILL = 9;

        public const int O_RDONLY = 0;
        public const int O_RDWR = 2;
        public const int O_CLOEXEC = 0x80000;

        public const short POLLIN = 0x1;

        public const int PR_SET_CHILD_SUBREAPER = 36;
        public const int RB_POWER_OFF = 0x4321fedc;
        public const int MNT_DETACH = 2;

        /// <summary>struct pollfd of &lt;poll.h&gt; (C# reserves all-lowercase type names).</summary>
        [StructLayout(LayoutKind.Sequential)]
        public struct PollFd
        {
            public int fd;
            public short events;
            public short revents;
        }

        [LibraryImport(Libc, SetLastError = true)]
        public static partial nint read(int fd, byte* buffer, nint count);

        [LibraryImport(Libc, SetLastError = true)]
        public static partial nint write(int fd, byte* buffer, nint count);

        [LibraryImport(Libc, SetLastError = true)]
        public static partial int close(int fd);

        [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int open(string path, int flags, int mode);

        [LibraryImport(Libc, SetLastError = true)]
        public static partial int pipe2(int* fds, int flags);

        public const int AF_UNIX = 1;
        public const int SOCK_STREAM = 1;
        public const int SOCK_CLOEXEC = 0x80000;

        /// <summary>struct sockaddr_un of &lt;sys/un.h&gt;: family, then a 108-byte path.</summary>
        [StructLayout(LayoutKind.Sequential)]
        public struct SockaddrUn
        {
            public ushort sun_family;
            public fixed byte sun_path[108];
        }

        [LibraryImport(Libc, SetLastError = true)]
        public static partial int socket(int domain, int type, int protocol);

        [LibraryImport(Libc, SetLastError = true)]
        public static partial int connect(int fd, SockaddrUn* address, uint addressLength);

        [LibraryImport(Libc, SetLastError = true)]
        public static partial int poll(PollFd* fds, nuint count, int timeoutMilliseconds);

        [LibraryImport(Libc, SetLastError = true)]
        public static partial int kill(int pid, int signal);

        [LibraryImport(Libc, SetLastError = true)]
        public static partial int waitpid(int pid, int* status, int options);

        [LibraryImport(Libc, SetLastError = true)]
        public static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

        [LibraryImport(Libc, SetLastError = true)]
        public static partial uint geteuid();

        [LibraryImport(Libc, SetLastError = true)]
        public static partial int setgroups(nuint size, uint* groups);

        [LibraryImport(Libc, SetLastError = true)]
        public static partial int setgid(uint gid);

        [LibraryImport(Libc, SetLastError = true)]
        public static partial int setuid(uint uid);

        [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int execv(string path, byte** argv);

        [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int mount(string source, string target, string fstype, nuint flags, string? data);

        [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int umount2(string target, int flags);

        [LibraryImport(Libc)]
        public static partial void sync();

        [LibraryImport(Libc, SetLastError = true)]
        public static partial int reboot(int command);

        [LibraryImport(Libc, SetLastError = true)]
        public static partial int uname(byte* buffer);

        [LibraryImport(Libc)]
        public static partial byte* strerror(int errnum);

        public static string StrError(int errno) => Marshal.PtrToStringUTF8((nint)strerror(errno)) ?? $"errno {errno}";
    }

    internal static partial class Spawn
    {
        public const short POSIX_SPAWN_SETSIGDEF = 0x04;
        public const short POSIX_SPAWN_SETSIGMASK = 0x08;
        public const short POSIX_SPAWN_SETSID = 0x80;

        // glibc's posix_spawnattr_t is 336 bytes, posix_spawn_file_actions_t 80 and
        // sigset_t 128 on x86_64; the buffers are larger so a libc with bigger
        // structs still gets room (the layouts are opaque to us).
        public const int AttrSize = 512;
        public const int FileActionsSize = 256;
        public const int SigsetSize = 256;

        [LibraryImport(Libc)]
        public static partial int posix_spawn_file_actions_init(void* actions);

        [LibraryImport(Libc)]
        public static partial int posix_spawn_file_actions_destroy(void* actions);

        [LibraryImport(Libc)]
        public static partial int posix_spawn_file_actions_adddup2(void* actions, int fd, int newFd);

        [LibraryImport(Libc, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int posix_spawn_file_actions_addopen(void* actions, int fd, string path, int flags, int mode);

        [LibraryImport(Libc, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int posix_spawn_file_actions_addchdir_np(void* actions, string path);

        [LibraryImport(Libc)]
        public static partial int posix_spawnattr_init(void* attr);

        [LibraryImport(Libc)]
        public static partial int posix_spawnattr_destroy(void* attr);

        [LibraryImport(Libc)]
        public static partial int posix_spawnattr_setflags(void* attr, short flags);

        [LibraryImport(Libc)]
        public static partial int posix_spawnattr_setsigdefault(void* attr, void* sigset);

        [LibraryImport(Libc)]
        public static partial int posix_spawnattr_setsigmask(void* attr, void* sigset);

        [LibraryImport(Libc)]
        public static partial int sigemptyset(void* sigset);

        [LibraryImport(Libc)]
        public static partial int sigfillset(void* sigset);

        [LibraryImport(Libc, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int posix_spawn(int* pid, string path, void* actions, void* attr, byte** argv, byte** envp);
    }
}
