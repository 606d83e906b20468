using Layer.Vm.Agent.Protocol;

namespace Layer.Vm.Agent;

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
