using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Layer.Vm.Disks;
using Layer.Vm.Domains;
using Layer.Vm.Host;
using Layer.Vm.Images;
using Layer.Vm.Libvirt;

namespace Layer.Vm.Machines;

/// <summary>
/// The entry point for running machines: one libvirt connection, the image and layer stores, and this
/// process's run folder. Opening one reaps what killed runs left behind; <see cref="Dispose"/> destroys
/// this run's machines (and <see cref="DestroyAllInProcess"/> every host's, for a signal's owner). Domains are started with AUTODESTROY, so libvirt
/// also stops them if this process dies without cleaning up.
/// </summary>
public sealed class VmHost : IDisposable
{
    private readonly LibvirtConnection _connection;
    private readonly RunDirectory _run;
    private readonly ConcurrentDictionary<string, Machine> _machines = new();
    /// <summary>The hosts this process has open, for <see cref="DestroyAllInProcess"/>.</summary>
    private static readonly ConcurrentDictionary<VmHost, byte> Live = new();
    private readonly Lazy<string> _domainType;
    private int _machineCount;
    private bool _disposed;

    private VmHost(LibvirtConnection connection, CacheDirectory cache, ImageStore images, RunDirectory run, Action<string> progress)
    {
        _connection = connection;
        Cache = cache;
        Images = images;
        Layers = new LayerStore(cache);
        _run = run;
        Progress = progress;
        _domainType = new Lazy<string>(() => KvmProbe.DomainType(_connection, Cache, () => Images.Ensure("vm/busybox", Progress), _run));
    }

    public CacheDirectory Cache { get; }

    public ImageStore Images { get; }

    internal LayerStore Layers { get; }

    internal RunDirectory Run => _run;

    internal Action<string> Progress { get; }

    /// <summary>The libvirt URI in use (qemu:///system unless --connect or LAYER_LIBVIRT_URI says otherwise).</summary>
    public string LibvirtUri => _connection.Uri;

    /// <summary>This process's run id: every domain it starts is named <c>layer-RUN-N</c>.</summary>
    public string RunId => _run.RunId;

    /// <summary>
    /// How shared folders reach the guests: "virtio-fs" where QEMU's virtiofsd is installed, else "9p"
    /// (QEMU's own 9p server: several times slower per file). LAYER_SHARE=9p picks 9p anyway (benchmarks
    /// compare the two, tests cover both).
    /// </summary>
    public string ShareTransport { get; internal set; } = VirtioFsDaemon.Available && Environment.GetEnvironmentVariable("LAYER_SHARE") != "9p" ? VirtioFs : NineP;

    public const string VirtioFs = "virtio-fs";

    public const string NineP = "9p";

    /// <summary>Connects to libvirt, reaps leftovers of dead runs and arms the signal handlers.</summary>
    /// <param name="libvirtUri">--connect; null means LAYER_LIBVIRT_URI or qemu:///system.</param>
    /// <param name="cache">null means LAYER_CACHE_DIR or the default for this user.</param>
    /// <param name="progress">Receives progress lines (image builds, flattening).</param>
    public static VmHost Open(string? libvirtUri = null, CacheDirectory? cache = null, Action<string>? progress = null)
    {
        cache ??= CacheDirectory.Default();
        return Open(libvirtUri, cache, new ImageStore(cache), progress);
    }

    internal static VmHost Open(string? libvirtUri, CacheDirectory cache, ImageStore images, Action<string>? progress)
    {
        var connection = LibvirtConnection.Open(LibvirtConnection.ResolveUri(libvirtUri));
        try
        {
            Reaper.ReapAbandonedRuns(connection, cache);
            var host = new VmHost(connection, cache, images, RunDirectory.Create(cache), progress ?? (_ => { }));
            Live.TryAdd(host, 0);
            return host;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Names of the running libvirt domains (all of them, not only this run's).</summary>
    public IReadOnlyList<string> RunningDomainNames() => _connection.ListDomainNames(activeOnly: true);

    /// <summary>
    /// Boots a machine on a fresh overlay over the image's root disk or the layer, and returns once its
    /// agent has said hello (and, for a layer booted with a workspace, has remounted the workspace
    /// overlays recorded on its disk). Throws <see cref="GuestFailedException"/> with the console tail
    /// if it does not come up.
    /// </summary>
    public async Task<Machine> BootAsync(BootSource source, MachineSpec spec, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var (image, parent) = Resolve(source);
        var backing = parent is null ? image.RootDiskPath : Layers.PathOf(parent.Id);
        var number = Interlocked.Increment(ref _machineCount);
        var name = _run.DomainPrefix + number;
        var overlay = Layers.CreateOverlay(backing);
        _run.MarkOverlay(overlay);
        var socketPath = _run.AgentSocket(number);
        var consolePath = _run.ConsoleLog(number);
        var folders = (spec.WorkspaceFolder is null ? [] : new[] { new SharedFolder(DomainXml.WorkspaceTag, spec.WorkspaceFolder) })
            .Concat(spec.ExtraShares).Select(s => s with { HostFolder = Path.GetFullPath(s.HostFolder) }).ToList();
        var daemons = new List<VirtioFsDaemon>();
        LibvirtDomain domain;
        try
        {
            var shares = new List<DomainShare>();
            foreach (var folder in folders)
            {
                if (ShareTransport != VirtioFs)
                {
                    shares.Add(new DomainShare(folder.Tag, folder.HostFolder, null));
                    continue;
                }

                var daemon = VirtioFsDaemon.Start(folder.HostFolder, _run.VirtioFsSocket(number, folder.Tag), _run.VirtioFsLog(number, folder.Tag), _run.VirtioFsPid(number, folder.Tag));
                daemons.Add(daemon);
                shares.Add(new DomainShare(folder.Tag, folder.HostFolder, daemon.SocketPath));
            }

            var xml = DomainXml.Build(new DomainSpec
            {
                Name = name,
                DomainType = _domainType.Value,
                MemoryMiB = spec.MemoryMiB,
                VCpus = spec.VCpus,
                KernelPath = image.KernelPath,
                InitrdPath = image.InitrdPath,
                KernelCommandLine = KernelCommandLine + (spec.WorkspaceFolder is null ? "" : ShareTransport == VirtioFs ? " layer.workspace=virtiofs" : " layer.workspace=9p"),
                DiskPath = Layers.PathOf(overlay),
                Shares = shares,
                CacheDiskPath = spec.CacheDiskPath is null ? null : Path.GetFullPath(spec.CacheDiskPath),
                AgentSocketPath = socketPath,
                ConsoleLogPath = consolePath,
            });
            domain = _connection.CreateTransient(xml, name);
        }
        catch
        {
            foreach (var daemon in daemons) daemon.Dispose();
            Layers.DeleteUncommitted(overlay);
            _run.UnmarkOverlay(overlay);
            throw;
        }

        var machine = new Machine(this, domain, name, image, overlay, parent, new ConsoleLog(consolePath), socketPath, daemons);
        _machines[name] = machine;
        try
        {
            await machine.WaitUntilReadyAsync(spec.BootTimeout, cancellationToken).ConfigureAwait(false);
            if (parent is not null && spec.WorkspaceFolder is not null)
            {
                // A snapshot keeps the record of the workspace overlays (and their upper dirs) on disk,
                // but not the mounts: put them back so the restored guest sees what the original saw.
                await machine.CallAsync(agent => agent.RemountOverlaysAsync(cancellationToken), "remounting workspace overlays")
                    .ConfigureAwait(false);
            }

            return machine;
        }
        catch
        {
            machine.Dispose();
            throw;
        }
    }

    /// <summary>
    /// console=ttyS0 for the log; panic=-1 turns a panic into a reboot, which ends the domain at once;
    /// no_timer_check skips the IO-APIC timer test, which a TCG guest starved of CPU can fail ("IO-APIC +
    /// timer doesn't work!", a boot panic seen once on this 2-core host under load).
    /// </summary>
    internal const string KernelCommandLine = "console=ttyS0 loglevel=4 panic=-1 no_timer_check";

    private (BaseImage Image, LayerInfo? Parent) Resolve(BootSource source)
    {
        switch (source)
        {
            case BootSource.FromImage fromImage:
                return (Images.Ensure(fromImage.Name, Progress), null);
            case BootSource.FromLayer fromLayer:
                var layer = Layers.Find(fromLayer.Id)
                            ?? throw new ArgumentException($"no layer {fromLayer.Id} in {Cache.Layers}", nameof(source));
                var image = Images.ById(layer.ImageId)
                            ?? throw new ImageBuildException($"layer {layer.Id} was taken on image {layer.ImageId}, which is no longer in {Cache.Images}");
                if (layer.Depth >= LayerStore.MaxDepth) Progress($"flattening layer {layer.Id} (chain depth {layer.Depth})");
                return (image, Layers.Bootable(layer));
            default:
                throw new ArgumentOutOfRangeException(nameof(source));
        }
    }

    internal void Forget(Machine machine) => _machines.TryRemove(machine.Name, out _);

    /// <summary>Pulls the plug on every machine of this run.</summary>
    public void DestroyAll()
    {
        foreach (var machine in _machines.Values) machine.Destroy();
    }

    /// <summary>
    /// Pulls the plug on every machine of every host this process has open (idempotent): what the owner of
    /// the process's signals calls to stop at once. No signal handler here: destroying machines under a
    /// running build races the build's own unwinding, which cancellation drives.
    /// </summary>
    public static void DestroyAllInProcess()
    {
        foreach (var host in Live.Keys) host.DestroyAll();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Live.TryRemove(this, out _);
        foreach (var machine in _machines.Values) machine.Dispose();
        _connection.Dispose();
        _run.Delete();
    }

    internal static async Task<Stream> ConnectAgentSocketAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
