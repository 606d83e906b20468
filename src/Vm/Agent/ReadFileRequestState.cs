using Layer.Vm.Agent.Protocol;

namespace Layer.Vm.Agent;

/// <summary>A ReadFile: FileData chunks copied to the destination, then Ok with the total size.</summary>
internal sealed class ReadFileRequestState(Stream destination) : PendingRequest("read-file")
{
    private readonly TaskCompletionSource<long> _size = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _received;
    private Exception? _destinationError;

    public Task<long> Size => _size.Task;

    public override bool Handle(Frame frame)
    {
        switch (frame.Type)
        {
            case MessageType.FileData:
                if (_destinationError is null)
                {
                    try { destination.Write(frame.Payload); }
                    catch (Exception e) { _destinationError = e; }
                }
                _received += frame.Payload.Length;
                return false;
            case MessageType.Ok:
                var reader = new PayloadReader(frame.Payload);
                var total = reader.U64();
                reader.End();
                if (_destinationError is not null) _size.TrySetException(_destinationError);
                else if ((ulong)_received != total) throw new ProtocolException($"read-file announced {total} bytes but sent {_received}");
                else _size.TrySetResult(_received);
                return true;
            case MessageType.Error:
                _size.TrySetException(ErrorFrom(frame));
                return true;
            default:
                throw Unexpected(frame);
        }
    }

    public override void Fail(Exception error) => _size.TrySetException(error);
}
