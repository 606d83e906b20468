using System.Runtime.InteropServices;
using System.Text;
using Layer.Fs.Host;
using Layer.Fs.Native;
using Layer.Fs.Protocol;
using static Layer.Fs.Native.Interop.Libc;

namespace Layer.Fs.Mirror;

/// <summary>
/// A read-only passthrough of one host folder. Nodes are root-relative paths, every host access goes
/// through <see cref="HostRoot"/> (confined, symlinks never followed), and every reply tells the kernel
/// to cache nothing (entry and attribute timeouts 0), so each access reaches this class.
/// It knows nothing about tracking: the tracker decorates it.
/// </summary>
internal sealed class PassthroughOperations : IMirrorOperations, IDisposable
{
    private const int W_OK = 2;
    private const int X_OK = 1;

    private readonly NodeTable _nodes = new();
    private readonly HandleTable<OpenFile> _files = new();
    private readonly HandleTable<OpenDirectory> _directories = new();
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public PassthroughOperations(HostRoot root)
    {
        Root = root;
    }

    public HostRoot Root { get; }

    /// <summary>Nodes the kernel still holds (the root included): for tests of FORGET.</summary>
    internal int NodeCount => _nodes.Count;

    internal int OpenFileCount => _files.Count;

    public string? PathOf(NodeId node) => _nodes.PathOf(node);

    public OpenFile? FileOf(FileHandle handle) => _files.Get(handle);

    public OpenDirectory? DirectoryOf(FileHandle handle) => _directories.Get(handle);

    public int Lookup(in RequestContext context, NodeId parent, ReadOnlySpan<byte> name, out fuse_entry_out entry)
    {
        entry = default;
        var parentPath = _nodes.PathOf(parent);
        if (parentPath is null) return Errno.ENOENT;
        var error = ChildPath(parentPath, name, out var path);
        if (error != 0) return error;
        error = Root.TryStat(path, out var st);
        if (error != 0) return error is Errno.ENOTDIR or Errno.ELOOP ? Errno.ENOENT : error;
        entry.nodeid = _nodes.Acquire(path).Value;
        // entry_valid and attr_valid stay 0: the kernel asks again on every path walk.
        entry.attr = ToAttr(in st);
        return 0;
    }

    public void Forget(NodeId node, ulong lookups) => _nodes.Forget(node, lookups);

    public int GetAttr(in RequestContext context, NodeId node, out fuse_attr attr)
    {
        attr = default;
        var error = Stat(node, out var st);
        if (error != 0) return error;
        attr = ToAttr(in st);
        return 0;
    }

    public int ReadLink(in RequestContext context, NodeId node, Span<byte> destination, out int length)
    {
        length = 0;
        if (!TryPath(node, out var path)) return Errno.ENOENT;
        var error = Root.TryReadLink(path, out byte[] target);
        if (error != 0) return error;
        if (target.Length > destination.Length) return Errno.ENAMETOOLONG;
        target.CopyTo(destination);
        length = target.Length;
        return 0;
    }

    public int Open(in RequestContext context, NodeId node, uint flags, out FileHandle handle)
    {
        handle = default;
        if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_TRUNC | O_CREAT | O_APPEND)) != 0) return Errno.EROFS;
        if (!TryPath(node, out var path)) return Errno.ENOENT;
        var error = Root.TryOpen(path, O_RDONLY, out var fd);
        if (error != 0) return error;
        handle = _files.Add(new OpenFile(fd, path));
        return 0;
    }

    public unsafe int Read(in RequestContext context, NodeId node, FileHandle handle, long offset, Span<byte> destination, out int length)
    {
        length = 0;
        var file = _files.Get(handle);
        if (file is null) return Errno.EBADF;
        fixed (byte* pointer = destination)
        {
            // The kernel takes a short reply as end of file, so fill the buffer unless the file ends.
            while (length < destination.Length)
            {
                var n = PRead(file.Fd, pointer + length, (nuint)(destination.Length - length), offset + length);
                if (n < 0)
                {
                    var errno = Io.LastErrno;
                    if (errno == Errno.EINTR) continue;
                    return errno;
                }

                if (n == 0) break;
                length += (int)n;
            }
        }

        return 0;
    }

    public void Release(NodeId node, FileHandle handle) => _files.Remove(handle)?.Dispose();

    public SafeHandle? BackingFile(FileHandle handle) => _files.Get(handle)?.Fd;

    public int OpenDir(in RequestContext context, NodeId node, out FileHandle handle)
    {
        handle = default;
        if (!TryPath(node, out var path)) return Errno.ENOENT;
        handle = _directories.Add(new OpenDirectory(path));
        return 0;
    }

    public int ReadDir(in RequestContext context, NodeId node, FileHandle handle, ulong offset, ref DirentWriter writer)
    {
        var directory = _directories.Get(handle);
        if (directory is null) return Errno.EBADF;
        var error = directory.List(Root, out var entries);
        if (error != 0) return error;
        for (var i = (int)Math.Min(offset, (ulong)entries.Count); i < entries.Count; i++)
        {
            var e = entries[i];
            if (!writer.TryAdd(e.Name, e.Ino, e.DType, (ulong)i + 1)) break;
        }

        return 0;
    }

    public void ReleaseDir(NodeId node, FileHandle handle) => _directories.Remove(handle);

    public unsafe int StatFs(in RequestContext context, NodeId node, out fuse_kstatfs stat)
    {
        stat = default;
        statvfs vfs;
        if (FStatVfs(Root.Fd, &vfs) != 0) return Io.LastErrno;
        stat.blocks = vfs.f_blocks;
        stat.bfree = vfs.f_bfree;
        stat.bavail = vfs.f_bavail;
        stat.files = vfs.f_files;
        stat.ffree = vfs.f_ffree;
        stat.bsize = (uint)vfs.f_bsize;
        stat.frsize = (uint)vfs.f_frsize;
        stat.namelen = (uint)vfs.f_namemax;
        return 0;
    }

    public int Access(in RequestContext context, NodeId node, int mask)
    {
        var error = Stat(node, out var st);
        if (error != 0) return error;
        if ((mask & W_OK) != 0) return Errno.EROFS;
        // Like root on the host: execute needs some x bit, except on directories.
        var isDirectory = (st.stx_mode & S_IFMT) == S_IFDIR;
        if ((mask & X_OK) != 0 && !isDirectory && (st.stx_mode & 0x49) == 0) return Errno.EACCES;
        return 0;
    }

    public unsafe int GetXattr(in RequestContext context, NodeId node, ReadOnlySpan<byte> name, Span<byte> destination, out int length)
    {
        length = 0;
        if (!TryPath(node, out var path)) return Errno.ENOENT;
        var error = OpenForXattr(path, out var fd, out var isLink);
        if (error != 0) return error;
        using (fd)
        {
            if (isLink) return Errno.ENODATA;
            fixed (byte* pointer = destination)
            {
                var n = Interop.Libc.GetXattr($"/proc/self/fd/{fd.Value}", Encoding.UTF8.GetString(name), pointer, (nuint)destination.Length);
                if (n < 0) return Io.LastErrno;
                length = (int)n;
                return 0;
            }
        }
    }

    public unsafe int ListXattr(in RequestContext context, NodeId node, Span<byte> destination, out int length)
    {
        length = 0;
        if (!TryPath(node, out var path)) return Errno.ENOENT;
        var error = OpenForXattr(path, out var fd, out var isLink);
        if (error != 0) return error;
        using (fd)
        {
            if (isLink) return 0;
            fixed (byte* pointer = destination)
            {
                var n = Interop.Libc.ListXattr($"/proc/self/fd/{fd.Value}", pointer, (nuint)destination.Length);
                if (n < 0) return Io.LastErrno;
                length = (int)n;
                return 0;
            }
        }
    }

    public int Lseek(in RequestContext context, NodeId node, FileHandle handle, long offset, int whence, out long result)
    {
        result = 0;
        var file = _files.Get(handle);
        if (file is null) return Errno.EBADF;
        // Only SEEK_DATA and SEEK_HOLE come here (the kernel does the others itself); they do not
        // depend on the file position, which pread never uses, so sharing the fd is safe.
        result = LSeek(file.Fd, offset, whence);
        return result < 0 ? Io.LastErrno : 0;
    }

    public void Dispose()
    {
        foreach (var file in _files.All) file.Dispose();
    }

    private bool TryPath(NodeId node, out string path)
    {
        path = _nodes.PathOf(node)!;
        return path is not null;
    }

    private int Stat(NodeId node, out statx st)
    {
        st = default;
        return TryPath(node, out var path) ? Root.TryStat(path, out st) : Errno.ENOENT;
    }

    private int OpenForXattr(string path, out FileDescriptor fd, out bool isLink)
    {
        isLink = false;
        var error = Root.TryOpen(path, O_PATH, out fd);
        if (error != 0) return error;
        if (FStat(fd, out var st) != 0)
        {
            error = Io.LastErrno;
            fd.Dispose();
            return error;
        }

        // /proc/self/fd/N of a symlink's O_PATH fd would resolve to the link's target: never go there.
        isLink = (st.stx_mode & S_IFMT) == S_IFLNK;
        return 0;
    }

    private static int ChildPath(string parentPath, ReadOnlySpan<byte> name, out string path)
    {
        path = "";
        if (name.IsEmpty || name.IndexOf((byte)'/') >= 0) return Errno.EINVAL;
        if (name is [(byte)'.'] or [(byte)'.', (byte)'.']) return Errno.ENOENT;
        string text;
        try
        {
            text = StrictUtf8.GetString(name);
        }
        catch (DecoderFallbackException)
        {
            // Observations name paths as text; a name that is not UTF-8 cannot be recorded faithfully.
            return Errno.EILSEQ;
        }

        path = parentPath.Length == 0 ? text : parentPath + "/" + text;
        return 0;
    }

    private static fuse_attr ToAttr(in statx st) => new()
    {
        ino = st.stx_ino,
        size = st.stx_size,
        blocks = st.stx_blocks,
        atime = (ulong)st.stx_atime.tv_sec,
        atimensec = st.stx_atime.tv_nsec,
        mtime = (ulong)st.stx_mtime.tv_sec,
        mtimensec = st.stx_mtime.tv_nsec,
        ctime = (ulong)st.stx_ctime.tv_sec,
        ctimensec = st.stx_ctime.tv_nsec,
        mode = st.stx_mode,
        nlink = st.stx_nlink,
        uid = st.stx_uid,
        gid = st.stx_gid,
        rdev = (st.stx_rdev_minor & 0xff) | (st.stx_rdev_major << 8) | ((st.stx_rdev_minor & ~0xffu) << 12), // new_encode_dev
        blksize = st.stx_blksize,
    };
}
