using Layer.Vm.Agent.Protocol;

namespace Layer.Vm.Agent;

/// <summary>
/// A request waiting for its replies. The client's read loop hands it every
/// frame with its id; <see cref="Handle"/> returns true on the terminal frame.
/// Throwing <see cref="ProtocolException"/> from Handle means the agent broke
/// the protocol and the link is dropped.
/// </summary>
internal abstract class PendingRequest(string operation)
{
    public string Operation { get; } = operation;

    public abstract bool Handle(Frame frame);

    public abstract void Fail(Exception error);

    protected AgentRequestException ErrorFrom(Frame frame)
    {
        var error = ErrorMessage.Decode(frame.Payload);
        return new AgentRequestException(Operation, error.Errno, error.Message);
    }

    protected ProtocolException Unexpected(Frame frame) =>
        new($"unexpected {frame.Type} frame for a {Operation} request");
}
