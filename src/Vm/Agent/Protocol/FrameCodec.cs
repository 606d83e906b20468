using System.Buffers.Binary;

namespace Layer.Vm.Agent.Protocol;

/// <summary>
/// Frames on the byte stream: u32 little-endian length (of everything after
/// it), u8 type, u32 little-endian request id, payload. Writers must hold their
/// link's write lock around <see cref="Write"/>: one frame is one write call, but
/// nothing else keeps two frames from interleaving.
/// </summary>
internal static class FrameCodec
{
    public static byte[] Encode(MessageType type, uint requestId, ReadOnlySpan<byte> payload)
    {
        var length = ProtocolLimits.HeaderSize + payload.Length;
        if (length > ProtocolLimits.MaxFrameLength)
            throw new ArgumentException($"payload of {payload.Length} bytes exceeds the frame limit", nameof(payload));
        var frame = new byte[ProtocolLimits.LengthSize + length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)length);
        frame[4] = (byte)type;
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(5), requestId);
        payload.CopyTo(frame.AsSpan(ProtocolLimits.LengthSize + ProtocolLimits.HeaderSize));
        return frame;
    }

    public static void Write(Stream stream, MessageType type, uint requestId, ReadOnlySpan<byte> payload)
    {
        stream.Write(Encode(type, requestId, payload));
        stream.Flush();
    }

    /// <summary>
    /// Reads one frame. Returns null on a clean end of stream between frames; an
    /// end inside a frame is an <see cref="EndOfStreamException"/>; a length out of
    /// range is a <see cref="ProtocolException"/> (the stream cannot be trusted after it).
    /// </summary>
    public static Frame? Read(Stream stream)
    {
        Span<byte> prefix = stackalloc byte[ProtocolLimits.LengthSize];
        var got = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        if (got == 0) return null;
        if (got < prefix.Length) throw new EndOfStreamException("the link closed inside a frame's length prefix");
        var body = new byte[CheckLength(BinaryPrimitives.ReadUInt32LittleEndian(prefix))];
        stream.ReadExactly(body);
        return Split(body);
    }

    public static async ValueTask<Frame?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var prefix = new byte[ProtocolLimits.LengthSize];
        var got = await stream.ReadAtLeastAsync(prefix, prefix.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got == 0) return null;
        if (got < prefix.Length) throw new EndOfStreamException("the link closed inside a frame's length prefix");
        var body = new byte[CheckLength(BinaryPrimitives.ReadUInt32LittleEndian(prefix))];
        await stream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        return Split(body);
    }

    private static int CheckLength(uint length)
    {
        if (length < ProtocolLimits.HeaderSize || length > ProtocolLimits.MaxFrameLength)
            throw new ProtocolException($"frame length {length} is outside {ProtocolLimits.HeaderSize}..{ProtocolLimits.MaxFrameLength}");
        return (int)length;
    }

    private static Frame Split(byte[] body)
    {
        var type = (MessageType)body[0];
        var requestId = BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(1));
        return new Frame(type, requestId, body[ProtocolLimits.HeaderSize..]);
    }
}
