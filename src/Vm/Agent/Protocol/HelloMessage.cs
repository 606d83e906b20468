namespace Layer.Vm.Agent.Protocol;

/// <summary>Hello (guest -> host): sent once when the agent starts and again in answer to every HelloRequest.</summary>
internal sealed record HelloMessage(ushort ProtocolVersion, string AgentVersion, string KernelRelease, int Pid)
{
    public byte[] Encode() =>
        new PayloadWriter().U16(ProtocolVersion).String(AgentVersion).String(KernelRelease).I32(Pid).Written.ToArray();

    public static HelloMessage Decode(ReadOnlySpan<byte> payload) =>
        PayloadReader.Decode(payload, static (ref PayloadReader r) => new HelloMessage(r.U16(), r.String(), r.String(), r.I32()));
}
