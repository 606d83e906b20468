namespace Layer.Vm.Agent.Protocol;

/// <summary>
/// Signal (host -> guest): send a signal to the process group of a running
/// command. Its request id is the id of the Run it targets; it gets no reply of
/// its own (the run's Exit frame follows if the signal ends it).
/// </summary>
internal sealed record SignalRequest(int Signal)
{
    public byte[] Encode() => new PayloadWriter().I32(Signal).Written.ToArray();

    public static SignalRequest Decode(ReadOnlySpan<byte> payload) =>
        PayloadReader.Decode(payload, static (ref PayloadReader r) => new SignalRequest(r.I32()));
}
