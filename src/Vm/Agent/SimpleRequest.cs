using Layer.Vm.Agent.Protocol;

namespace Layer.Vm.Agent;

/// <summary>A request answered by one Ok (its payload is the result) or Error.</summary>
internal sealed class SimpleRequest(string operation) : PendingRequest(operation)
{
    private readonly TaskCompletionSource<byte[]> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<byte[]> Reply => _reply.Task;

    public override bool Handle(Frame frame)
    {
        switch (frame.Type)
        {
            case MessageType.Ok: _reply.TrySetResult(frame.Payload); return true;
            case MessageType.Error: _reply.TrySetException(ErrorFrom(frame)); return true;
            default: throw Unexpected(frame);
        }
    }

    public override void Fail(Exception error) => _reply.TrySetException(error);
}
