using Layer.Vm.Agent.Protocol;

namespace Layer.Vm.Agent;

/// <summary>
/// An Interactive request: Started (or an immediate Exit, or Error), output,
/// one InputAck per Input frame, then Exit. Output callbacks run on the
/// client's read loop; one that throws kills the program and fails the session with it.
/// </summary>
internal sealed class InteractiveRequestState(Action<ReadOnlyMemory<byte>> onOutput, Action<ReadOnlyMemory<byte>>? onError) : PendingRequest("interactive")
{
    private readonly TaskCompletionSource<int> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<RunResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _credit = new(ProtocolLimits.InputWindow, int.MaxValue);
    private int _pid;
    private Exception? _callbackError;

    /// <summary>The pid once Started came; 0 when the program ended without starting (exit 127).</summary>
    public Task<int> Started => _started.Task;

    public Task<RunResult> Result => _result.Task;

    public Action? OnCallbackError { get; set; }

    /// <summary>Waits until another Input frame may be sent; false once the program ended.</summary>
    public async Task<bool> TakeInputCreditAsync(CancellationToken cancellationToken)
    {
        await _credit.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!_result.Task.IsCompleted) return true;
        _credit.Release();   // pass the wake-up on to any other waiter
        return false;
    }

    public override bool Handle(Frame frame)
    {
        switch (frame.Type)
        {
            case MessageType.Started:
                _pid = StartedMessage.Decode(frame.Payload).Pid;
                _started.TrySetResult(_pid);
                return false;
            case MessageType.Stdout:
                Deliver(onOutput, frame.Payload);
                return false;
            case MessageType.Stderr:
                Deliver(onError ?? onOutput, frame.Payload);
                return false;
            case MessageType.InputAck:
                new PayloadReader(frame.Payload).End();
                _credit.Release();
                return false;
            case MessageType.Exit:
                var exit = ExitMessage.Decode(frame.Payload);
                if (_callbackError is not null) _result.TrySetException(_callbackError);
                else _result.TrySetResult(new RunResult(exit.ExitCode, exit.Signal, false, (exit.Flags & ExitFlags.OutputTruncated) != 0, _pid));
                _started.TrySetResult(_pid);
                _credit.Release();
                return true;
            case MessageType.Error:
                Fail(ErrorFrom(frame));
                return true;
            default:
                throw Unexpected(frame);
        }
    }

    private void Deliver(Action<ReadOnlyMemory<byte>> callback, byte[] chunk)
    {
        if (_callbackError is not null) return;
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

    public override void Fail(Exception error)
    {
        _started.TrySetException(error);
        _result.TrySetException(error);
        _credit.Release();
    }
}
