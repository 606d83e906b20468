using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Layer.Fs.Native;

namespace Layer.Fs.Protocol;

/// <summary>One request read from /dev/fuse, split into header, fixed argument struct and names.
/// A view over the thread's request buffer: nothing is copied.</summary>
internal readonly ref struct FuseRequest
{
    public FuseRequest(fuse_in_header header, OpcodeInfo? info, ReadOnlySpan<byte> arguments, ReadOnlySpan<byte> name1, ReadOnlySpan<byte> name2)
    {
        Header = header;
        Info = info;
        Arguments = arguments;
        Name1 = name1;
        Name2 = name2;
    }

    public fuse_in_header Header { get; }

    /// <summary>The table row; null for an opcode the table does not know.</summary>
    public OpcodeInfo? Info { get; }

    /// <summary>Everything after the header (fixed struct, then names, then trailing data).</summary>
    public ReadOnlySpan<byte> Arguments { get; }

    public ReadOnlySpan<byte> Name1 { get; }

    public ReadOnlySpan<byte> Name2 { get; }

    public fuse_opcode Opcode => (fuse_opcode)Header.opcode;

    public NodeId Node => new(Header.nodeid);

    public RequestContext Context => new(Header.unique, Header.uid, Header.gid, Header.pid);

    /// <summary>The fixed input struct; the parser has checked it is all there.</summary>
    public T Read<T>() where T : unmanaged => MemoryMarshal.Read<T>(Arguments);

    /// <summary>Bytes after the fixed struct (BATCH_FORGET's array).</summary>
    public ReadOnlySpan<byte> Tail => Arguments[(Info?.InputSize ?? 0)..];
}

/// <summary>Parses raw packets. Short packet: EIO; unknown opcode: ENOSYS (go-fuse's rules).</summary>
internal static class RequestParser
{
    public static readonly int HeaderSize = Unsafe.SizeOf<fuse_in_header>();

    /// <summary>Returns 0 and the request, or an errno to answer with. A packet shorter than the
    /// header cannot be answered at all (no unique id): then <paramref name="request"/> has header.unique 0.</summary>
    public static int Parse(ReadOnlySpan<byte> packet, out FuseRequest request)
    {
        request = default;
        if (packet.Length < HeaderSize)
        {
            return Errno.EIO;
        }

        var header = MemoryMarshal.Read<fuse_in_header>(packet);
        var info = OpcodeTable.Find(header.opcode);
        request = new FuseRequest(header, info, default, default, default);
        if (header.len != packet.Length)
        {
            return Errno.EIO;
        }

        if (info is null)
        {
            return Errno.ENOSYS;
        }

        // Extensions (security context, supplementary groups) sit at the end; we ask for none.
        var extLength = header.total_extlen * 8;
        var body = packet[HeaderSize..];
        if (extLength > body.Length)
        {
            return Errno.EIO;
        }

        body = body[..^extLength];
        if (body.Length < info.InputSize)
        {
            return Errno.EIO;
        }

        ReadOnlySpan<byte> name1 = default, name2 = default;
        var position = info.InputSize;
        if (info.NameCount >= 1)
        {
            var end = body[position..].IndexOf((byte)0);
            if (end < 0) return Errno.EIO;
            name1 = body.Slice(position, end);
            position += end + 1;
        }

        if (info.NameCount >= 2)
        {
            var end = body[position..].IndexOf((byte)0);
            if (end < 0) return Errno.EIO;
            name2 = body.Slice(position, end);
        }

        request = new FuseRequest(header, info, body, name1, name2);
        return 0;
    }
}
