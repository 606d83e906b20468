using System.Collections.Concurrent;
using Layer.Engine.Cache;
using Layer.Fs;
using Layer.Vm.Host;
using Layer.Vm.Images;
using Layer.Vm.Machines;

namespace Layer.Engine.Running;

/// <summary>
/// What one `layer run` holds open, each made on first use: the cache store and index, the stat hash
/// caches, libvirt (<see cref="VmHost"/>), the base images being built, the clone store, the ports being
/// served, and the workspace mirror (mounted at the first miss only). Dispose stops serving, destroys
/// this run's machines, unmounts, lets background image builds finish and saves the stat hash caches.
/// </summary>
internal sealed class BuildSession : IDisposable
{
    private readonly Lazy<VmHost> _vm;
    private MirrorMount? _mirror;
    private readonly Lock _clonesLock = new();
    private Sources.CloneStore? _clones;
    private readonly Planning.UnkeyedVariables? _standardVariables;
    private readonly Task<LiteDbCacheStore> _store;
    private readonly Task<StatHashCache> _hashes;
    private readonly ConcurrentDictionary<string, Lazy<Task<BaseImage>>> _images = new(StringComparer.Ordinal);

    /// <param name="standardVariables">The build's standard variables (read from git when first asked), when a build has them.</param>
    /// <param name="images">Base images the build starts from, found (or built) in the background from the start (<see cref="BaseImage"/>).</param>
    public BuildSession(BuildOptions options, IBuildObserver observer, string repositoryRoot, Planning.UnkeyedVariables? standardVariables = null,
        IEnumerable<string>? images = null)
    {
        _standardVariables = standardVariables;
        Options = options;
        Observer = observer;
        RepositoryRoot = repositoryRoot;
        Cache = options.CacheDirectory is null ? CacheDirectory.Default() : new CacheDirectory(options.CacheDirectory);
        Directory.CreateDirectory(Cache.Root);
        // A killed run may have left its workspace mount behind (ENOTCONN): clear it before anything walks there.
        Fs.Mounting.StaleMounts.CleanUnder(Cache.Runs);
        // Needed from the first lookup on, and a few ms each: they overlap planning, on the other core. The
        // base image's id goes first (the first key needs it), then the index and the stat hash cache (a
        // megabyte for 10,000 files).
        _hostHashes = new Lazy<HostFileHashes>(() => HostFileHashes.Load(Path.Combine(Cache.Root, "stathash")));
        Images = new ImageStore(Cache, path => _hostHashes.Value.Hash(path));
        foreach (var image in images ?? []) PrefetchImage(image);
        _store = Task.Run(() => LiteDbCacheStore.OpenIn(Cache));
        _hashes = Task.Run(() => StatHashCache.Load(Path.Combine(Cache.Root, "stathash"), repositoryRoot));
        _vm = new Lazy<VmHost>(() => VmHost.Open(options.LibvirtUri, Cache, observer.Info));
    }

    public BuildOptions Options { get; }

    public IBuildObserver Observer { get; }

    public string RepositoryRoot { get; }

    public CacheDirectory Cache { get; }

    public ICacheStore Store => _store.GetAwaiter().GetResult();

    /// <summary>One run of a step per key at a time, across this cache's builds.</summary>
    public StepClaims Claims => _claims ??= StepClaims.In(Cache);

    private StepClaims? _claims;

    public StatHashCache Hashes => _hashes.GetAwaiter().GetResult();

    public ImageStore Images { get; }

    /// <summary>
    /// Starts finding (or building) the base image <paramref name="name"/> in the background: its id hashes
    /// the host files it is made from, which can overlap waiting on git. <see cref="BaseImage"/> takes the result.
    /// </summary>
    public void PrefetchImage(string name) => _ = ImageTask(name);

    /// <summary>The base image <paramref name="name"/>, built first if needed (<see cref="ImageStore.Ensure"/>), once per session.</summary>
    /// <exception cref="ImageBuildException">It cannot be built.</exception>
    public BaseImage BaseImage(string name) => ImageTask(name).GetAwaiter().GetResult();

    // Its own thread: the first lookup waits for it, so it should not wait for a pool thread behind the index and stat hashes.
    private Task<BaseImage> ImageTask(string name) =>
        _images.GetOrAdd(name, n => new Lazy<Task<BaseImage>>(() =>
            Task.Factory.StartNew(() => Images.Ensure(n, Observer.Info), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))).Value;

    private readonly Lazy<HostFileHashes> _hostHashes;

    public VmHost Vm() => _vm.Value;

    /// <summary>EXPOSE machines kept up after their Layerfiles, until the build stops serving.</summary>
    public Exposing.ServingSet Serving { get; } = new();

    /// <summary>Other repositories (CLONE, FROM github/...) fetched into the cache; CLONE prefers the checkout's branch name.</summary>
    public Sources.CloneStore Clones
    {
        get
        {
            lock (_clonesLock)
            {
                // The build's standard variables already hold GIT_BRANCH; without them (layer shell) only
                // a CLONE resolved here asks git for it.
                return _clones ??= new Sources.CloneStore(Path.Combine(Cache.Root, "clones"), () =>
                    _standardVariables is { } standard ? standard.ValueOf("GIT_BRANCH") : Planning.StandardVariables.FromCheckout(RepositoryRoot, "").GetValueOrDefault("GIT_BRANCH"),
                    Sources.GitRemote.FromEnvironment(Options.HostEnvironment));
            }
        }
    }

    /// <summary>Whether a cached entry's layer is still on disk (pruning removes layers, not always entries first).</summary>
    public bool LayerExists(string layerId) => Layer.Vm.Disks.LayerCatalog.Exists(Cache, layerId);

    /// <summary>The repository mirrored through our FUSE filesystem, mounted on first use.</summary>
    public MirrorMount Mirror()
    {
        if (_mirror is not null) return _mirror;
        var vm = Vm();
        var mountpoint = Path.Combine(Cache.Runs, "layer-" + vm.RunId, "workspace");
        Observer.Info($"mounting the workspace {RepositoryRoot} (read-tracked, shared with the guests over {vm.ShareTransport}) at {mountpoint}");
        _mirror = MountMirror(RepositoryRoot, mountpoint);
        return _mirror;
    }

    /// <summary>A read-tracked mirror of <paramref name="hostFolder"/> that only QEMU's account (and root) may enter.</summary>
    internal MirrorMount MountMirror(string hostFolder, string mountpoint) => MirrorMount.Mount(new MirrorOptions
    {
        HostRoot = hostFolder,
        Mountpoint = mountpoint,
        AllowedUid = QemuAccount.Find()?.Uid,
        Log = message => Observer.Info("fs: " + message),
    });

    public void Dispose()
    {
        Serving.Dispose();
        if (_vm.IsValueCreated) _vm.Value.DestroyAll();
        _mirror?.Dispose();
        if (_mirror is not null) TryDelete(_mirror.Mountpoint);
        if (_vm.IsValueCreated) _vm.Value.Dispose();
        // What started in the background ends with the session (an image being built is finished, as it
        // would have been in the foreground); one that failed has nothing to save or close.
        foreach (var image in _images.Values) Settled(image.Value);
        Settled(_hashes)?.Save();
        if (_hostHashes.IsValueCreated) _hostHashes.Value.Save();
        Settled(_store)?.Dispose();
    }

    private static T? Settled<T>(Task<T> task) where T : class
    {
        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (Exception)
        {
            // Whoever used the result got the exception; disposing is not the place to throw it again.
            return null;
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder);
        }
        catch (IOException)
        {
            // Still busy or already gone: the next run's reaper takes care of it.
        }
    }
}
