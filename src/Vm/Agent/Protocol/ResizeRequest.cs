namespace Layer.Vm.Agent.Protocol;

/// <summary>
/// Resize (host -> guest): the host's terminal changed size. The agent sets the
/// session's pseudo-terminal to it (TIOCSWINSZ, so the kernel sends SIGWINCH to
/// its foreground process group). No reply; ignored for a session without a terminal.
/// </summary>
internal sealed record ResizeRequest(ushort Rows, ushort Columns)
{
    public byte[] Encode() => new PayloadWriter().U16(Rows).U16(Columns).Written.ToArray();

    public static ResizeRequest Decode(ReadOnlySpan<byte> payload) =>
        PayloadReader.Decode(payload, static (ref PayloadReader r) => new ResizeRequest(r.U16(), r.U16()));
}
