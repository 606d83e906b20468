using System.Collections.Concurrent;
using Layer.Vm.Agent.Protocol;

namespace Layer.Vm.Agent;

/// <summary>
/// The host end of the guest agent link (docs/agent-protocol.md). Give it a
/// connected stream (the unix socket of the domain's virtio-serial channel);
/// it owns the stream from then on. Requests may be issued concurrently from
/// any thread; one background loop reads every frame and routes it by request
/// id. When the link breaks, every pending and later call throws
/// <see cref="AgentDisconnectedException"/>; a frame that breaks the protocol
/// gives <see cref="AgentProtocolException"/> and drops the link.
/// </summary>
public sealed class AgentClient : IAsyncDisposable
{
    private static readonly TimeSpan HelloResend = TimeSpan.FromSeconds(1);

    private readonly Stream _link;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<uint, PendingRequest> _pending = new();
    private readonly TaskCompletionSource<AgentHello> _hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _readLoop;
    private volatile AgentException? _failure;
    private int _nextId;

    public AgentClient(Stream link)
    {
        _link = link;
        _readLoop = Task.Run(ReadLoopAsync);
        // Both end faulted whenever the link ends; callers who never look at
        // them must not see that again as UnobservedTaskException.
        _ = _readLoop.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        _ = _hello.Task.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
    }

    /// <summary>Completes when the link is gone (with the reason as its exception, if any).</summary>
    public Task Completion => _readLoop;

    /// <summary>
    /// Waits until the agent said hello. The agent sends one when it starts; in
    /// case that one went unread (the host connected late), a hello request is
    /// re-sent every second. Fails if the agent speaks another protocol version.
    /// </summary>
    public async Task<AgentHello> WaitForHelloAsync(CancellationToken cancellationToken = default)
    {
        while (!_hello.Task.IsCompleted)
        {
            ThrowIfFailed();
            await SendAsync(MessageType.HelloRequest, NextId(), [], cancellationToken).ConfigureAwait(false);
            await Task.WhenAny(_hello.Task, _readLoop, Task.Delay(HelloResend, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
        var hello = await _hello.Task.ConfigureAwait(false);
        if (hello.ProtocolVersion != ProtocolLimits.Version)
            throw new AgentProtocolException($"the guest agent speaks protocol version {hello.ProtocolVersion}, this host {ProtocolLimits.Version}: rebuild the image so it carries the current agent");
        return hello;
    }

    /// <summary>
    /// Runs a command and streams its output to the callbacks as it arrives
    /// (each call gets a fresh buffer the callee may keep; callbacks run on the
    /// client's read loop, so they should be quick). Cancelling kills the
    /// command's process group, waits for it to end, then throws
    /// <see cref="OperationCanceledException"/>. If a callback throws, the
    /// command is killed and the exception rethrown.
    /// </summary>
    public async Task<RunResult> RunAsync(RunSpec spec, Action<ReadOnlyMemory<byte>>? onStdout = null, Action<ReadOnlyMemory<byte>>? onStderr = null, CancellationToken cancellationToken = default)
    {
        var request = Encode(spec);
        var state = new RunRequestState(onStdout, onStderr);
        var id = Register(state);
        state.OnCallbackError = () => _ = KillQuietlyAsync(id);
        await SendAsync(MessageType.Run, id, request.Encode(), CancellationToken.None).ConfigureAwait(false);
        RunResult result;
        using (cancellationToken.Register(() => _ = KillQuietlyAsync(id)))
            result = await state.Result.ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return result;
    }

    /// <summary>
    /// Starts a program whose stdin the caller feeds through the returned
    /// session (docs/agent-protocol.md, Interactive). Output goes to
    /// <paramref name="onOutput"/> as it arrives (a fresh buffer per call, on
    /// the client's read loop); without a terminal, stderr goes to
    /// <paramref name="onError"/> when given, else to <paramref name="onOutput"/>.
    /// Returns once the program runs (or already ended: a program that is not
    /// found completes with exit code 127). Cancelling before then kills it.
    /// </summary>
    /// <exception cref="AgentRequestException">It could not start (no such working directory or user).</exception>
    public async Task<InteractiveSession> StartInteractiveAsync(InteractiveSpec spec, Action<ReadOnlyMemory<byte>> onOutput, Action<ReadOnlyMemory<byte>>? onError = null, CancellationToken cancellationToken = default)
    {
        var request = Encode(spec);
        var state = new InteractiveRequestState(onOutput, onError);
        _ = state.Started.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        _ = state.Result.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        var id = Register(state);
        state.OnCallbackError = () => _ = KillQuietlyAsync(id);
        await SendAsync(MessageType.Interactive, id, request.Encode(), CancellationToken.None).ConfigureAwait(false);
        int pid;
        using (cancellationToken.Register(() => _ = KillQuietlyAsync(id)))
            pid = await state.Started.ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return new InteractiveSession(this, id, state, pid, spec.Terminal is not null);
    }

    /// <summary>sync(2) in the guest: everything written so far is on the virtual disk.</summary>
    public Task SyncAsync(CancellationToken cancellationToken = default) =>
        RequestAsync("sync", MessageType.Sync, [], cancellationToken);

    /// <summary>Mounts a workspace overlay and records it on the guest disk (see <see cref="OverlayMount"/>).</summary>
    public Task MountOverlayAsync(OverlayMount overlay, CancellationToken cancellationToken = default) =>
        RequestAsync("mount-overlay", MessageType.MountOverlay, new OverlayRecord(overlay.Id, overlay.Lower, overlay.Target).Encode(), cancellationToken);

    /// <summary>
    /// Mounts again every overlay recorded on the guest disk that is not mounted
    /// now (a VM booted from a snapshot has the record but no mounts), and returns them all.
    /// </summary>
    public async Task<IReadOnlyList<OverlayMount>> RemountOverlaysAsync(CancellationToken cancellationToken = default)
    {
        var reply = await RequestAsync("remount-overlays", MessageType.RemountOverlays, [], cancellationToken).ConfigureAwait(false);
        try
        {
            return OverlayRecord.DecodeList(reply).Select(r => new OverlayMount(r.Id, r.Lower, r.Target)).ToList();
        }
        catch (ProtocolException e)
        {
            throw Fail(new AgentProtocolException($"remount-overlays reply: {e.Message}"));
        }
    }

    /// <summary>Writes a whole file in the guest (replacing it), with the given permission bits; missing parent folders are created.</summary>
    public async Task WriteFileAsync(string guestPath, Stream content, UnixFileMode mode, CancellationToken cancellationToken = default)
    {
        var buffer = new byte[ProtocolLimits.FileChunk];
        ulong offset = 0;
        var first = true;
        while (true)
        {
            var got = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (got == 0 && !first) return;
            var flags = first ? WriteFileFlags.Truncate | WriteFileFlags.CreateParents : WriteFileFlags.None;
            var request = new WriteFileRequest(guestPath, (uint)mode, offset, flags, buffer[..got]);
            await RequestAsync("write-file", MessageType.WriteFile, request.Encode(), cancellationToken).ConfigureAwait(false);
            offset += (ulong)got;
            first = false;
            if (got < buffer.Length) return;
        }
    }

    public Task WriteFileAsync(string guestPath, ReadOnlyMemory<byte> content, UnixFileMode mode, CancellationToken cancellationToken = default) =>
        WriteFileAsync(guestPath, new MemoryStream(content.ToArray(), writable: false), mode, cancellationToken);

    /// <summary>Copies a guest file into <paramref name="destination"/>; returns its size.</summary>
    public async Task<long> ReadFileAsync(string guestPath, Stream destination, CancellationToken cancellationToken = default)
    {
        var state = new ReadFileRequestState(destination);
        var id = Register(state);
        await SendAsync(MessageType.ReadFile, id, new ReadFileRequest(guestPath).Encode(), cancellationToken).ConfigureAwait(false);
        return await state.Size.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<byte[]> ReadFileAsync(string guestPath, CancellationToken cancellationToken = default)
    {
        var buffer = new MemoryStream();
        await ReadFileAsync(guestPath, buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>
    /// Syncs and powers the guest off (an agent outside a VM exits). Returns once
    /// the agent acknowledged or the link closed, whichever comes first: the
    /// link going away is the expected end here, not an error.
    /// </summary>
    public async Task PowerOffAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await RequestAsync("power-off", MessageType.PowerOff, [], cancellationToken).ConfigureAwait(false);
        }
        catch (AgentDisconnectedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        Fail(new AgentDisconnectedException("the agent client was disposed"));
        _stop.Cancel();
        await _link.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _readLoop.ConfigureAwait(false);
        }
        catch (AgentException)
        {
        }
        _stop.Dispose();
    }

    private static RunRequest Encode(RunSpec spec)
    {
        if ((spec.Shell is null) == (spec.Argv is null))
            throw new ArgumentException("a RunSpec needs exactly one of Shell and Argv", nameof(spec));
        if (spec.Argv is { Count: 0 }) throw new ArgumentException("Argv is empty", nameof(spec));
        var timeout = spec.Timeout is { } t ? (uint)Math.Clamp(Math.Ceiling(t.TotalMilliseconds), 1, uint.MaxValue) : 0u;
        return new RunRequest(
            spec.Shell is null ? RunFlags.None : RunFlags.Shell,
            spec.Shell is null ? [.. spec.Argv!] : [spec.Shell],
            EnvironmentEntries(spec.Environment, nameof(spec)),
            spec.WorkingDirectory ?? "",
            spec.User ?? "",
            timeout);
    }

    private static InteractiveRequest Encode(InteractiveSpec spec)
    {
        if (spec.Shell is not null && spec.Argv is not null)
            throw new ArgumentException("an InteractiveSpec takes at most one of Shell and Argv", nameof(spec));
        if (spec.Argv is { Count: 0 }) throw new ArgumentException("Argv is empty (leave it null for a login shell)", nameof(spec));
        var flags = (spec.Terminal is null ? InteractiveFlags.None : InteractiveFlags.Terminal) | (spec.Shell is null ? InteractiveFlags.None : InteractiveFlags.Shell);
        return new InteractiveRequest(
            flags,
            spec.Shell is not null ? [spec.Shell] : [.. spec.Argv ?? []],
            EnvironmentEntries(spec.Environment, nameof(spec)),
            spec.WorkingDirectory ?? "",
            spec.User ?? "",
            spec.Terminal?.Rows ?? 0,
            spec.Terminal?.Columns ?? 0);
    }

    private static string[] EnvironmentEntries(IReadOnlyDictionary<string, string> environment, string parameter) =>
        [.. environment.Select(e => e.Key.Length == 0 || e.Key.Contains('=') ? throw new ArgumentException($"bad environment variable name '{e.Key}'", parameter) : $"{e.Key}={e.Value}")];

    /// <summary>A frame for a request already registered (session input, resize, signal).</summary>
    internal Task SendFrameAsync(MessageType type, uint id, byte[] payload) => SendAsync(type, id, payload, CancellationToken.None);

    private async Task<byte[]> RequestAsync(string operation, MessageType type, byte[] payload, CancellationToken cancellationToken)
    {
        var state = new SimpleRequest(operation);
        var id = Register(state);
        await SendAsync(type, id, payload, cancellationToken).ConfigureAwait(false);
        return await state.Reply.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task KillQuietlyAsync(uint id)
    {
        try
        {
            await SendAsync(MessageType.Signal, id, new SignalRequest(9).Encode(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (AgentException)
        {
            // The link is gone; the run fails with that already.
        }
    }

    private uint NextId()
    {
        while (true)
        {
            var id = (uint)Interlocked.Increment(ref _nextId);
            if (id != 0) return id;   // 0 is reserved for frames that belong to no request
        }
    }

    private uint Register(PendingRequest state)
    {
        ThrowIfFailed();
        var id = NextId();
        _pending[id] = state;
        // Fail() sets _failure before draining _pending: either it saw this
        // entry, or this check sees the failure. Nothing waits forever.
        if (_failure is { } failure && _pending.TryRemove(id, out _)) throw failure;
        return id;
    }

    private async Task SendAsync(MessageType type, uint id, byte[] payload, CancellationToken cancellationToken)
    {
        ThrowIfFailed();
        var frame = FrameCodec.Encode(type, id, payload);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Never cancel a write half-way: the rest of the stream would be out of step.
            await _link.WriteAsync(frame, CancellationToken.None).ConfigureAwait(false);
            await _link.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            throw Fail(new AgentDisconnectedException($"the link to the guest agent broke while sending: {e.Message}", e));
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                var frame = await FrameCodec.ReadAsync(_link, _stop.Token).ConfigureAwait(false)
                    ?? throw Fail(new AgentDisconnectedException("the guest agent closed the link"));
                Route(frame);
            }
        }
        catch (ProtocolException e)
        {
            throw Fail(new AgentProtocolException($"bad frame from the guest agent: {e.Message}"));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            throw Fail(new AgentDisconnectedException($"the link to the guest agent broke: {e.Message}", e));
        }
        catch (AgentException e)
        {
            throw Fail(e);
        }
    }

    private void Route(Frame frame)
    {
        if (frame.Type == MessageType.Hello)
        {
            var hello = HelloMessage.Decode(frame.Payload);
            _hello.TrySetResult(new AgentHello(hello.ProtocolVersion, hello.AgentVersion, hello.KernelRelease, hello.Pid));
            return;
        }
        if (frame.RequestId == 0)
        {
            var error = frame.Type == MessageType.Error ? ErrorMessage.Decode(frame.Payload).Message : $"unexpected {frame.Type} frame";
            throw new AgentProtocolException($"the guest agent rejected the link: {error}");
        }
        // Frames for an id nobody waits on are late replies to abandoned
        // requests (cancelled waits); dropping them is safe.
        if (!_pending.TryGetValue(frame.RequestId, out var state)) return;
        if (state.Handle(frame)) _pending.TryRemove(frame.RequestId, out _);
    }

    private AgentException Fail(AgentException failure)
    {
        var first = Interlocked.CompareExchange(ref _failure, failure, null) ?? failure;
        _hello.TrySetException(first);
        foreach (var id in _pending.Keys)
            if (_pending.TryRemove(id, out var state)) state.Fail(first);
        return first;
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } failure) throw failure;
    }
}
