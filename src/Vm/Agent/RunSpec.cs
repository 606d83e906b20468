namespace Layer.Vm.Agent;

/// <summary>
/// A command for the guest. Exactly one of <see cref="Shell"/> (a command line
/// for <c>bash -c</c>, or <c>sh -c</c> where the guest has no bash) and
/// <see cref="Argv"/> (looked up in the command's PATH) is set. The command gets
/// /dev/null as stdin, its own session and process group, and an environment of
/// PATH (standard dirs), HOME, USER and LOGNAME for its user with
/// <see cref="Environment"/> laid over it.
/// </summary>
public sealed record RunSpec
{
    public string? Shell { get; init; }
    public IReadOnlyList<string>? Argv { get; init; }
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    /// <summary>Guest path; null means <c>/</c>. Must exist: a missing one fails the run with <see cref="AgentRequestException"/>.</summary>
    public string? WorkingDirectory { get; init; }
    /// <summary>User name from the guest's /etc/passwd, or a decimal uid; null runs as the agent (root).</summary>
    public string? User { get; init; }
    /// <summary>After this the agent kills the command's process group and reports <see cref="RunResult.TimedOut"/>.</summary>
    public TimeSpan? Timeout { get; init; }

    public static RunSpec ShellCommand(string commandLine) => new() { Shell = commandLine };

    public static RunSpec Exec(params string[] argv) => new() { Argv = argv };
}
