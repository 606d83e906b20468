namespace Layer.Vm.Agent.Protocol;

/// <summary>
/// ReadFile (host -> guest): the agent answers with FileData frames carrying the
/// content in order, then Ok whose payload is the total size as u64 (a check
/// that nothing was lost), or Error.
/// </summary>
internal sealed record ReadFileRequest(string Path)
{
    public byte[] Encode() => new PayloadWriter().String(Path).Written.ToArray();

    public static ReadFileRequest Decode(ReadOnlySpan<byte> payload) =>
        PayloadReader.Decode(payload, static (ref PayloadReader r) => new ReadFileRequest(r.String()));
}
