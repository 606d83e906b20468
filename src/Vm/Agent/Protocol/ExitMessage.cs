namespace Layer.Vm.Agent.Protocol;

/// <summary>
/// Exit (guest -> host): the last frame of a run, after all its output. Exactly
/// one of ExitCode (0..255) and Signal (nonzero) is meaningful: a command killed
/// by a signal has ExitCode 128 + signal, as shells report it.
/// </summary>
internal sealed record ExitMessage(int ExitCode, int Signal, ExitFlags Flags)
{
    public byte[] Encode() => new PayloadWriter().I32(ExitCode).I32(Signal).U8((byte)Flags).Written.ToArray();

    public static ExitMessage Decode(ReadOnlySpan<byte> payload) =>
        PayloadReader.Decode(payload, static (ref PayloadReader r) => new ExitMessage(r.I32(), r.I32(), (ExitFlags)r.U8()));
}

[Flags]
internal enum ExitFlags : byte
{
    None = 0,
    /// <summary>The agent killed the process group because the run's timeout elapsed.</summary>
    TimedOut = 1,
    /// <summary>Output was still arriving from leftover processes when the agent stopped reading it.</summary>
    OutputTruncated = 2,
}
