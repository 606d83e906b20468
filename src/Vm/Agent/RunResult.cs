namespace Layer.Vm.Agent;

/// <summary>
/// How a command ended. <see cref="ExitCode"/> is 128 + signal for a command
/// killed by a signal, as shells report it; <see cref="Signal"/> is then nonzero.
/// </summary>
public sealed record RunResult(int ExitCode, int Signal, bool TimedOut, bool OutputTruncated, int Pid)
{
    public bool Succeeded => ExitCode == 0 && Signal == 0 && !TimedOut;
}
