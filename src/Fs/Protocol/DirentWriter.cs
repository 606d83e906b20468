using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Layer.Fs.Protocol;

/// <summary>
/// Packs READDIR (fuse_dirent) or READDIRPLUS (fuse_direntplus) records into a reply, each padded
/// to 8 bytes (FUSE_DIRENT_ALIGN), stopping when the next one would not fit in the kernel's size.
/// </summary>
internal ref struct DirentWriter
{
    private readonly Span<byte> _buffer;
    private readonly bool _plus;

    public DirentWriter(Span<byte> buffer, bool plus)
    {
        _buffer = buffer;
        _plus = plus;
        Written = 0;
    }

    public int Written { get; private set; }

    /// <summary>Adds one entry; <paramref name="nextOffset"/> is what the kernel sends back to continue after it.</summary>
    public bool TryAdd(ReadOnlySpan<byte> name, ulong ino, uint type, ulong nextOffset)
    {
        var fixedSize = _plus ? Unsafe.SizeOf<fuse_direntplus>() : Unsafe.SizeOf<fuse_dirent>();
        var recordSize = (fixedSize + name.Length + 7) & ~7;
        if (Written + recordSize > _buffer.Length)
        {
            return false;
        }

        var record = _buffer.Slice(Written, recordSize);
        record.Clear();
        var dirent = new fuse_dirent { ino = ino, off = nextOffset, namelen = (uint)name.Length, type = type };
        if (_plus)
        {
            // nodeid 0: "no entry for this name", so the kernel makes no dentry and a later
            // access still sends LOOKUP (which the tracker must see).
            var plus = new fuse_direntplus { dirent = dirent };
            MemoryMarshal.Write(record, in plus);
        }
        else
        {
            MemoryMarshal.Write(record, in dirent);
        }

        name.CopyTo(record[fixedSize..]);
        Written += recordSize;
        return true;
    }
}
