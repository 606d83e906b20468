namespace Layer.Guest;

/// <summary>
/// The only caller of waitpid in the agent. As PID 1 (or a subreaper in tests)
/// the agent inherits every orphan its commands leave, so it must reap with
/// waitpid(-1); doing that in one place is what keeps it from stealing the exit
/// status of a command some other code waits for.
///
/// Rule: a spawn happens inside <see cref="Spawn"/>, under the same lock the
/// reaper takes before looking a pid up. A child that exits before its pid is
/// registered is reaped, then the reaper blocks on the lock until the spawner
/// registered it, so its status is never lost. Unknown pids are orphans: reaped
/// and forgotten.
/// </summary>
internal sealed class ChildReaper
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, TaskCompletionSource<int>> _waiting = new();
    private readonly AutoResetEvent _childAdded = new(false);

    public ChildReaper()
    {
        new Thread(Loop) { IsBackground = true, Name = "reaper" }.Start();
    }

    /// <summary>Runs <paramref name="spawn"/> (returns a pid, or throws) and gives a task for the raw wait status.</summary>
    public (int Pid, Task<int> Status) Spawn(Func<int> spawn)
    {
        var status = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        int pid;
        lock (_gate)
        {
            pid = spawn();
            _waiting.Add(pid, status);
        }
        _childAdded.Set();
        return (pid, status.Task);
    }

    private unsafe void Loop()
    {
        while (true)
        {
            int status;
            var pid = Interop.Sys.waitpid(-1, &status, 0);
            if (pid > 0)
            {
                lock (_gate)
                {
                    if (_waiting.Remove(pid, out var waiter)) waiter.SetResult(status);
                }
                continue;
            }
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            // No children at all: new ones only come from Spawn, which signals.
            if (errno == Interop.Sys.ECHILD) _childAdded.WaitOne();
        }
    }

    public static bool Exited(int status, out int code)
    {
        code = (status >> 8) & 0xff;
        return (status & 0x7f) == 0;
    }

    public static int TermSignal(int status) => status & 0x7f;

    /// <summary>The Exit frame for a raw wait status: a code, or 128 + signal and the signal.</summary>
    public static Layer.Vm.Agent.Protocol.ExitMessage ExitFor(int status, Layer.Vm.Agent.Protocol.ExitFlags flags) =>
        Exited(status, out var code)
            ? new(code, 0, flags)
            : new(128 + TermSignal(status), TermSignal(status), flags);
}
