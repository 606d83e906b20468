namespace Layer.Vm.Agent.Protocol;

/// <summary>
/// WriteFile (host -> guest): write Data at Offset of the file at Path. Files
/// larger than one frame go as several requests with rising offsets; the first
/// carries <see cref="WriteFileFlags.Truncate"/>. Mode (permission bits) is
/// applied whenever the request creates or truncates the file. Each request is
/// answered by Ok or Error.
/// </summary>
internal sealed record WriteFileRequest(string Path, uint Mode, ulong Offset, WriteFileFlags Flags, byte[] Data)
{
    public byte[] Encode() =>
        new PayloadWriter(Data.Length + Path.Length * 3 + 32).String(Path).U32(Mode).U64(Offset).U8((byte)Flags).Bytes(Data).Written.ToArray();

    public static WriteFileRequest Decode(ReadOnlySpan<byte> payload) =>
        PayloadReader.Decode(payload, static (ref PayloadReader r) => new WriteFileRequest(r.String(), r.U32(), r.U64(), (WriteFileFlags)r.U8(), r.Bytes().ToArray()));
}

[Flags]
internal enum WriteFileFlags : byte
{
    None = 0,
    /// <summary>Create the file or cut it to zero length before writing.</summary>
    Truncate = 1,
    /// <summary>Create missing parent directories (mode 0755).</summary>
    CreateParents = 2,
}
