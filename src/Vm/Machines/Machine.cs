using System.Diagnostics;
using Layer.Vm.Agent;
using Layer.Vm.Disks;
using Layer.Vm.Domains;
using Layer.Vm.Images;
using Layer.Vm.Libvirt;

namespace Layer.Vm.Machines;

/// <summary>
/// One running guest: a transient libvirt domain on its own qcow2 overlay, reached through the agent.
/// <see cref="SnapshotAsync"/> freezes the overlay as a layer and moves the guest onto a new one;
/// <see cref="Dispose"/> destroys the domain and deletes what was not snapshotted.
/// </summary>
public sealed class Machine : IDisposable, IAsyncDisposable
{
    private readonly VmHost _host;
    private readonly LibvirtDomain _domain;
    private readonly ConsoleLog _console;
    private readonly string _socketPath;
    private readonly IReadOnlyList<VirtioFsDaemon> _daemons;
    private readonly SemaphoreSlim _snapshotLock = new(1, 1);
    private AgentClient? _agent;
    private string _overlayId;
    private int _depth;
    private int _disposed;

    internal Machine(VmHost host, LibvirtDomain domain, string name, BaseImage image, string overlayId, LayerInfo? parent,
        ConsoleLog console, string socketPath, IReadOnlyList<VirtioFsDaemon> daemons)
    {
        _daemons = daemons;
        _host = host;
        _domain = domain;
        Name = name;
        Image = image;
        _overlayId = overlayId;
        ParentLayerId = parent?.Id;
        _depth = (parent?.Depth ?? 0) + 1;
        _console = console;
        _socketPath = socketPath;
    }

    /// <summary>The libvirt domain name, <c>layer-RUN-N</c>.</summary>
    public string Name { get; }

    /// <summary>The base image at the bottom of this machine's disk chain.</summary>
    public BaseImage Image { get; }

    /// <summary>The layer the current overlay sits on (null: directly on the image's root disk).</summary>
    public string? ParentLayerId { get; private set; }

    /// <summary>Whether libvirt still runs the domain.</summary>
    public bool IsRunning
    {
        get
        {
            try
            {
                return Volatile.Read(ref _disposed) == 0 && _domain.IsActive;
            }
            catch (ObjectDisposedException)
            {
                return false;   // disposed between the check and the call
            }
        }
    }

    /// <summary>How its shared folders reach it: <see cref="VmHost.VirtioFs"/> or <see cref="VmHost.NineP"/>.</summary>
    public string ShareTransport => _daemons.Count > 0 ? VmHost.VirtioFs : VmHost.NineP;

    /// <summary>
    /// How long the guest may cache what it learnt about shared files (names, attributes) without asking
    /// the host again: a read epoch must be open this long before a step starts, or a lookup answered from
    /// the guest's cache would go unrecorded (0 for 9p, which the guest does not cache here).
    /// </summary>
    public double ShareCacheSeconds => _daemons.Count > 0 ? VirtioFsDaemon.CacheSeconds : 0;

    /// <summary>The guest shell command that mounts the shared folder <paramref name="tag"/> read-only at <paramref name="guestFolder"/>.</summary>
    public string ShareMountCommand(string tag, string guestFolder) => _daemons.Count > 0
        ? $"mount -t virtiofs -o ro {tag} {guestFolder}"
        : $"mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=none {tag} {guestFolder}";

    /// <summary>The last lines the guest wrote to its serial console.</summary>
    public IReadOnlyList<string> ConsoleTail(int lines = 20) => _console.LastLines(lines);

    /// <summary>
    /// The guest agent (run, sync, overlays, files, power-off). A call that fails because the guest died
    /// throws <see cref="AgentDisconnectedException"/>; <see cref="RunAsync"/> turns that into a
    /// <see cref="GuestFailedException"/> with the console tail.
    /// </summary>
    public AgentClient Agent => _agent ?? throw new InvalidOperationException($"{Name} has no agent connection");

    /// <summary>What the agent said when it came up.</summary>
    public AgentHello? Hello { get; private set; }

    internal async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        _agent = new AgentClient(await VmHost.ConnectAgentSocketAsync(_socketPath, cancellationToken).ConfigureAwait(false));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var hello = _agent.WaitForHelloAsync(stop.Token);
        try
        {
            // The hello may never come (the guest panicked, init failed): watch the domain meanwhile.
            while (!hello.IsCompleted)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!_domain.IsActive) throw Failed("the guest stopped while booting");
                if (clock.Elapsed > timeout) throw Failed($"the guest's agent did not say hello within {timeout.TotalSeconds:0} s");
                await Task.WhenAny(hello, Task.Delay(100, cancellationToken)).ConfigureAwait(false);
            }

            Hello = await hello.ConfigureAwait(false);
        }
        catch (AgentDisconnectedException e)
        {
            throw Failed("the guest stopped while booting", e);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(hello).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs a command through the agent, streaming output to the callbacks. Throws
    /// <see cref="GuestFailedException"/> (with the last console lines) when the guest dies meanwhile.
    /// </summary>
    public Task<RunResult> RunAsync(RunSpec spec, Action<ReadOnlyMemory<byte>>? onStdout = null,
        Action<ReadOnlyMemory<byte>>? onStderr = null, CancellationToken cancellationToken = default) =>
        CallAsync(agent => agent.RunAsync(spec, onStdout, onStderr, cancellationToken), "running a command");

    /// <summary>
    /// Any other agent call (mount an overlay, write or read a file...), with a dead guest reported as
    /// <see cref="GuestFailedException"/> carrying the console tail instead of a bare disconnect.
    /// </summary>
    public async Task<T> CallAsync<T>(Func<AgentClient, Task<T>> call, string what)
    {
        try
        {
            return await call(Agent).ConfigureAwait(false);
        }
        catch (AgentDisconnectedException e)
        {
            throw Failed($"the guest stopped while {what}", e);
        }
    }

    /// <inheritdoc cref="CallAsync{T}"/>
    public Task CallAsync(Func<AgentClient, Task> call, string what) =>
        CallAsync(async agent =>
        {
            await call(agent).ConfigureAwait(false);
            return true;
        }, what);

    /// <summary>
    /// Syncs the guest, then takes an external disk-only snapshot: the overlay written so far becomes an
    /// immutable layer (its id is returned) and the guest goes on writing to a new overlay above it.
    /// </summary>
    public async Task<string> SnapshotAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _snapshotLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Everything the guest wrote must be in the overlay before it is frozen.
            await CallAsync(agent => agent.SyncAsync(cancellationToken), "syncing its disk for a snapshot").ConfigureAwait(false);

            var layers = _host.Layers;
            var next = LayerStore.NewId();
            var nextPath = layers.PathOf(next);
            _host.Run.MarkOverlay(next);
            try
            {
                _domain.CreateDiskOnlySnapshot(DomainXml.DiskOnlySnapshot($"{Name}-{next}", nextPath));
            }
            catch (LibvirtException e)
            {
                File.Delete(nextPath);
                _host.Run.UnmarkOverlay(next);
                throw _domain.IsActive ? e : Failed("the guest stopped before its disk could be snapshotted", e);
            }

            var frozen = layers.Commit(_overlayId, ParentLayerId, Image.Id, _depth);
            _host.Run.UnmarkOverlay(_overlayId);
            ParentLayerId = frozen.Id;
            _overlayId = next;
            _depth++;
            return frozen.Id;
        }
        finally
        {
            _snapshotLock.Release();
        }
    }

    /// <summary>
    /// Forwards 127.0.0.1:<paramref name="hostPort"/> on the host to TCP port <paramref name="guestPort"/> of the
    /// guest through QEMU's user-mode network (HMP <c>hostfwd_add</c>): QEMU listens on the host and connects
    /// to the guest's address 10.0.2.15, so the guest program must listen on all its interfaces (0.0.0.0),
    /// not only on its loopback. The forward lasts as long as the machine.
    /// </summary>
    /// <exception cref="PortForwardException">QEMU refused, e.g. because the host port is taken.</exception>
    public void ForwardTcp(int hostPort, int guestPort)
    {
        var network = _domain.QemuMonitorCommand("info network");
        var netdev = System.Text.RegularExpressions.Regex.Match(network, @"([\w.-]+): index=\d+,type=user");
        if (!netdev.Success) throw new PortForwardException($"{Name} has no user-mode network to forward through (QEMU's `info network`: {network.Trim()})");
        var answer = _domain.QemuMonitorCommand($"hostfwd_add {netdev.Groups[1].Value} tcp:127.0.0.1:{hostPort}-:{guestPort}").Trim();
        if (answer.Length > 0) throw new PortForwardException($"forwarding 127.0.0.1:{hostPort} to port {guestPort} of {Name}: {answer}");
    }

    /// <summary>Stops the domain at once. The machine is unusable afterwards; Dispose still cleans up.</summary>
    public void Destroy()
    {
        try
        {
            _domain.Destroy();
        }
        catch (LibvirtException)
        {
            // Already gone, or libvirtd went away: either way nothing more to stop.
        }
        catch (ObjectDisposedException)
        {
            // Disposed meanwhile on another thread (a session's DestroyAll racing the machine's own
            // Dispose): the domain was destroyed there.
        }
    }

    internal GuestFailedException Failed(string what, Exception? inner = null) => new(Name, what, _console.LastLines(), inner);

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Destroys the domain and deletes its overlay (unless snapshotted), socket and console log.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Destroy();
        if (_agent is not null)
        {
            // The domain is gone, so the link is closed: this only stops the client's read loop.
            await _agent.DisposeAsync().ConfigureAwait(false);
        }

        _domain.Dispose();
        // After the domain: QEMU holds the daemons' sockets until it is gone.
        foreach (var daemon in _daemons) daemon.Dispose();
        _host.Layers.DeleteUncommitted(_overlayId);
        _host.Run.UnmarkOverlay(_overlayId);
        File.Delete(_socketPath);
        File.Delete(_console.Path);
        _host.Forget(this);
    }
}
