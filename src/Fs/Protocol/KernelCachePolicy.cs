using System.Runtime.InteropServices;
using Layer.Fs.Native;

namespace Layer.Fs.Protocol;

/// <summary>
/// Lets the kernel cache positive entries and attributes within an epoch, and guarantees that no such
/// cache survives into the next epoch. Two ways to end them before an epoch opens:
/// <list type="bullet">
/// <item><b>Invalidating</b> (the default where the kernel has FUSE_NOTIFY_INC_EPOCH, Linux 6.16+): the
/// server tells the kernel to drop them. INC_EPOCH makes every dentry looked up before it fail its next
/// revalidation (the kernel samples the epoch before sending LOOKUP, so a LOOKUP racing with the
/// notification still yields an invalid dentry); INVAL_INODE drops the attributes of every node a
/// GETATTR reply let the kernel cache (it bumps the inode's attr_version, so a GETATTR reply written
/// before it but applied after it is discarded). Attributes in LOOKUP replies are never cached in this
/// mode: a LOOKUP may create the inode after our INVAL_INODE found nothing to invalidate.</item>
/// <item><b>Expiring</b>: the timeout is short and the drain waits it out (about that long per epoch).</item>
/// </list>
/// <para>
/// Within an epoch a cached entry only hides a repeat of an access the tracker already recorded
/// (every path's first use in an epoch is a LOOKUP, because the epoch starts with every cache dead).
/// A request takes part (<see cref="TryEnter"/>) before it is served, so the epoch it records into and
/// the decision to hand out a timeout are consistent: <see cref="Drain"/> stops handing out timeouts,
/// waits for every request that got one to be written, then ends the caches; the tracker opens the
/// epoch; <see cref="Resume"/> hands out timeouts again. Negative entries, symlinks, directory listings
/// and file pages are never cached, whatever this says.
/// </para>
/// </summary>
internal sealed class KernelCachePolicy
{
    // The kernel rounds timeouts up to whole jiffies (HZ can be as low as 100): wait a little longer.
    private static readonly TimeSpan JiffyMargin = TimeSpan.FromMilliseconds(25);

    private readonly ulong _seconds;
    private readonly uint _nanoseconds;
    private readonly Lock _cachedGate = new();
    private HashSet<ulong> _attributesCached = new();
    private IKernelCacheNotifier? _notifier;
    private int _draining;
    private int _inFlight;

    private KernelCachePolicy(TimeSpan timeout, bool invalidating)
    {
        Timeout = timeout;
        Invalidating = invalidating;
        _seconds = (ulong)(timeout.Ticks / TimeSpan.TicksPerSecond);
        _nanoseconds = (uint)(timeout.Ticks % TimeSpan.TicksPerSecond * 100);
    }

    /// <summary>Caches expire on their own; <see cref="Drain"/> waits the timeout out.</summary>
    public static KernelCachePolicy Expire(TimeSpan timeout) => new(timeout, invalidating: false);

    /// <summary>Caches are dropped by notifications at <see cref="Drain"/>; nothing is handed out until
    /// <see cref="Attach"/> has found the kernel able to take them.</summary>
    public static KernelCachePolicy Invalidate(TimeSpan timeout) => new(timeout, invalidating: true) { _draining = 1 };

    public TimeSpan Timeout { get; }

    public bool Invalidating { get; }

    /// <summary>Whether LOOKUP replies may carry an attribute timeout (never when invalidating: see above).</summary>
    public bool CachesLookupAttributes => !Invalidating;

    /// <summary>Invalidating mode: the connection is up; probe INC_EPOCH and start handing out timeouts
    /// if the kernel accepts it (else cache nothing, as without a policy).</summary>
    public bool Attach(IKernelCacheNotifier notifier)
    {
        if (!Invalidating) return true;
        if (notifier.Notify(fuse_notify_code.FUSE_NOTIFY_INC_EPOCH, ReadOnlySpan<byte>.Empty) != 0) return false;
        _notifier = notifier;
        Resume();
        return true;
    }

    /// <summary>Called before a request that may get a timeout is served; when true, the reply may
    /// carry <see cref="Seconds"/> and the caller must call <see cref="Leave"/> once it is written.</summary>
    public bool TryEnter()
    {
        if (Volatile.Read(ref _draining) != 0) return false;
        Interlocked.Increment(ref _inFlight); // a full fence: the check below cannot move above it
        if (Volatile.Read(ref _draining) != 0)
        {
            Interlocked.Decrement(ref _inFlight);
            return false;
        }

        return true;
    }

    public ulong Seconds => _seconds;

    public uint Nanoseconds => _nanoseconds;

    public void Leave() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Invalidating mode: a GETATTR reply for this node carries an attribute timeout.</summary>
    public void AttributesCached(ulong node)
    {
        if (!Invalidating) return;
        lock (_cachedGate) _attributesCached.Add(node);
    }

    /// <summary>For tests: would a reply now get a timeout? (Enters and leaves at once.)</summary>
    internal bool TryEnterForTest()
    {
        if (!TryEnter()) return false;
        Leave();
        return true;
    }

    /// <summary>Returns once nothing the kernel caches from us can still be valid.</summary>
    public void Drain()
    {
        Interlocked.Exchange(ref _draining, 1);
        var spin = new SpinWait();
        while (Volatile.Read(ref _inFlight) != 0) spin.SpinOnce(sleep1Threshold: 10);
        if (!Invalidating)
        {
            Thread.Sleep(Timeout + JiffyMargin);
            return;
        }

        if (_notifier is not { } notifier) return; // never attached: nothing was ever handed out
        HashSet<ulong> nodes;
        lock (_cachedGate)
        {
            nodes = _attributesCached;
            _attributesCached = new();
        }

        // A failure here would leave caches alive into the epoch: better to fail the epoch loudly.
        var error = notifier.Notify(fuse_notify_code.FUSE_NOTIFY_INC_EPOCH, ReadOnlySpan<byte>.Empty);
        if (error != 0) throw new InvalidOperationException($"the kernel refused FUSE_NOTIFY_INC_EPOCH: errno {error}");
        foreach (var node in nodes)
        {
            var inval = new fuse_notify_inval_inode_out { ino = node, off = -1 };
            error = notifier.Notify(fuse_notify_code.FUSE_NOTIFY_INVAL_INODE, MemoryMarshal.AsBytes(new ReadOnlySpan<fuse_notify_inval_inode_out>(in inval)));
            // ENOENT: the kernel already forgot the inode, and its attributes with it.
            if (error != 0 && error != Errno.ENOENT) throw new InvalidOperationException($"the kernel refused FUSE_NOTIFY_INVAL_INODE for node {node}: errno {error}");
        }
    }

    /// <summary>The epoch is open: timeouts may be handed out again.</summary>
    public void Resume()
    {
        if (Invalidating && _notifier is null) return;
        Interlocked.Exchange(ref _draining, 0);
    }
}

/// <summary>Writes a notification to the FUSE device; returns 0 or the errno of the write.</summary>
internal interface IKernelCacheNotifier
{
    int Notify(fuse_notify_code code, ReadOnlySpan<byte> payload);
}
