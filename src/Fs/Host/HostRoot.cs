using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Layer.Fs.Native;
using static Layer.Fs.Native.Interop.Libc;

namespace Layer.Fs.Host;

/// <summary>
/// The mirrored host folder, reached only through its directory fd. Every path is resolved by
/// openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS: nothing outside the root can be reached and no
/// symlink is ever followed on the host, whatever names the client sends. A symlink at the end of a
/// path is opened as itself (O_PATH | O_NOFOLLOW) so it can be served as a symlink.
/// The mirror and the read-set validator share this class, so both see the host the same way.
/// </summary>
internal sealed class HostRoot : IDisposable
{
    private const ulong Resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;

    private HostRoot(string path, FileDescriptor fd)
    {
        Path = path;
        Fd = fd;
    }

    /// <summary>The absolute host path (for messages only; never used to reach files).</summary>
    public string Path { get; }

    public FileDescriptor Fd { get; }

    public static HostRoot Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        return new HostRoot(full, OpenOrThrow(full, O_PATH | O_DIRECTORY));
    }

    /// <summary>Opens a root-relative path ("" is the root itself); returns 0 or an errno.</summary>
    public int TryOpen(string relativePath, int flags, out FileDescriptor fd)
    {
        var raw = OpenAt2(Fd, relativePath.Length == 0 ? "." : relativePath, (ulong)(flags | O_CLOEXEC | O_NOFOLLOW), Resolve);
        if (raw < 0)
        {
            fd = new FileDescriptor();
            return Io.LastErrno;
        }

        fd = new FileDescriptor(raw);
        return 0;
    }

    /// <summary>lstat of a root-relative path.</summary>
    public int TryStat(string relativePath, out statx st)
    {
        st = default;
        var error = TryOpen(relativePath, O_PATH, out var fd);
        if (error != 0) return error;
        using (fd)
        {
            return FStat(fd, out st) == 0 ? 0 : Io.LastErrno;
        }
    }

    /// <summary>The target of a symlink, read from the link itself.</summary>
    public unsafe int TryReadLink(string relativePath, out byte[] target)
    {
        target = [];
        var error = TryOpen(relativePath, O_PATH, out var fd);
        if (error != 0) return error;
        using (fd)
        {
            var buffer = stackalloc byte[4096];
            var n = ReadLinkAt(fd, "", buffer, 4096);
            if (n < 0) return Io.LastErrno;
            target = new ReadOnlySpan<byte>(buffer, (int)n).ToArray();
            return 0;
        }
    }

    public int TryReadLink(string relativePath, out string target)
    {
        var error = TryReadLink(relativePath, out byte[] bytes);
        target = error == 0 ? Encoding.UTF8.GetString(bytes) : "";
        return error;
    }

    /// <summary>Every entry of a directory, "." and ".." included, in the host's order.</summary>
    public unsafe int TryReadDirectory(string relativePath, out List<HostDirEntry> entries)
    {
        entries = new List<HostDirEntry>();
        var error = TryOpen(relativePath, O_RDONLY | O_DIRECTORY, out var fd);
        if (error != 0) return error;
        using (fd)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                fixed (byte* pointer = buffer)
                {
                    while (true)
                    {
                        var n = GetDents64(fd, pointer, (nuint)buffer.Length);
                        if (n < 0) return Io.LastErrno;
                        if (n == 0) return 0;
                        // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
                        for (var at = 0; at < n;)
                        {
                            var record = buffer.AsSpan(at);
                            var ino = BinaryPrimitives.ReadUInt64LittleEndian(record);
                            var recordLength = BinaryPrimitives.ReadUInt16LittleEndian(record[16..]);
                            var type = record[18];
                            var nameSpan = record[19..recordLength];
                            var name = nameSpan[..nameSpan.IndexOf((byte)0)].ToArray();
                            if (type == HostDirEntry.DT_UNKNOWN) type = TypeOf(fd, name);
                            entries.Add(new HostDirEntry(name, ino, type));
                            at += recordLength;
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    // Some filesystems leave d_type unknown; ask the inode (without following a link).
    private static unsafe byte TypeOf(FileDescriptor directory, byte[] name)
    {
        statx st;
        if (Statx(directory, Encoding.UTF8.GetString(name), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &st) != 0) return HostDirEntry.DT_UNKNOWN;
        return (byte)((st.stx_mode & S_IFMT) >> 12);
    }

    public void Dispose() => Fd.Dispose();
}
