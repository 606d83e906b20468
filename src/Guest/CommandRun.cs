using System.Runtime.InteropServices;
using Layer.Vm.Agent.Protocol;

namespace Layer.Guest;

/// <summary>
/// One Run request: spawns the command in its own session (so its pid is the
/// process group the timeout and Signal kill), streams stdout and stderr as
/// they arrive, then sends Exit. Runs on its own thread; a blocked write to the
/// host stalls only this command.
/// </summary>
internal sealed unsafe class CommandRun
{
    /// <summary>How long output is still read after the command exited, for what its leftovers write.</summary>
    private static readonly TimeSpan DrainAfterExit = TimeSpan.FromSeconds(2);

    private const string BasePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private readonly uint _id;
    private readonly RunRequest _request;
    private readonly LinkWriter _link;
    private readonly ChildReaper _reaper;
    private readonly string _selfPath;
    private readonly Lock _signalGate = new();
    private int _pid;
    private int _pendingSignal;
    private volatile bool _timedOut;

    public CommandRun(uint id, RunRequest request, LinkWriter link, ChildReaper reaper, string selfPath)
    {
        _id = id;
        _request = request;
        _link = link;
        _reaper = reaper;
        _selfPath = selfPath;
    }

    /// <summary>
    /// Sends a signal to the command's process group. One that arrives before
    /// the process exists (the host cancelled right away) is kept and sent as
    /// soon as it does, so a cancelled run never runs to completion.
    /// </summary>
    public void Signal(int signal)
    {
        lock (_signalGate)
        {
            if (_pid > 0) Interop.Sys.kill(-_pid, signal);
            else _pendingSignal = signal;
        }
    }

    /// <summary>Runs to the end, sending every frame; reports failures to start as Error.</summary>
    public void Execute()
    {
        Prepared prepared;
        try
        {
            prepared = Prepare();
        }
        catch (Exception e)
        {
            _link.SendError(_id, e is SyscallException s ? s.Errno : Interop.Sys.EINVAL, e.Message);
            return;
        }
        if (prepared.Program is null)
        {
            // As a shell would: the command runs, says why on stderr, exits 127.
            _link.Send(MessageType.Stderr, _id, System.Text.Encoding.UTF8.GetBytes($"layer-agent: {prepared.Argv[0]}: command not found\n"));
            _link.Send(MessageType.Exit, _id, new ExitMessage(127, 0, ExitFlags.None).Encode());
            return;
        }

        var (stdoutRead, stdoutWrite) = Pipe();
        var (stderrRead, stderrWrite) = Pipe();
        int pid;
        Task<int> status;
        try
        {
            (pid, status) = _reaper.Spawn(() => SpawnProcess(prepared, stdoutWrite, stderrWrite));
        }
        catch (SyscallException e)
        {
            Interop.Sys.close(stdoutRead);
            Interop.Sys.close(stderrRead);
            _link.Send(MessageType.Stderr, _id, System.Text.Encoding.UTF8.GetBytes($"layer-agent: {e.Message}\n"));
            _link.Send(MessageType.Exit, _id, new ExitMessage(127, 0, ExitFlags.None).Encode());
            return;
        }
        finally
        {
            Interop.Sys.close(stdoutWrite);
            Interop.Sys.close(stderrWrite);
        }
        lock (_signalGate)
        {
            _pid = pid;
            if (_pendingSignal != 0) Interop.Sys.kill(-pid, _pendingSignal);
        }
        _link.Send(MessageType.Started, _id, new StartedMessage(pid).Encode());

        using var timer = _request.TimeoutMilliseconds == 0
            ? null
            : new Timer(_ => { _timedOut = true; Interop.Sys.kill(-pid, Interop.Sys.SIGKILL); }, null, _request.TimeoutMilliseconds, Timeout.Infinite);

        var complete = Pump(stdoutRead, stderrRead, status);
        var raw = status.Result;
        timer?.Dispose();

        var flags = (_timedOut ? ExitFlags.TimedOut : ExitFlags.None) | (complete ? ExitFlags.None : ExitFlags.OutputTruncated);
        var exit = ChildReaper.Exited(raw, out var code)
            ? new ExitMessage(code, 0, flags)
            : new ExitMessage(128 + ChildReaper.TermSignal(raw), ChildReaper.TermSignal(raw), flags);
        _link.Send(MessageType.Exit, _id, exit.Encode());
    }

    /// <summary>
    /// Forwards both pipes until both reach end of file and the command exited.
    /// Processes the command left running in the background may hold the pipes
    /// open forever; once the command exited they get <see cref="DrainAfterExit"/>,
    /// then the pipes are closed. Returns false when output was cut that way.
    /// </summary>
    private bool Pump(int stdoutFd, int stderrFd, Task<int> exited)
    {
        var buffer = new byte[ProtocolLimits.OutputChunk];
        var fds = stackalloc Interop.Sys.PollFd[2];
        fds[0] = new Interop.Sys.PollFd { fd = stdoutFd, events = Interop.Sys.POLLIN };
        fds[1] = new Interop.Sys.PollFd { fd = stderrFd, events = Interop.Sys.POLLIN };
        var open = 2;
        DateTime? drainUntil = null;
        try
        {
            while (open > 0)
            {
                if (drainUntil is null && exited.IsCompleted) drainUntil = DateTime.UtcNow + DrainAfterExit;
                if (drainUntil is not null && DateTime.UtcNow >= drainUntil) return false;
                var ready = Interop.Sys.poll(fds, 2, 100);
                if (ready <= 0) continue;
                for (var i = 0; i < 2; i++)
                {
                    if (fds[i].fd < 0 || fds[i].revents == 0) continue;
                    nint got;
                    fixed (byte* p = buffer) got = Interop.Sys.read(fds[i].fd, p, buffer.Length);
                    if (got > 0)
                    {
                        _link.Send(i == 0 ? MessageType.Stdout : MessageType.Stderr, _id, buffer.AsSpan(0, (int)got));
                    }
                    else if (got == 0 || Marshal.GetLastPInvokeError() != Interop.Sys.EINTR)
                    {
                        Interop.Sys.close(fds[i].fd);
                        fds[i].fd = -1;   // poll ignores negative fds
                        open--;
                    }
                }
            }
            return true;
        }
        finally
        {
            for (var i = 0; i < 2; i++)
                if (fds[i].fd >= 0) Interop.Sys.close(fds[i].fd);
            exited.Wait();
        }
    }

    private sealed record Prepared(string? Program, string[] Argv, string[] Environment, string WorkingDirectory, UserDatabase.Account? User);

    private Prepared Prepare()
    {
        var user = _request.User.Length == 0 ? null : UserDatabase.Resolve(_request.User);
        var account = user ?? UserDatabase.Current();

        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = BasePath,
            ["HOME"] = account.Home,
            ["USER"] = account.Name,
            ["LOGNAME"] = account.Name,
        };
        foreach (var entry in _request.Environment)
        {
            var equals = entry.IndexOf('=');
            if (equals <= 0) throw new ArgumentException($"environment entry '{entry}' is not NAME=value");
            environment[entry[..equals]] = entry[(equals + 1)..];
        }

        var cwd = _request.WorkingDirectory.Length == 0 ? "/" : _request.WorkingDirectory;
        if (!Directory.Exists(cwd))
            throw new SyscallException(Interop.Sys.ENOENT, $"working directory {cwd}");

        var argv = (_request.Flags & RunFlags.Shell) != 0
            ? [File.Exists("/bin/bash") ? "/bin/bash" : "/bin/sh", "-c", _request.Arguments[0]]
            : _request.Arguments;
        var program = ResolveProgram(argv[0], environment["PATH"], cwd);
        return new Prepared(program, argv, [.. environment.Select(e => $"{e.Key}={e.Value}")], cwd, user);
    }

    /// <summary>PATH lookup with the command's own PATH (posix_spawnp would use the agent's).</summary>
    private static string? ResolveProgram(string name, string path, string cwd)
    {
        if (name.Contains('/')) return Path.Combine(cwd, name);
        foreach (var dir in path.Split(':'))
        {
            var candidate = Path.Combine(dir.Length == 0 ? "." : dir, name);
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
                return candidate;
        }
        return null;
    }

    /// <summary>
    /// posix_spawn, not fork: forking a multi-threaded managed process is unsafe.
    /// The child gets /dev/null as stdin, the pipes as stdout and stderr, a new
    /// session, default dispositions for every signal (the runtime ignores
    /// SIGPIPE, and ignored signals survive exec) and an empty signal mask. A
    /// different user goes through this binary's --exec-as, which drops
    /// privileges and then execs, since posix_spawn cannot change the user.
    /// </summary>
    private int SpawnProcess(Prepared prepared, int stdoutFd, int stderrFd)
    {
        string path;
        string[] argv;
        if (prepared.User is { } user)
        {
            path = _selfPath;
            argv = [_selfPath, "--exec-as", user.Uid.ToString(), user.Gid.ToString(), string.Join(',', user.Groups), "--", prepared.Program!, .. prepared.Argv];
        }
        else
        {
            path = prepared.Program!;
            argv = prepared.Argv;
        }

        var actions = NativeMemory.AllocZeroed(Interop.Spawn.FileActionsSize);
        var attr = NativeMemory.AllocZeroed(Interop.Spawn.AttrSize);
        var defaults = NativeMemory.AllocZeroed(Interop.Spawn.SigsetSize);
        var mask = NativeMemory.AllocZeroed(Interop.Spawn.SigsetSize);
        try
        {
            Interop.Spawn.posix_spawn_file_actions_init(actions);
            Interop.Spawn.posix_spawnattr_init(attr);
            Interop.Spawn.sigfillset(defaults);
            Interop.Spawn.sigemptyset(mask);
            CheckSpawn(Interop.Spawn.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", Interop.Sys.O_RDONLY, 0), "posix_spawn_file_actions_addopen");
            CheckSpawn(Interop.Spawn.posix_spawn_file_actions_adddup2(actions, stdoutFd, 1), "posix_spawn_file_actions_adddup2");
            CheckSpawn(Interop.Spawn.posix_spawn_file_actions_adddup2(actions, stderrFd, 2), "posix_spawn_file_actions_adddup2");
            CheckSpawn(Interop.Spawn.posix_spawn_file_actions_addchdir_np(actions, prepared.WorkingDirectory), "posix_spawn_file_actions_addchdir_np");
            CheckSpawn(Interop.Spawn.posix_spawnattr_setflags(attr, Interop.Spawn.POSIX_SPAWN_SETSID | Interop.Spawn.POSIX_SPAWN_SETSIGDEF | Interop.Spawn.POSIX_SPAWN_SETSIGMASK), "posix_spawnattr_setflags");
            CheckSpawn(Interop.Spawn.posix_spawnattr_setsigdefault(attr, defaults), "posix_spawnattr_setsigdefault");
            CheckSpawn(Interop.Spawn.posix_spawnattr_setsigmask(attr, mask), "posix_spawnattr_setsigmask");

            using var nativeArgv = new Utf8StringArray(argv);
            using var nativeEnv = new Utf8StringArray(prepared.Environment);
            int pid;
            CheckSpawn(Interop.Spawn.posix_spawn(&pid, path, actions, attr, nativeArgv.Pointer, nativeEnv.Pointer), $"cannot run {prepared.Argv[0]}");
            return pid;
        }
        finally
        {
            Interop.Spawn.posix_spawn_file_actions_destroy(actions);
            Interop.Spawn.posix_spawnattr_destroy(attr);
            NativeMemory.Free(actions);
            NativeMemory.Free(attr);
            NativeMemory.Free(defaults);
            NativeMemory.Free(mask);
        }
    }

    private static void CheckSpawn(int error, string what)
    {
        if (error != 0) throw new SyscallException(error, what);
    }

    private static (int Read, int Write) Pipe()
    {
        var fds = stackalloc int[2];
        SyscallException.Check(Interop.Sys.pipe2(fds, Interop.Sys.O_CLOEXEC), "pipe2");
        return (fds[0], fds[1]);
    }
}
