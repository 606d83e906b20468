using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Layer.Fs.Protocol;

/// <summary>
/// A serving thread's reply buffer: fuse_out_header then the payload, sent with one write(2).
/// Allocated once per thread and pinned, so the read path allocates nothing.
/// </summary>
internal sealed class ReplyBuffer
{
    public static readonly int HeaderSize = Unsafe.SizeOf<fuse_out_header>();

    private readonly byte[] _bytes;

    public ReplyBuffer(int payloadCapacity)
    {
        _bytes = GC.AllocateArray<byte>(HeaderSize + payloadCapacity, pinned: true);
    }

    /// <summary>Where the payload goes; callers write it, then call <see cref="Finish"/>.</summary>
    public Span<byte> Payload => _bytes.AsSpan(HeaderSize);

    /// <summary>Writes the header for an error (negative errno, no payload) or success with the payload's length.</summary>
    public ReadOnlySpan<byte> Finish(ulong unique, int errno, int payloadLength)
    {
        var length = errno == 0 ? HeaderSize + payloadLength : HeaderSize;
        var header = new fuse_out_header { len = (uint)length, error = -errno, unique = unique };
        MemoryMarshal.Write(_bytes, in header);
        return _bytes.AsSpan(0, length);
    }

    public ReadOnlySpan<byte> Error(ulong unique, int errno) => Finish(unique, errno, 0);

    public ReadOnlySpan<byte> Struct<T>(ulong unique, T payload) where T : unmanaged
    {
        MemoryMarshal.Write(Payload, in payload);
        return Finish(unique, 0, Unsafe.SizeOf<T>());
    }
}
