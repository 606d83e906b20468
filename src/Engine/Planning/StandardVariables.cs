using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Layer.Engine.Planning;

/// <summary>
/// The variables webapp.io gives every step (GIT_BRANCH, GIT_COMMIT, GIT_SHORT_COMMIT, GIT_TAG,
/// GIT_COMMIT_TITLE, REPOSITORY_NAME, REPOSITORY_OWNER, the CI flags, RUNNER_ID), read from the local
/// checkout. Several change on every commit, so they are never part of a key: the planner keeps them
/// apart (<see cref="StepEnvironment.Unkeyed"/>) and the runner hands them to the guest at run time.
/// </summary>
public static partial class StandardVariables
{
    /// <summary>Every name <see cref="FromCheckout"/> may set: asking for any other needs no git.</summary>
    internal static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal)
    {
        "CI", "IS_CI_MACHINE", "CI_MACHINE", "IN_CI_MACHINE", "IN_CI", "LAYERCI", "RUNNER_ID", "REPOSITORY_NAME", "REPOSITORY_OWNER",
        "GIT_COMMIT", "GIT_SHORT_COMMIT", "GIT_TAG", "GIT_COMMIT_TITLE", "GIT_BRANCH", "LAYERCI_BRANCH",
    };

    /// <param name="repositoryRoot">The checkout; outside git only the CI flags, RUNNER_ID and the folder's name are set.</param>
    /// <param name="runnerId">Who runs the build (webapp.io names its runner machine).</param>
    public static IReadOnlyDictionary<string, string> FromCheckout(string repositoryRoot, string runnerId)
    {
        var variables = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["CI"] = "true",
            ["IS_CI_MACHINE"] = "true",
            ["CI_MACHINE"] = "true",
            ["IN_CI_MACHINE"] = "true",
            ["IN_CI"] = "true",
            ["LAYERCI"] = "true",
            ["RUNNER_ID"] = runnerId,
            ["REPOSITORY_NAME"] = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(repositoryRoot))),
        };

        // Four git processes at once (every `layer run` waits for them, cached or not): their answers do not
        // depend on each other. `git describe` is what %(describe) in a log format would run after the log
        // (annotated tags only, as webapp.io runs it); it fails when no tag reaches the commit, and then
        // GIT_TAG is the short hash (as --always would give).
        var answers = Git(repositoryRoot,
            ["log", "-1", "--no-show-signature", "--format=%H%n%h%n%s"],
            ["describe"],
            ["rev-parse", "--abbrev-ref", "HEAD"],
            ["config", "--get", "remote.origin.url"]);
        if (answers is not [var log, var describe, var branchAnswer, var remote] || log.Split('\n') is not { Length: >= 3 } head || head[0].Length == 0) return variables;
        variables["GIT_COMMIT"] = head[0];
        variables["GIT_SHORT_COMMIT"] = head[1];
        variables["GIT_TAG"] = describe.Trim() is { Length: > 0 } tag ? tag : head[1];
        variables["GIT_COMMIT_TITLE"] = head[2];
        // A detached HEAD has no branch name; CI checkouts often are detached, so say so plainly.
        var branch = branchAnswer.Trim();
        variables["GIT_BRANCH"] = branch is "" or "HEAD" ? "" : branch;
        variables["LAYERCI_BRANCH"] = variables["GIT_BRANCH"];
        if (OwnerAndName(remote.Trim()) is var (owner, name))
        {
            variables["REPOSITORY_OWNER"] = owner;
            variables["REPOSITORY_NAME"] = name;
        }

        return variables;
    }

    /// <summary>Owner and name from a remote URL: https://host/owner/name(.git), git@host:owner/name(.git), ssh://host/owner/name.</summary>
    internal static (string Owner, string Name)? OwnerAndName(string url)
    {
        var match = RemotePath().Match(url.Trim());
        return match.Success ? (match.Groups["owner"].Value, match.Groups["name"].Value) : null;
    }

    [GeneratedRegex(@"[:/](?<owner>[^/:]+)/(?<name>[^/]+?)(\.git)?/?$")]
    private static partial Regex RemotePath();

    /// <summary>
    /// What each git command printed on stdout ("" when it failed), all started before any is read; null
    /// when git cannot be started. Their stderr is read and dropped (git's own complaints, e.g. "not a git
    /// repository", are not the user's business here); both outputs are a few lines, far below a pipe's
    /// buffer, so reading one after the other cannot block.
    /// </summary>
    private static string[]? Git(string folder, params string[][] commands)
    {
        var processes = new List<Process>(commands.Length);
        try
        {
            foreach (var arguments in commands)
            {
                var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
                start.ArgumentList.Add("-c");
                start.ArgumentList.Add("safe.directory=*");
                foreach (var argument in arguments) start.ArgumentList.Add(argument);
                start.Environment["GIT_TERMINAL_PROMPT"] = "0";
                processes.Add(Process.Start(start)!);
            }

            return processes.Select(process =>
            {
                var output = ReadToEnd(process.StandardOutput);
                ReadToEnd(process.StandardError);
                process.WaitForExit();
                return process.ExitCode == 0 ? output : "";
            }).ToArray();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        finally
        {
            foreach (var process in processes) process.Dispose();
        }
    }

    /// <summary>
    /// Everything a child wrote to a redirected stream, read with plain read(2) on the pipe's descriptor. The
    /// pipe's own PipeStream starts .NET's socket engine on its first read (a thread that the starting thread
    /// waits for spinning on sched_yield): that was a tenth of a no-change run's CPU, more on a busy machine.
    /// </summary>
    private static string ReadToEnd(StreamReader redirected)
    {
        var pipe = (System.IO.Pipes.PipeStream)redirected.BaseStream;
        using var file = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(pipe.SafePipeHandle.DangerousGetHandle(), ownsHandle: false), FileAccess.Read, bufferSize: 0);
        using var reader = new StreamReader(file, redirected.CurrentEncoding);
        return reader.ReadToEnd();
    }
}
