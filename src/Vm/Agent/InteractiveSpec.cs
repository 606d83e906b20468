namespace Layer.Vm.Agent;

/// <summary>
/// A program for <see cref="AgentClient.StartInteractiveAsync"/>: at most one of
/// <see cref="Shell"/> (a command line for <c>bash -c</c>, <c>sh -c</c> without
/// bash) and <see cref="Argv"/>; with neither, the user's login shell (<c>bash -l</c>,
/// else <c>sh -l</c>). Its environment is built as for <see cref="RunSpec"/>.
/// </summary>
public sealed record InteractiveSpec
{
    public string? Shell { get; init; }
    public IReadOnlyList<string>? Argv { get; init; }
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    /// <summary>Guest path; null means the user's home when it exists, else <c>/</c>.</summary>
    public string? WorkingDirectory { get; init; }
    /// <summary>User name from the guest's /etc/passwd, or a decimal uid; null runs as the agent (root).</summary>
    public string? User { get; init; }
    /// <summary>
    /// Set: the program gets a pseudo-terminal of this size as its controlling
    /// terminal (stderr and stdout both arrive as output; pass TERM in
    /// <see cref="Environment"/>). Null: pipes, stderr separate.
    /// </summary>
    public TerminalSize? Terminal { get; init; }

    public static InteractiveSpec LoginShell(TerminalSize? terminal = null) => new() { Terminal = terminal };
}

/// <summary>A terminal's size in character cells.</summary>
public readonly record struct TerminalSize(ushort Rows, ushort Columns);
