using System.Diagnostics;

namespace Layer.Engine.Sources;

/// <summary>A git command that failed: the command line as a user can re-run it, and git's own words.</summary>
internal sealed class GitException(string command, string error) : Exception($"`{command}` failed: {error}")
{
    public string Command { get; } = command;

    /// <summary>git's stderr, trimmed (or why git could not run at all).</summary>
    public string Error { get; } = error;
}

/// <summary>
/// Runs the git command line (no library: the user's git, with the user's credentials and config). Never
/// prompts: a remote that wants a password fails at once instead of hanging a build.
/// </summary>
internal static class GitCli
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Runs git and returns its stdout; throws <see cref="GitException"/> on a non-zero exit or a timeout.</summary>
    public static string Run(string? workingDirectory, params string[] arguments) => Run(workingDirectory, null, arguments);

    /// <param name="environment">Extra variables for git (e.g. GIT_INDEX_FILE).</param>
    public static string Run(string? workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("git")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        // The cache belongs to root while the user's repositories may not: skip git's ownership check.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("safe.directory=*");
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // No transport unless the caller names the one its URL uses (GitRemote): a command that should stay
        // local cannot reach out, and a fetch cannot be redirected or rewritten to another transport.
        start.Environment["GIT_ALLOW_PROTOCOL"] = "";
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var command = "git " + string.Join(' ', arguments.Select(Quote));
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new GitException(command, $"git could not be started ({e.Message}); install git (apt-get install git)");
        }

        using (process)
        {
            process.StandardInput.Close();
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(DefaultTimeout))
            {
                process.Kill(entireProcessTree: true);
                throw new GitException(command, $"no answer within {DefaultTimeout.TotalMinutes:0} minutes");
            }

            if (process.ExitCode != 0) throw new GitException(command, error.Result.Trim() is { Length: > 0 } text ? text : $"exit code {process.ExitCode}");
            return output.Result;
        }
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@+^{}*".Contains(c)) ? argument : "'" + argument.Replace("'", "'\\''") + "'";
}
