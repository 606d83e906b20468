namespace Layer.Vm.Agent.Protocol;

/// <summary>
/// An overlay the agent mounts: lower = Lower (relative to the share root, read
/// only), upper and work under the state directory's overlays/&lt;Id&gt;/, mounted
/// at Target. MountOverlay carries one; the Ok reply to RemountOverlays carries a list.
/// </summary>
internal sealed record OverlayRecord(string Id, string Lower, string Target)
{
    public byte[] Encode() => Write(new PayloadWriter()).Written.ToArray();

    public PayloadWriter Write(PayloadWriter writer) => writer.String(Id).String(Lower).String(Target);

    public static OverlayRecord Read(ref PayloadReader reader) => new(reader.String(), reader.String(), reader.String());

    public static OverlayRecord Decode(ReadOnlySpan<byte> payload) => PayloadReader.Decode(payload, Read);

    public static byte[] EncodeList(IReadOnlyCollection<OverlayRecord> records)
    {
        var writer = new PayloadWriter().U32((uint)records.Count);
        foreach (var record in records) record.Write(writer);
        return writer.Written.ToArray();
    }

    public static List<OverlayRecord> DecodeList(ReadOnlySpan<byte> payload) => PayloadReader.Decode(payload, static (ref PayloadReader r) =>
    {
        var count = r.U32();
        // Three strings of at least 4 bytes each per record bound the count.
        if (count > (uint)(r.Remaining / 12)) throw new ProtocolException($"overlay list claims {count} entries");
        var records = new List<OverlayRecord>((int)count);
        for (var i = 0; i < count; i++) records.Add(Read(ref r));
        return records;
    });
}
