using Layer.Fs.Native;
using static Layer.Fs.Native.Interop.Libc;

namespace Layer.Fs.Mounting;

/// <summary>Mounting as root with mount(2), the way libfuse does it without fusermount3.</summary>
internal static class KernelMount
{
    public const string FsType = "fuse.layer";
    public const string Source = "layer";

    /// <summary>Opens /dev/fuse and mounts it at <paramref name="mountpoint"/>. No default_permissions:
    /// the mirror decides access itself (AccessPolicy); allow_other lets the QEMU user in at all.
    /// Read-only (MS_RDONLY): the kernel refuses writes itself (EROFS, as the mirror would), and it stops
    /// dropping a node's cached attributes after every READ or READDIR to refresh atime, which would
    /// cost a GETATTR each time.</summary>
    public static FileDescriptor Mount(string mountpoint)
    {
        var device = OpenOrThrow("/dev/fuse", O_RDWR);
        var options = $"fd={device.Value},rootmode=40000,user_id={GetEuid()},group_id={GetEgid()},allow_other";
        if (Interop.Libc.Mount(Source, mountpoint, FsType, MS_RDONLY | MS_NOSUID | MS_NODEV, options) != 0)
        {
            var errno = Io.LastErrno;
            device.Dispose();
            throw new FuseMountException($"mount -t {FsType} -o ro,{options} {Source} {mountpoint} failed: {Io.Describe(errno)}" +
                                         (errno == Errno.EPERM ? " (mounting with mount(2) needs root)" : ""));
        }

        return device;
    }

    /// <summary>Unmounts; a busy mount (a process still inside) is detached lazily instead.</summary>
    public static int Unmount(string mountpoint)
    {
        if (Umount2(mountpoint, 0) == 0) return 0;
        var errno = Io.LastErrno;
        if (errno == Errno.EINVAL || errno == Errno.ENOENT) return errno; // not mounted
        return Umount2(mountpoint, MNT_DETACH) == 0 ? 0 : Io.LastErrno;
    }
}
