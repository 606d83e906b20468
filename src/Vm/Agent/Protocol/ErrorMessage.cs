namespace Layer.Vm.Agent.Protocol;

/// <summary>
/// Error (guest -> host): the request with this id failed (it gets no other
/// reply). Errno is the Linux errno where a system call failed, 0 otherwise; the
/// message says what and where in words. With request id 0 it reports a frame
/// the agent could not read at all.
/// </summary>
internal sealed record ErrorMessage(int Errno, string Message)
{
    public const int EPROTO = 71;

    public byte[] Encode() => new PayloadWriter().I32(Errno).String(Message).Written.ToArray();

    public static ErrorMessage Decode(ReadOnlySpan<byte> payload) =>
        PayloadReader.Decode(payload, static (ref PayloadReader r) => new ErrorMessage(r.I32(), r.String()));
}
