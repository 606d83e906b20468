namespace Layer.Vm.Agent.Protocol;

/// <summary>Started (guest -> host): the run's process exists; its pid is also its process group id.</summary>
internal sealed record StartedMessage(int Pid)
{
    public byte[] Encode() => new PayloadWriter().I32(Pid).Written.ToArray();

    public static StartedMessage Decode(ReadOnlySpan<byte> payload) =>
        PayloadReader.Decode(payload, static (ref PayloadReader r) => new StartedMessage(r.I32()));
}
