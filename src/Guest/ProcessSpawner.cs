using System.Runtime.InteropServices;

namespace Layer.Guest;

/// <summary>
/// posix_spawn, not fork: forking a multi-threaded managed process is unsafe.
/// Every child gets a new session (its pid is its process group, which Signal
/// and timeouts kill), default dispositions for every signal (the runtime
/// ignores SIGPIPE, and ignored signals survive exec) and an empty signal mask;
/// the caller says what its descriptors 0, 1 and 2 are. glibc applies the
/// session before the file actions, so a terminal opened by a file action
/// (without O_NOCTTY) becomes the new session's controlling terminal. A
/// different user goes through this binary's --exec-as, which drops privileges
/// and then execs, since posix_spawn cannot change the user.
/// </summary>
internal static unsafe class ProcessSpawner
{
    /// <summary>Spawns <paramref name="plan"/> (its Program must be set); returns the pid.</summary>
    public static int Spawn(LaunchPlan plan, string selfPath, Action<FileActions> stdio)
    {
        string path;
        string[] argv;
        if (plan.User is { } user)
        {
            path = selfPath;
            argv = [selfPath, "--exec-as", user.Uid.ToString(), user.Gid.ToString(), string.Join(',', user.Groups), "--", plan.Program!, .. plan.Argv];
        }
        else
        {
            path = plan.Program!;
            argv = plan.Argv;
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
            stdio(new FileActions(actions));
            Check(Interop.Spawn.posix_spawn_file_actions_addchdir_np(actions, plan.WorkingDirectory), "posix_spawn_file_actions_addchdir_np");
            Check(Interop.Spawn.posix_spawnattr_setflags(attr, Interop.Spawn.POSIX_SPAWN_SETSID | Interop.Spawn.POSIX_SPAWN_SETSIGDEF | Interop.Spawn.POSIX_SPAWN_SETSIGMASK), "posix_spawnattr_setflags");
            Check(Interop.Spawn.posix_spawnattr_setsigdefault(attr, defaults), "posix_spawnattr_setsigdefault");
            Check(Interop.Spawn.posix_spawnattr_setsigmask(attr, mask), "posix_spawnattr_setsigmask");

            using var nativeArgv = new Utf8StringArray(argv);
            using var nativeEnv = new Utf8StringArray(plan.Environment);
            int pid;
            Check(Interop.Spawn.posix_spawn(&pid, path, actions, attr, nativeArgv.Pointer, nativeEnv.Pointer), $"cannot run {plan.Argv[0]}");
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

    /// <summary>A pipe whose both ends close on exec (a file action's dup2 clears that on the copy).</summary>
    public static (int Read, int Write) Pipe()
    {
        var fds = stackalloc int[2];
        SyscallException.Check(Interop.Sys.pipe2(fds, Interop.Sys.O_CLOEXEC), "pipe2");
        return (fds[0], fds[1]);
    }

    private static void Check(int error, string what)
    {
        if (error != 0) throw new SyscallException(error, what);
    }

    /// <summary>The child's descriptor set-up, applied in order after setsid.</summary>
    public readonly struct FileActions(void* actions)
    {
        public void Open(int fd, string path, int flags) =>
            Check(Interop.Spawn.posix_spawn_file_actions_addopen(actions, fd, path, flags, 0), $"posix_spawn_file_actions_addopen {path}");

        public void Dup2(int fd, int target) =>
            Check(Interop.Spawn.posix_spawn_file_actions_adddup2(actions, fd, target), "posix_spawn_file_actions_adddup2");
    }
}
