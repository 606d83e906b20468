namespace Layer.Fs.Protocol;

/// <summary>
/// Lets the kernel cache positive entries and attributes for a short time within an epoch, and
/// guarantees that no such cache survives into the next epoch.
/// <para>
/// Within an epoch a cached entry only hides a repeat of an access the tracker already recorded
/// (every path's first use in an epoch is a LOOKUP, because the epoch starts with every cache
/// expired). Before an epoch opens, <see cref="Drain"/> stops handing out timeouts, waits for the
/// replies that already carry one to be written (the kernel starts their clock when it reads them),
/// then waits out the timeout. Negative entries, symlinks, directory listings and file pages are
/// never cached, whatever this says.
/// </para>
/// </summary>
internal sealed class KernelCachePolicy
{
    // The kernel rounds timeouts up to whole jiffies (HZ can be as low as 100): wait a little longer.
    private static readonly TimeSpan JiffyMargin = TimeSpan.FromMilliseconds(25);

    private readonly ulong _seconds;
    private readonly uint _nanoseconds;
    private int _draining;
    private int _inFlight;

    public KernelCachePolicy(TimeSpan timeout)
    {
        Timeout = timeout;
        _seconds = (ulong)(timeout.Ticks / TimeSpan.TicksPerSecond);
        _nanoseconds = (uint)(timeout.Ticks % TimeSpan.TicksPerSecond * 100);
    }

    public TimeSpan Timeout { get; }

    /// <summary>The timeout for a reply about to be built; when true the caller must call
    /// <see cref="Leave"/> once the reply has been written to the kernel.</summary>
    public bool TryEnter(out ulong seconds, out uint nanoseconds)
    {
        seconds = 0;
        nanoseconds = 0;
        if (Volatile.Read(ref _draining) != 0) return false;
        Interlocked.Increment(ref _inFlight); // a full fence: the check below cannot move above it
        if (Volatile.Read(ref _draining) != 0)
        {
            Interlocked.Decrement(ref _inFlight);
            return false;
        }

        seconds = _seconds;
        nanoseconds = _nanoseconds;
        return true;
    }

    public void Leave() => Interlocked.Decrement(ref _inFlight);

    /// <summary>For tests: would a reply now get a timeout? (Enters and leaves at once.)</summary>
    internal bool TryEnterForTest()
    {
        if (!TryEnter(out _, out _)) return false;
        Leave();
        return true;
    }

    /// <summary>Returns once nothing the kernel caches from us can still be valid.</summary>
    public void Drain()
    {
        Interlocked.Exchange(ref _draining, 1);
        var spin = new SpinWait();
        while (Volatile.Read(ref _inFlight) != 0) spin.SpinOnce(sleep1Threshold: 10);
        Thread.Sleep(Timeout + JiffyMargin);
    }

    /// <summary>The epoch is open: timeouts may be handed out again.</summary>
    public void Resume() => Interlocked.Exchange(ref _draining, 0);
}
