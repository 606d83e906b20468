namespace Layer.Guest;

/// <summary>
/// The process group of a request's command, for Signal and timeouts. A signal
/// that arrives before the process exists (the host cancelled right away) is
/// kept and sent as soon as it does, so a cancelled command never runs to completion.
/// </summary>
internal sealed class ProcessGroup
{
    private readonly Lock _gate = new();
    private int _pid;
    private int _pendingSignal;

    public void Signal(int signal)
    {
        lock (_gate)
        {
            if (_pid > 0) Interop.Sys.kill(-_pid, signal);
            else _pendingSignal = signal;
        }
    }

    /// <summary>The command now exists (its pid is its group); delivers a signal that came first.</summary>
    public void Started(int pid)
    {
        lock (_gate)
        {
            _pid = pid;
            if (_pendingSignal != 0) Interop.Sys.kill(-pid, _pendingSignal);
        }
    }
}
