using System.Buffers.Binary;
using System.Text;

namespace Layer.Vm.Agent.Protocol;

/// <summary>
/// Reads the primitives <see cref="PayloadWriter"/> writes. Every read checks the
/// remaining length, so a truncated or lying payload becomes a
/// <see cref="ProtocolException"/>, never an out-of-range read or a huge allocation.
/// </summary>
internal ref struct PayloadReader(ReadOnlySpan<byte> payload)
{
    private readonly ReadOnlySpan<byte> _payload = payload;
    private int _position;

    public readonly int Remaining => _payload.Length - _position;

    /// <summary>Reads a whole payload with <paramref name="body"/> and checks nothing is left over.</summary>
    public static T Decode<T>(ReadOnlySpan<byte> payload, PayloadBody<T> body)
    {
        var reader = new PayloadReader(payload);
        var value = body(ref reader);
        reader.End();
        return value;
    }

    public byte U8() => Take(1)[0];

    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public string String()
    {
        var bytes = Take(Count(1));
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ProtocolException("a string field is not valid UTF-8");
        }
    }

    public ReadOnlySpan<byte> Bytes() => Take(Count(1));

    public string[] Strings()
    {
        // Each string needs at least its 4-byte count, which bounds the list length.
        var items = new string[Count(4)];
        for (var i = 0; i < items.Length; i++) items[i] = String();
        return items;
    }

    /// <summary>Call after the last field: trailing bytes mean the two sides disagree on the layout.</summary>
    public readonly void End()
    {
        if (Remaining != 0) throw new ProtocolException($"{Remaining} unexpected byte(s) after the last field");
    }

    private int Count(int minimumItemSize)
    {
        var count = U32();
        if (count > (uint)(Remaining / minimumItemSize))
            throw new ProtocolException($"a field claims {count} item(s) but only {Remaining} byte(s) remain");
        return (int)count;
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > Remaining)
            throw new ProtocolException($"payload ends early: needed {count} byte(s), {Remaining} remain");
        var span = _payload.Slice(_position, count);
        _position += count;
        return span;
    }
}

/// <summary>Reads the fields of one payload in order (C# evaluates constructor arguments left to right).</summary>
internal delegate T PayloadBody<T>(ref PayloadReader reader);
