#pragma warning disable CS8981 // C struct names on purpose, as the headers spell them
using System.Runtime.InteropServices;

namespace Layer.Fs.Native;

internal static partial class Interop
{
    internal static partial class Libc
    {
        public const int AF_UNIX = 1;
        public const int SOCK_STREAM = 1;
        public const int SOL_SOCKET = 1;
        public const int SCM_RIGHTS = 1;

        [StructLayout(LayoutKind.Sequential)]
        public unsafe struct iovec
        {
            public void* iov_base;
            public nuint iov_len;
        }

        [StructLayout(LayoutKind.Sequential)]
        public unsafe struct msghdr
        {
            public void* msg_name;
            public uint msg_namelen;
            public iovec* msg_iov;
            public nuint msg_iovlen;
            public void* msg_control;
            public nuint msg_controllen;
            public int msg_flags;
        }

        /// <summary>struct cmsghdr followed by one int: the control message fusermount3 sends.</summary>
        [StructLayout(LayoutKind.Sequential)]
        public struct cmsghdr_int
        {
            public nuint cmsg_len;
            public int cmsg_level;
            public int cmsg_type;
            public int fd;
            public int padding;
        }

        [LibraryImport(Name, EntryPoint = "socketpair", SetLastError = true)]
        public static unsafe partial int SocketPair(int domain, int type, int protocol, int* sv);

        [LibraryImport(Name, EntryPoint = "recvmsg", SetLastError = true)]
        public static unsafe partial nint RecvMsg(SafeHandle socket, msghdr* message, int flags);

        [LibraryImport(Name, EntryPoint = "fcntl", SetLastError = true)]
        public static partial int Fcntl(int fd, int cmd, int arg);

        public const int F_SETFD = 2;
        public const int FD_CLOEXEC = 1;
    }
}
