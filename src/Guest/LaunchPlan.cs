namespace Layer.Guest;

/// <summary>
/// What a Run or Interactive request resolves to before anything is spawned:
/// the program found in the command's own PATH (null: not found, the request
/// answers as a shell would, with 127), argv, the environment (the base of
/// PATH, HOME, USER and LOGNAME for the user, the request's entries on top, none
/// of the agent's own), the working directory and, for another user, the account.
/// </summary>
internal sealed record LaunchPlan(string? Program, string[] Argv, string[] Environment, string WorkingDirectory, UserDatabase.Account? User)
{
    private const string BasePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>bash where the root disk has it (Debian), else busybox's sh.</summary>
    public static string ShellPath => File.Exists("/bin/bash") ? "/bin/bash" : "/bin/sh";

    /// <param name="argv">The argv to run; a shell command line is turned into one by the caller.</param>
    /// <param name="cwd">The working directory; "" means <paramref name="defaultCwd"/> of the account.</param>
    /// <exception cref="SyscallException">ENOENT: the working directory does not exist.</exception>
    /// <exception cref="UserNotFoundException">No such user.</exception>
    /// <exception cref="ArgumentException">An environment entry is not NAME=value.</exception>
    public static LaunchPlan Resolve(string[] argv, string[] environmentEntries, string cwd, string user, Func<UserDatabase.Account, string> defaultCwd)
    {
        var named = user.Length == 0 ? null : UserDatabase.Resolve(user);
        var account = named ?? UserDatabase.Current();

        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = BasePath,
            ["HOME"] = account.Home,
            ["USER"] = account.Name,
            ["LOGNAME"] = account.Name,
        };
        foreach (var entry in environmentEntries)
        {
            var equals = entry.IndexOf('=');
            if (equals <= 0) throw new ArgumentException($"environment entry '{entry}' is not NAME=value");
            environment[entry[..equals]] = entry[(equals + 1)..];
        }

        var directory = cwd.Length == 0 ? defaultCwd(account) : cwd;
        if (!Directory.Exists(directory))
            throw new SyscallException(Interop.Sys.ENOENT, $"working directory {directory}");

        var program = ResolveProgram(argv[0], environment["PATH"], directory);
        return new LaunchPlan(program, argv, [.. environment.Select(e => $"{e.Key}={e.Value}")], directory, named);
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
}
