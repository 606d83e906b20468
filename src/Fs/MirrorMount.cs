using Layer.Fs.Host;
using Layer.Fs.Mirror;
using Layer.Fs.Mounting;
using Layer.Fs.Native;
using Layer.Fs.Protocol;
using Layer.Fs.Tracking;

namespace Layer.Fs;

/// <summary>How to mount: mount(2) needs root; fusermount3 works for ordinary users.</summary>
public enum MountMethod
{
    /// <summary>mount(2) as root, fusermount3 otherwise.</summary>
    Auto,
    Kernel,
    Fusermount,
}

public sealed class MirrorOptions
{
    /// <summary>The host folder to mirror, read-only.</summary>
    public required string HostRoot { get; init; }

    /// <summary>Where to mount it; created if missing. Keep its parent closed to other users (DESIGN.md).</summary>
    public required string Mountpoint { get; init; }

    /// <summary>The one uid besides root that may use the mirror (the QEMU user, e.g. libvirt-qemu).
    /// Mounting through fusermount3 also allows the mounting user.</summary>
    public uint? AllowedUid { get; init; }

    /// <summary>Threads serving requests.</summary>
    public int Threads { get; init; } = 4;

    public MountMethod Method { get; init; } = MountMethod.Auto;

    /// <summary>
    /// Zero (the default): the kernel may keep positive entries and attributes within an epoch, where they
    /// only hide repeats of accesses already recorded, and the mirror tells it to drop them all when
    /// <see cref="ReadTracker.BeginEpoch"/> runs (FUSE_NOTIFY_INC_EPOCH and INVAL_INODE). It caches
    /// nothing at all on kernels before Linux 6.16 (no INC_EPOCH) and when every user can reach the
    /// mountpoint: a cached attribute would answer another user's stat without the mirror's uid check,
    /// so keep a folder above the mountpoint closed to others (chmod o-x), as DESIGN.md asks.
    /// Above zero: the older scheme, kept for comparison: entries and attributes are cached that long and
    /// <see cref="ReadTracker.BeginEpoch"/> waits until every one has expired (about this long).
    /// Either way no cache hides an access across epochs; listings, symlinks, file pages and failed
    /// lookups are never cached.
    /// </summary>
    public TimeSpan KernelCacheTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>Serve every READ ourselves even where the kernel could read the host file directly
    /// (FUSE passthrough, root only): the path an ordinary user's mount takes, for tests and benchmarks.</summary>
    internal bool ServeReads { get; init; }

    /// <summary>Where the server reports trouble (a failed request, a failed unmount). Default: stderr.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>
/// A mounted read-only mirror of a host folder with its read tracker. Dispose unmounts it (so do
/// Ctrl-C, SIGTERM and process exit). A stale mount left at the mountpoint by a killed process is
/// cleaned when the next one starts.
/// </summary>
public sealed class MirrorMount : IDisposable
{
    private readonly HostRoot _root;
    private readonly PassthroughOperations _passthrough;
    private readonly FileDescriptor _device;
    private readonly FuseServer _server;
    private readonly bool _viaFusermount;
    private readonly uint? _connection;
    private readonly Action<string> _log;
    private int _disposed;

    /// <summary>How long the kernel may keep entries and attributes within an epoch when the mirror drops
    /// them itself at each epoch's start. Only a change made on the host during a step can go unseen
    /// for this long (as with bindfs's 1 s), never an access.</summary>
    private static readonly TimeSpan InvalidatedCacheTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long an epoch's start waits for RELEASEs in flight. A mount kept busy (a guest
    /// process reading on) may never go idle; then a file released late counts in the new epoch as well.</summary>
    private static readonly TimeSpan PendingReleaseWait = TimeSpan.FromMilliseconds(200);

    private MirrorMount(MirrorOptions options, HostRoot root, PassthroughOperations passthrough, TrackingOperations tracking, ReadTracker tracker,
        FileDescriptor device, FuseServer server, bool viaFusermount, Action<string> log)
    {
        HostRoot = root.Path;
        Mountpoint = Path.GetFullPath(options.Mountpoint);
        AllowedUid = options.AllowedUid;
        _root = root;
        _passthrough = passthrough;
        Tracker = tracker;
        _device = device;
        _server = server;
        _viaFusermount = viaFusermount;
        _log = log;
        _connection = FuseConnection.NumberOf(Mountpoint);
        if (_connection is { } number)
        {
            FuseConnection.SetReadahead(number, FuseServer.MaxReadSize / 1024);
            // A file the kernel reads itself counts as read in every epoch it is open in (no READ tells
            // when it is read). close(2) returns before the kernel sends its RELEASE, so a file a command
            // closed just before an epoch began would count in that epoch too: let those arrive first.
            tracker.EpochBeginning += () =>
            {
                if (tracking.HoldsBypassedHandles) FuseConnection.WaitIdle(number, PendingReleaseWait);
            };
        }
    }

    public string HostRoot { get; }

    public string Mountpoint { get; }

    public uint? AllowedUid { get; }

    /// <summary>Begin an epoch before a step, end it after to get the step's read set.</summary>
    public ReadTracker Tracker { get; }

    internal PassthroughOperations Passthrough => _passthrough;

    /// <summary>The kernel reads host files itself (FUSE passthrough) rather than asking us for each READ.</summary>
    internal bool KernelReadsHostFiles => _server.Passthrough;

    /// <summary>Unmounts every mirror this process has mounted (idempotent): for the owner of the process's signals.</summary>
    public static void UnmountAll() => Mounting.MountRegistry.DisposeAll();

    /// <summary>Requests the kernel sent so far, by kind (LOOKUP, OPEN, ...): what a read costs in round trips to the mirror.</summary>
    public IReadOnlyDictionary<string, long> RequestsServed() => _server.Served();

    /// <summary>Mounts a mirror of <see cref="MirrorOptions.HostRoot"/> at <see cref="MirrorOptions.Mountpoint"/>.</summary>
    /// <exception cref="FuseMountException">The mount failed; the message names the command and what to do.</exception>
    public static MirrorMount Mount(MirrorOptions options)
    {
        var log = options.Log ?? (message => Console.Error.WriteLine($"layer fs: {message}"));
        if (!Directory.Exists(options.HostRoot)) throw new FuseMountException($"the folder to mirror does not exist: {options.HostRoot}");
        var mountpoint = Path.GetFullPath(options.Mountpoint);
        StaleMounts.CleanIfStale(mountpoint);
        Directory.CreateDirectory(mountpoint);
        if (StaleMounts.ReadMountInfo().Any(m => m.Mountpoint == mountpoint))
        {
            throw new FuseMountException($"{mountpoint} is already a mount point; unmount it first (umount {mountpoint})");
        }

        var viaFusermount = options.Method == MountMethod.Fusermount ||
                            (options.Method == MountMethod.Auto && Interop.Libc.GetEuid() != 0);
        var root = Layer.Fs.Host.HostRoot.Open(options.HostRoot);
        var passthrough = new PassthroughOperations(root);
        var tracker = new ReadTracker();
        var tracking = new TrackingOperations(passthrough, tracker);
        var ownUid = Interop.Libc.GetEuid();
        var policy = new AccessPolicy(options.AllowedUid);
        Func<uint, bool> isAllowed = ownUid == 0 ? policy.IsAllowed : uid => uid == ownUid || policy.IsAllowed(uid);
        FileDescriptor device;
        try
        {
            // An ordinary user needs allow_other (and user_allow_other in /etc/fuse.conf) only to let
            // another uid in; `layer trace` as that user alone does not.
            var allowOther = options.AllowedUid is { } other && other != ownUid;
            device = viaFusermount ? FusermountMount.Mount(mountpoint, allowOther) : KernelMount.Mount(mountpoint);
        }
        catch
        {
            root.Dispose();
            throw;
        }

        KernelCachePolicy? cache = null;
        if (options.KernelCacheTimeout > TimeSpan.Zero)
        {
            cache = KernelCachePolicy.Expire(options.KernelCacheTimeout);
        }
        else if (MountReach.ClosedToOthers(mountpoint, out var openFolder))
        {
            cache = KernelCachePolicy.Invalidate(InvalidatedCacheTimeout);
        }
        else
        {
            log($"{openFolder} lets every user reach {mountpoint}, so the kernel may cache nothing from the mirror " +
                "(a cached entry would answer other users' stat without the mirror's uid check); " +
                $"close a folder above the mountpoint to others (chmod o-x) for faster path walks");
        }

        if (cache is not null)
        {
            tracker.EpochBeginning += cache.Drain;
            tracker.EpochBegan += cache.Resume;
        }

        // Passthrough needs CAP_SYS_ADMIN for every file the kernel is to read itself: root only.
        var server = new FuseServer(device, tracking, isAllowed, log, cache, passthrough: ownUid == 0 && !options.ServeReads);
        server.Start(Math.Max(1, options.Threads));
        var mount = new MirrorMount(options, root, passthrough, tracking, tracker, device, server, viaFusermount, log);
        MountRegistry.Add(mount);
        return mount;
    }

    /// <summary>Unmounts and stops serving. Safe to call more than once.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        MountRegistry.Remove(this);
        var error = _viaFusermount ? FusermountMount.Unmount(Mountpoint) : KernelMount.Unmount(Mountpoint);
        if (error != 0 && error != Errno.EINVAL) _log($"unmounting {Mountpoint} failed: {Io.Describe(error)}; run: umount -l {Mountpoint}");
        if (!_server.Join(TimeSpan.FromSeconds(2)))
        {
            // A process still has a file open in a lazily detached mount: end the connection.
            if (_connection is { } connection) FuseConnection.Abort(connection);
            _server.Join(TimeSpan.FromSeconds(2));
        }

        _device.Dispose();
        _passthrough.Dispose();
        _root.Dispose();
    }
}
