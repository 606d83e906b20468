namespace Layer.Vm.Agent.Protocol;

/// <summary>Numbers both sides must agree on; changing one is a protocol version bump.</summary>
internal static class ProtocolLimits
{
    /// <summary>Bumped on any incompatible change to frames or payloads; sent in Hello.</summary>
    public const ushort Version = 2;

    /// <summary>Bytes of the length prefix.</summary>
    public const int LengthSize = 4;

    /// <summary>Bytes after the length prefix that every frame has: type (1) and request id (4).</summary>
    public const int HeaderSize = 5;

    /// <summary>
    /// Largest value the length prefix may hold. A bigger one means the stream is
    /// corrupt or out of step: there is no way to resynchronise, so the reader
    /// gives up on the link instead of allocating whatever the garbage asks for.
    /// </summary>
    public const int MaxFrameLength = 4 * 1024 * 1024;

    /// <summary>Command output is cut into chunks of at most this size, one frame each.</summary>
    public const int OutputChunk = 64 * 1024;

    /// <summary>
    /// Input of an interactive session travels in chunks of at most this size,
    /// and at most <see cref="InputWindow"/> of them may await their InputAck:
    /// a program that stops reading stops the host from sending, instead of
    /// piling input up in the guest's memory.
    /// </summary>
    public const int InputChunk = 64 * 1024;

    /// <summary>Input frames the host may have sent and not yet seen acknowledged.</summary>
    public const int InputWindow = 4;

    /// <summary>File contents travel in chunks of at most this size, one frame each.</summary>
    public const int FileChunk = 1024 * 1024;
}
