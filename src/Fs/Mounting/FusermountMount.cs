using System.Diagnostics;
using Layer.Fs.Native;
using static Layer.Fs.Native.Interop.Libc;

namespace Layer.Fs.Mounting;

/// <summary>
/// Mounting as an ordinary user: the setuid helper fusermount3 opens /dev/fuse, mounts it and passes
/// the fd back over the socket named by _FUSE_COMMFD as an SCM_RIGHTS message (libfuse's protocol).
/// </summary>
internal static class FusermountMount
{
    public const string Program = "fusermount3";

    public static FileDescriptor Mount(string mountpoint, bool allowOther)
    {
        if (allowOther && GetEuid() != 0 && !FuseConf.AllowsOther()) throw new FuseMountException(FuseConf.MissingAllowOtherMessage);
        var (ours, theirs) = SocketPair();
        using (ours)
        using (theirs)
        {
            var options = "ro,nosuid,nodev,fsname=layer,subtype=layer" + (allowOther ? ",allow_other" : "");
            var start = new ProcessStartInfo(Program) { RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { "-o", options, "--", mountpoint }) start.ArgumentList.Add(argument);
            start.Environment["_FUSE_COMMFD"] = theirs.Value.ToString();
            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new FuseMountException($"{Program} could not be started ({e.Message}): install the fuse3 package", e);
            }

            using (process)
            {
                // Close our copy of their end, so recvmsg sees end of file if fusermount3 dies early.
                theirs.Dispose();
                var fd = ReceiveFd(ours);
                var stderr = process.StandardError.ReadToEnd();
                process.WaitForExit();
                if (fd is null || process.ExitCode != 0)
                {
                    fd?.Dispose();
                    var hint = stderr.Contains("user_allow_other") ? " " + FuseConf.MissingAllowOtherMessage : "";
                    throw new FuseMountException($"{Program} -o {options} -- {mountpoint} failed (exit {process.ExitCode}): {stderr.Trim()}{hint}");
                }

                return fd;
            }
        }
    }

    public static int Unmount(string mountpoint)
    {
        var start = new ProcessStartInfo(Program) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-u", "-z", "--", mountpoint }) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? 0 : Errno.EIO;
    }

    private static unsafe (FileDescriptor Ours, FileDescriptor Theirs) SocketPair()
    {
        var fds = stackalloc int[2];
        // No SOCK_CLOEXEC: fusermount3 must inherit its end. Ours gets FD_CLOEXEC right after.
        if (Interop.Libc.SocketPair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) throw Io.Error(Io.LastErrno, "socketpair");
        Fcntl(fds[0], F_SETFD, FD_CLOEXEC);
        return (new FileDescriptor(fds[0]), new FileDescriptor(fds[1]));
    }

    private static unsafe FileDescriptor? ReceiveFd(FileDescriptor socket)
    {
        byte data;
        var iov = new iovec { iov_base = &data, iov_len = 1 };
        cmsghdr_int control = default;
        var message = new msghdr
        {
            msg_iov = &iov,
            msg_iovlen = 1,
            msg_control = &control,
            msg_controllen = (nuint)sizeof(cmsghdr_int),
        };
        while (true)
        {
            var n = RecvMsg(socket, &message, 0);
            if (n < 0 && Io.LastErrno == Errno.EINTR) continue;
            if (n <= 0) return null;
            break;
        }

        if (control.cmsg_level != SOL_SOCKET || control.cmsg_type != SCM_RIGHTS) return null;
        Fcntl(control.fd, F_SETFD, FD_CLOEXEC);
        return new FileDescriptor(control.fd);
    }
}
