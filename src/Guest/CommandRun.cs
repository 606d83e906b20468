using Layer.Vm.Agent.Protocol;

namespace Layer.Guest;

/// <summary>
/// One Run request: spawns the command in its own session (so its pid is the
/// process group the timeout and Signal kill) with /dev/null as stdin, streams
/// stdout and stderr as they arrive, then sends Exit. Runs on its own thread; a
/// blocked write to the host stalls only this command.
/// </summary>
internal sealed class CommandRun(uint id, RunRequest request, LinkWriter link, ChildReaper reaper, string selfPath) : IProcessRequest
{
    private readonly ProcessGroup _group = new();
    private volatile bool _timedOut;

    public void Signal(int signal) => _group.Signal(signal);

    /// <summary>Runs to the end, sending every frame; reports failures to start as Error.</summary>
    public void Execute()
    {
        LaunchPlan plan;
        try
        {
            var argv = (request.Flags & RunFlags.Shell) != 0 ? [LaunchPlan.ShellPath, "-c", request.Arguments[0]] : request.Arguments;
            plan = LaunchPlan.Resolve(argv, request.Environment, request.WorkingDirectory, request.User, static _ => "/");
        }
        catch (Exception e)
        {
            link.SendError(id, e is SyscallException s ? s.Errno : Interop.Sys.EINVAL, e.Message);
            return;
        }
        if (plan.Program is null)
        {
            NotFound(link, id, MessageType.Stderr, $"{plan.Argv[0]}: command not found");
            return;
        }

        var (stdoutRead, stdoutWrite) = ProcessSpawner.Pipe();
        var (stderrRead, stderrWrite) = ProcessSpawner.Pipe();
        int pid;
        Task<int> status;
        try
        {
            (pid, status) = reaper.Spawn(() => ProcessSpawner.Spawn(plan, selfPath, actions =>
            {
                actions.Open(0, "/dev/null", Interop.Sys.O_RDONLY);
                actions.Dup2(stdoutWrite, 1);
                actions.Dup2(stderrWrite, 2);
            }));
        }
        catch (SyscallException e)
        {
            Interop.Sys.close(stdoutRead);
            Interop.Sys.close(stderrRead);
            NotFound(link, id, MessageType.Stderr, e.Message);
            return;
        }
        finally
        {
            Interop.Sys.close(stdoutWrite);
            Interop.Sys.close(stderrWrite);
        }
        _group.Started(pid);
        link.Send(MessageType.Started, id, new StartedMessage(pid).Encode());

        using var timer = request.TimeoutMilliseconds == 0
            ? null
            : new Timer(_ => { _timedOut = true; Interop.Sys.kill(-pid, Interop.Sys.SIGKILL); }, null, request.TimeoutMilliseconds, Timeout.Infinite);

        var complete = OutputPump.Run(link, id, [(stdoutRead, MessageType.Stdout), (stderrRead, MessageType.Stderr)], status);
        var raw = status.Result;
        timer?.Dispose();

        var flags = (_timedOut ? ExitFlags.TimedOut : ExitFlags.None) | (complete ? ExitFlags.None : ExitFlags.OutputTruncated);
        link.Send(MessageType.Exit, id, ChildReaper.ExitFor(raw, flags).Encode());
    }

    /// <summary>As a shell would when a command cannot start: it says why on its error output and exits 127.</summary>
    public static void NotFound(LinkWriter link, uint id, MessageType output, string message)
    {
        link.Send(output, id, System.Text.Encoding.UTF8.GetBytes($"layer-agent: {message}\n"));
        link.Send(MessageType.Exit, id, new ExitMessage(127, 0, ExitFlags.None).Encode());
    }
}
