using Layer.Vm.Agent.Protocol;

namespace Layer.Guest;

/// <summary>
/// One Interactive request: a program whose stdin the host feeds while it runs.
/// With a terminal, the program's session gets a new pseudo-terminal as its
/// controlling terminal on descriptors 0, 1 and 2, and everything it prints
/// comes back as Stdout; without one, three pipes. Input and resizes arrive on
/// the link's read thread and are handed over without blocking it; output is
/// pumped on this request's own thread, then Exit is sent.
/// </summary>
internal sealed class InteractiveRun(uint id, InteractiveRequest request, LinkWriter link, ChildReaper reaper, string selfPath) : IProcessRequest
{
    private readonly ProcessGroup _group = new();
    private readonly Lock _gate = new();
    private readonly List<(byte[] Data, bool Close)> _early = [];
    private InputWriter? _input;
    private int _control = -1;   // a terminal master kept for resizes; -1 once the session is over
    private bool _ended;

    private bool Terminal => (request.Flags & InteractiveFlags.Terminal) != 0;

    public void Signal(int signal) => _group.Signal(signal);

    /// <summary>Input from the host; before the program exists it waits here, after it ended it is dropped (still acknowledged).</summary>
    public void Write(byte[] data)
    {
        lock (_gate)
        {
            if (_input is null && !_ended)
            {
                _early.Add((data, false));
                return;
            }
        }
        if (_input is { } input) input.Write(data);
        else link.Send(MessageType.InputAck, id, []);
    }

    public void CloseInput()
    {
        lock (_gate)
        {
            if (_input is null && !_ended)
            {
                _early.Add(([], true));
                return;
            }
        }
        _input?.Close();
    }

    public void Resize(ResizeRequest size)
    {
        lock (_gate)
        {
            // Under the lock: the descriptor is closed under it too, so its number is never reused under us.
            if (_control >= 0)
            {
                try { PseudoTerminal.SetSize(_control, size.Rows, size.Columns); }
                catch (SyscallException e) { AgentServer.Log($"session {id}: {e.Message}"); }
            }
        }
    }

    public void Execute()
    {
        try
        {
            Run();
        }
        finally
        {
            lock (_gate)
            {
                _ended = true;
                if (_control >= 0) Interop.Sys.close(_control);
                _control = -1;
                foreach (var (data, close) in _early)
                    if (!close) link.Send(MessageType.InputAck, id, []);
                _early.Clear();
            }
            _input?.Stop();
        }
    }

    private void Run()
    {
        LaunchPlan plan;
        try
        {
            plan = LaunchPlan.Resolve(Argv(), request.Environment, request.WorkingDirectory, request.User, HomeOrRoot);
        }
        catch (Exception e)
        {
            link.SendError(id, e is SyscallException s ? s.Errno : Interop.Sys.EINVAL, e.Message);
            return;
        }
        var output = Terminal ? MessageType.Stdout : MessageType.Stderr;
        if (plan.Program is null)
        {
            CommandRun.NotFound(link, id, output, $"{plan.Argv[0]}: command not found");
            return;
        }

        (int Master, string Slave)? terminal = null;
        try
        {
            if (Terminal) terminal = PseudoTerminal.Open(request.Rows, request.Columns);
        }
        catch (SyscallException e)
        {
            link.SendError(id, e.Errno, e.Message);
            return;
        }

        int pid;
        Task<int> status;
        (int Fd, MessageType Type)[] outputs;
        int inputFd;
        try
        {
            (pid, status, outputs, inputFd) = terminal is { } t ? SpawnOnTerminal(plan, t.Master, t.Slave) : SpawnOnPipes(plan);
        }
        catch (SyscallException e)
        {
            CommandRun.NotFound(link, id, output, e.Message);
            return;
        }

        _group.Started(pid);
        link.Send(MessageType.Started, id, new StartedMessage(pid).Encode());
        var input = new InputWriter(inputFd, Terminal, link, id);
        lock (_gate)
        {
            _input = input;
            foreach (var (data, close) in _early)
                if (close) input.Close();
                else input.Write(data);
            _early.Clear();
        }

        var complete = OutputPump.Run(link, id, outputs, status);
        var raw = status.Result;
        input.Stop();
        link.Send(MessageType.Exit, id, ChildReaper.ExitFor(raw, complete ? ExitFlags.None : ExitFlags.OutputTruncated).Encode());
    }

    /// <summary>
    /// The slave is opened by the child only, after setsid and without O_NOCTTY,
    /// which makes it the session's controlling terminal (so Ctrl-C, job control
    /// and /dev/tty work). The agent keeps no slave descriptor: when the last
    /// process holding it is gone, reading the master ends (EIO).
    /// </summary>
    private (int Pid, Task<int> Status, (int, MessageType)[] Outputs, int Input) SpawnOnTerminal(LaunchPlan plan, int master, string slave)
    {
        int readFd = -1, writeFd = -1;
        try
        {
            // grantpt gave the terminal to the agent (root); a session of another user owns its
            // terminal, as after a login, so reopening /dev/tty works for it.
            if (plan.User is { } user) SyscallException.Check(Interop.Sys.chown(slave, user.Uid, uint.MaxValue), $"chown {slave}");
            readFd = SyscallException.Check(Interop.Sys.dup(master), "dup");
            writeFd = SyscallException.Check(Interop.Sys.dup(master), "dup");
            var (pid, status) = reaper.Spawn(() => ProcessSpawner.Spawn(plan, selfPath, actions =>
            {
                actions.Open(0, slave, Interop.Sys.O_RDWR);
                actions.Dup2(0, 1);
                actions.Dup2(0, 2);
            }));
            lock (_gate) _control = master;
            return (pid, status, [(readFd, MessageType.Stdout)], writeFd);
        }
        catch
        {
            Interop.Sys.close(master);
            if (readFd >= 0) Interop.Sys.close(readFd);
            if (writeFd >= 0) Interop.Sys.close(writeFd);
            throw;
        }
    }

    private (int Pid, Task<int> Status, (int, MessageType)[] Outputs, int Input) SpawnOnPipes(LaunchPlan plan)
    {
        var (stdinRead, stdinWrite) = ProcessSpawner.Pipe();
        var (stdoutRead, stdoutWrite) = ProcessSpawner.Pipe();
        var (stderrRead, stderrWrite) = ProcessSpawner.Pipe();
        try
        {
            var (pid, status) = reaper.Spawn(() => ProcessSpawner.Spawn(plan, selfPath, actions =>
            {
                actions.Dup2(stdinRead, 0);
                actions.Dup2(stdoutWrite, 1);
                actions.Dup2(stderrWrite, 2);
            }));
            return (pid, status, [(stdoutRead, MessageType.Stdout), (stderrRead, MessageType.Stderr)], stdinWrite);
        }
        catch
        {
            Interop.Sys.close(stdinWrite);
            Interop.Sys.close(stdoutRead);
            Interop.Sys.close(stderrRead);
            throw;
        }
        finally
        {
            Interop.Sys.close(stdinRead);
            Interop.Sys.close(stdoutWrite);
            Interop.Sys.close(stderrWrite);
        }
    }

    /// <summary>The request's argv; a command line for the shell; or, with neither, a login shell.</summary>
    private string[] Argv()
    {
        if ((request.Flags & InteractiveFlags.Shell) != 0) return [LaunchPlan.ShellPath, "-c", request.Arguments[0]];
        return request.Arguments.Length > 0 ? request.Arguments : [LaunchPlan.ShellPath, "-l"];
    }

    /// <summary>A session starts at home, as a login does; a home that does not exist on this disk gives /.</summary>
    private static string HomeOrRoot(UserDatabase.Account account) => Directory.Exists(account.Home) ? account.Home : "/";
}
