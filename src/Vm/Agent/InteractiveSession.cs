using Layer.Vm.Agent.Protocol;

namespace Layer.Vm.Agent;

/// <summary>
/// A running interactive program in the guest (<see cref="AgentClient.StartInteractiveAsync"/>).
/// Input is sent in order; at most <see cref="ProtocolLimits.InputWindow"/> chunks
/// wait for the guest to take them, so <see cref="WriteInputAsync"/> slows down
/// to the program's pace. Input given after the program ended is dropped.
/// Disposing kills the program if it still runs.
/// </summary>
public sealed class InteractiveSession : IAsyncDisposable
{
    private readonly AgentClient _client;
    private readonly InteractiveRequestState _state;
    private readonly SemaphoreSlim _inputOrder = new(1, 1);

    internal InteractiveSession(AgentClient client, uint id, InteractiveRequestState state, int pid, bool hasTerminal)
    {
        _client = client;
        Id = id;
        _state = state;
        Pid = pid;
        HasTerminal = hasTerminal;
    }

    internal uint Id { get; }

    /// <summary>The program's pid in the guest (its process group and session); 0 if it never started (exit 127).</summary>
    public int Pid { get; }

    public bool HasTerminal { get; }

    /// <summary>Completes with how the program ended, after all its output was delivered.</summary>
    public Task<RunResult> Completion => _state.Result;

    /// <summary>Sends bytes to the program's stdin (a terminal interprets them: Ctrl-C is 0x03).</summary>
    public async Task WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        await _inputOrder.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var offset = 0; offset < data.Length; offset += ProtocolLimits.InputChunk)
            {
                if (!await _state.TakeInputCreditAsync(cancellationToken).ConfigureAwait(false)) return;
                var chunk = data.Slice(offset, Math.Min(ProtocolLimits.InputChunk, data.Length - offset));
                if (!await SendIfRunningAsync(MessageType.Input, chunk.ToArray()).ConfigureAwait(false)) return;
            }
        }
        finally
        {
            _inputOrder.Release();
        }
    }

    /// <summary>End of input: a pipe reaches end of file; a terminal gets its EOF character (Ctrl-D).</summary>
    public async Task CloseInputAsync(CancellationToken cancellationToken = default)
    {
        await _inputOrder.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await SendIfRunningAsync(MessageType.CloseInput, []).ConfigureAwait(false);
        }
        finally
        {
            _inputOrder.Release();
        }
    }

    /// <summary>Sets the terminal's size; the program's foreground process group gets SIGWINCH. No effect without a terminal.</summary>
    public Task ResizeAsync(TerminalSize size) =>
        SendIfRunningAsync(MessageType.Resize, new ResizeRequest(size.Rows, size.Columns).Encode());

    /// <summary>Sends a signal to the program's process group.</summary>
    public Task SignalAsync(int signal) =>
        SendIfRunningAsync(MessageType.Signal, new SignalRequest(signal).Encode());

    public async ValueTask DisposeAsync()
    {
        if (Completion.IsCompleted) return;
        await SignalAsync(9).ConfigureAwait(false);
        try
        {
            await Completion.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AgentException or TimeoutException)
        {
            // The link or the guest is gone; nothing is left to stop.
        }
    }

    /// <summary>False when the program already ended (the frame would be dropped by the guest anyway).</summary>
    private async Task<bool> SendIfRunningAsync(MessageType type, byte[] payload)
    {
        if (Completion.IsCompleted) return false;
        await _client.SendFrameAsync(type, Id, payload).ConfigureAwait(false);
        return true;
    }
}
