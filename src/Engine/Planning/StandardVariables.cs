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

        // Three git processes, not one per variable: every `layer run` pays for them, cached or not.
        // %(describe) is `git describe`; empty when no tag reaches the commit, where --always gives the short hash.
        // The closing "." keeps empty fields (no tag, an empty title) from being trimmed away.
        var head = Git(repositoryRoot, "log", "-1", "--no-show-signature", "--format=%H%n%h%n%(describe)%n%s%n.")?.Split('\n');
        if (head is not { Length: 5 }) return variables;
        var commit = head[0];
        variables["GIT_COMMIT"] = commit;
        variables["GIT_SHORT_COMMIT"] = head[1];
        variables["GIT_TAG"] = head[2].Length > 0 ? head[2] : head[1];
        variables["GIT_COMMIT_TITLE"] = head[3];
        // A detached HEAD has no branch name; CI checkouts often are detached, so say so plainly.
        var branch = Git(repositoryRoot, "rev-parse", "--abbrev-ref", "HEAD");
        variables["GIT_BRANCH"] = branch is null or "HEAD" ? "" : branch;
        variables["LAYERCI_BRANCH"] = variables["GIT_BRANCH"];
        if (Git(repositoryRoot, "config", "--get", "remote.origin.url") is { } origin && OwnerAndName(origin) is var (owner, name))
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

    /// <summary>One git query's trimmed output, or null when git is missing or the query fails (not a checkout, no commits).</summary>
    private static string? Git(string folder, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("safe.directory=*");
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill();
                return null;
            }

            return process.ExitCode == 0 ? output.Result.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
