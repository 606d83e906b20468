using System.Buffers.Binary;
using System.Text;

namespace Layer.Vm.Agent.Protocol;

/// <summary>
/// Builds a payload from the protocol's primitives: little-endian integers,
/// strings as u32 byte count + UTF-8, byte blocks as u32 count + bytes, lists as
/// u32 count + items. Hand-written so the agent needs no reflection (NativeAOT).
/// </summary>
internal sealed class PayloadWriter
{
    private byte[] _buffer;
    private int _length;

    public PayloadWriter(int capacity = 256) => _buffer = new byte[capacity];

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public PayloadWriter U8(byte value)
    {
        Reserve(1)[0] = value;
        return this;
    }

    public PayloadWriter U16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);
        return this;
    }

    public PayloadWriter I32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);
        return this;
    }

    public PayloadWriter U32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);
        return this;
    }

    public PayloadWriter U64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);
        return this;
    }

    public PayloadWriter String(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        U32((uint)count);
        Encoding.UTF8.GetBytes(value, Reserve(count));
        return this;
    }

    public PayloadWriter Bytes(ReadOnlySpan<byte> value)
    {
        U32((uint)value.Length);
        value.CopyTo(Reserve(value.Length));
        return this;
    }

    public PayloadWriter Strings(IReadOnlyCollection<string> values)
    {
        U32((uint)values.Count);
        foreach (var value in values) String(value);
        return this;
    }

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
