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

        // One process for all of it (every `layer run` pays for it, cached or not): a shell running three
        // git queries, each answer ended by a NUL. %(describe) is `git describe`, empty when no tag reaches
        // the commit (then --always would give the short hash).
        var answers = Git(repositoryRoot,
            "git log -1 --no-show-signature '--format=%H%n%h%n%(describe)%n%s'; printf '\\0'; " +
            "git rev-parse --abbrev-ref HEAD; printf '\\0'; " +
            "git config --get remote.origin.url; printf '\\0'")?.Split('\0');
        if (answers is not { Length: 4 } || answers[0].Split('\n') is not { Length: >= 4 } head || head[0].Length == 0) return variables;
        variables["GIT_COMMIT"] = head[0];
        variables["GIT_SHORT_COMMIT"] = head[1];
        variables["GIT_TAG"] = head[2].Length > 0 ? head[2] : head[1];
        variables["GIT_COMMIT_TITLE"] = head[3];
        // A detached HEAD has no branch name; CI checkouts often are detached, so say so plainly.
        var branch = answers[1].Trim();
        variables["GIT_BRANCH"] = branch is "" or "HEAD" ? "" : branch;
        variables["LAYERCI_BRANCH"] = variables["GIT_BRANCH"];
        if (OwnerAndName(answers[2].Trim()) is var (owner, name))
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
    /// What a shell script of git queries printed, or null when it could not run. Only stdout is read (the
    /// script sends its errors to /dev/null): no second pipe to drain, no reader threads to wait on.
    /// </summary>
    private static string? Git(string folder, string script)
    {
        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, WorkingDirectory = folder };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec 2>/dev/null; git() { command git -c safe.directory='*' \"$@\"; }; " + script);
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
