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

/// <summary>A Run: Started, Stdout/Stderr chunks, then Exit (or Error if it never started).</summary>
internal sealed class RunRequestState(Action<ReadOnlyMemory<byte>>? onStdout, Action<ReadOnlyMemory<byte>>? onStderr) : PendingRequest("run")
{
    private readonly TaskCompletionSource<RunResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pid;
    private Exception? _callbackError;

    public Task<RunResult> Result => _result.Task;

    /// <summary>Set when an output callback threw: the client kills the command and rethrows this.</summary>
    public Action? OnCallbackError { get; set; }

    public override bool Handle(Frame frame)
    {
        switch (frame.Type)
        {
            case MessageType.Started:
                _pid = StartedMessage.Decode(frame.Payload).Pid;
                return false;
            case MessageType.Stdout:
                Deliver(onStdout, frame.Payload);
                return false;
            case MessageType.Stderr:
                Deliver(onStderr, frame.Payload);
                return false;
            case MessageType.Exit:
                var exit = ExitMessage.Decode(frame.Payload);
                if (_callbackError is not null) _result.TrySetException(_callbackError);
                else _result.TrySetResult(new RunResult(exit.ExitCode, exit.Signal,
                    (exit.Flags & ExitFlags.TimedOut) != 0, (exit.Flags & ExitFlags.OutputTruncated) != 0, _pid));
                return true;
            case MessageType.Error:
                _result.TrySetException(ErrorFrom(frame));
                return true;
            default:
                throw Unexpected(frame);
        }
    }

    private void Deliver(Action<ReadOnlyMemory<byte>>? callback, byte[] chunk)
    {
        if (callback is null || _callbackError is not null) return;
        try
        {
            callback(chunk);
        }
        catch (Exception e)
        {
            _callbackError = e;
            OnCallbackError?.Invoke();
        }
    }

    public override void Fail(Exception error) => _result.TrySetException(error);
}

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
