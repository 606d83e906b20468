namespace Layer.Vm.Agent.Protocol;

/// <summary>
/// Run (host -> guest). With <see cref="RunFlags.Shell"/> the single argument is
/// a command line for <c>bash -c</c> (<c>sh -c</c> where bash is absent);
/// otherwise the arguments are the argv, looked up in PATH. Environment entries
/// are <c>NAME=value</c> and are laid over the agent's base environment. Empty
/// working directory means <c>/</c>; empty user means the agent's own; timeout 0
/// means none.
/// </summary>
internal sealed record RunRequest(RunFlags Flags, string[] Arguments, string[] Environment, string WorkingDirectory, string User, uint TimeoutMilliseconds)
{
    public byte[] Encode() =>
        new PayloadWriter().U8((byte)Flags).Strings(Arguments).Strings(Environment)
            .String(WorkingDirectory).String(User).U32(TimeoutMilliseconds).Written.ToArray();

    public static RunRequest Decode(ReadOnlySpan<byte> payload)
    {
        var request = PayloadReader.Decode(payload, static (ref PayloadReader r) =>
            new RunRequest((RunFlags)r.U8(), r.Strings(), r.Strings(), r.String(), r.String(), r.U32()));
        if (request.Arguments.Length == 0) throw new ProtocolException("run has no arguments");
        if ((request.Flags & RunFlags.Shell) != 0 && request.Arguments.Length != 1)
            throw new ProtocolException("a shell run carries exactly one argument, the command line");
        if ((request.Flags & ~RunFlags.Shell) != 0) throw new ProtocolException($"unknown run flags 0x{(byte)request.Flags:x2}");
        return request;
    }
}

[Flags]
internal enum RunFlags : byte
{
    None = 0,
    Shell = 1,
}
