namespace Layer.Vm.Host;

/// <summary>A host tool exited with an error.</summary>
public sealed class HostCommandException : Exception
{
    public HostCommandException(string commandLine, int exitCode, string stderr)
        : base($"`{commandLine}` failed (exit {exitCode}):\n{stderr}")
    {
        CommandLine = commandLine;
        ExitCode = exitCode;
        Stderr = stderr;
    }

    public string CommandLine { get; }

    public int ExitCode { get; }

    public string Stderr { get; }
}
