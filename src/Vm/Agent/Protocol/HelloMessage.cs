namespace Layer.Vm.Agent.Protocol;

/// <summary>Hello (guest -> host): sent once when the agent starts and again in answer to every HelloRequest.</summary>
internal sealed record HelloMessage(ushort ProtocolVersion, string AgentVersion, string KernelRelease, int Pid)
{
    public byte[] Encode() =>
        new PayloadWriter().U16(ProtocolVersion).String(AgentVersion).String(KernelRelease).I32(Pid).Written.ToArray();

    public static HelloMessage Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        var message = new HelloMessage(reader.U16(), reader.String(), reader.String(), reader.I32());
        reader.End();
        return message;
    }
}
