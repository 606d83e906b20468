namespace Layer.Vm.Agent.Protocol;

/// <summary>
/// Interactive (host -> guest): starts a program whose stdin the host feeds
/// (Input, CloseInput) for as long as it runs. With <see cref="InteractiveFlags.Terminal"/>
/// the program gets a pseudo-terminal of Rows x Columns as its controlling
/// terminal and stdin, stdout and stderr (output comes back as Stdout frames);
/// without it, three pipes (Stdout and Stderr frames). Arguments as for Run
/// (<see cref="InteractiveFlags.Shell"/>: one command line); no arguments and no
/// Shell flag means a login shell. Replies: Started, output, InputAck per Input,
/// then Exit; or Error if it never started.
/// </summary>
internal sealed record InteractiveRequest(InteractiveFlags Flags, string[] Arguments, string[] Environment, string WorkingDirectory, string User, ushort Rows, ushort Columns)
{
    public byte[] Encode() =>
        new PayloadWriter().U8((byte)Flags).Strings(Arguments).Strings(Environment)
            .String(WorkingDirectory).String(User).U16(Rows).U16(Columns).Written.ToArray();

    public static InteractiveRequest Decode(ReadOnlySpan<byte> payload)
    {
        var request = PayloadReader.Decode(payload, static (ref PayloadReader r) =>
            new InteractiveRequest((InteractiveFlags)r.U8(), r.Strings(), r.Strings(), r.String(), r.String(), r.U16(), r.U16()));
        if ((request.Flags & ~(InteractiveFlags.Terminal | InteractiveFlags.Shell)) != 0)
            throw new ProtocolException($"unknown interactive flags 0x{(byte)request.Flags:x2}");
        if ((request.Flags & InteractiveFlags.Shell) != 0 && request.Arguments.Length != 1)
            throw new ProtocolException("a shell-form interactive request carries exactly one argument, the command line");
        return request;
    }
}

[Flags]
internal enum InteractiveFlags : byte
{
    None = 0,
    /// <summary>Give the program a pseudo-terminal instead of pipes.</summary>
    Terminal = 1,
    /// <summary>The single argument is a command line for <c>bash -c</c> (<c>sh -c</c> without bash).</summary>
    Shell = 2,
}
