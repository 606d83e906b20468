using Layer.Engine.Planning;
using Layer.Engine.Sources;
using Layer.Parser;

namespace Layer.Engine.Running;

/// <summary>
/// What `layer run` would refuse before booting anything, found without booting, fetching or building, so
/// that `layer check` says it too: parse and graph errors along the FROM chain, plan errors (a COPY from
/// outside the repository, a CACHE of a system folder, ...), a FROM no image or Layerfile answers, a CLONE
/// this host does not allow, more MEMORY than the host has. A FROM github/... base is not fetched: its own
/// Layerfile is checked when it is built.
/// </summary>
public static class Preflight
{
    /// <param name="display">How to name <paramref name="layerfile"/> itself in messages (as the user wrote it); the Layerfiles it builds on are named from the repository root.</param>
    /// <returns>Each problem as `file:line:col: error: ...` with the line and a caret (or a one-line message where no line applies).</returns>
    public static IReadOnlyList<string> Check(string layerfile, Func<string, string?> hostEnvironment, string? display = null)
    {
        string root;
        IReadOnlyList<LayerfileNode> nodes;
        try
        {
            (root, nodes, _) = Builder.Chain(layerfile);
        }
        catch (BuildException e)
        {
            // Chain names the Layerfile from the repository root; say it as the user wrote it when that is where it starts.
            var relative = Path.GetRelativePath(LayerfileDiscovery.FindRepositoryRoot(Path.GetFullPath(layerfile)), Path.GetFullPath(layerfile)).Replace('\\', '/');
            return [display is not null && e.Message.StartsWith(relative + ":", StringComparison.Ordinal) ? display + e.Message[relative.Length..] : e.Message];
        }

        var problems = new List<string>();
        var standard = new UnkeyedVariables(() => StandardVariables.FromCheckout(root, "layer-check"));
        Func<string, string?> buildEnv = name => standard.ValueOf(name) ?? hostEnvironment(name);
        var inherited = StepEnvironment.Initial with { Unkeyed = standard };
        var remotes = GitRemote.FromEnvironment(hostEnvironment);
        foreach (var node in nodes)
        {
            var name = display is not null && node == nodes[^1] ? display : node.Path;
            void Add(SourceSpan span, string message) =>
                problems.Add(Builder.Format(new Diagnostic(Severity.Error, span with { File = name }, message, []), node.Parse.Source));

            if (node.Base is { } from && Builder.BaseProblem(from) is { } baseProblem) Add(from.Argument.Span, baseProblem);
            if (node.Base is { Kind: FromTargetKind.GitHub } github)
            {
                try
                {
                    GitHubSource.From(github, hostEnvironment(GitHubSource.BaseUrlVariable));
                }
                catch (ArgumentException e)
                {
                    Add(github.Argument.Span, e.Message);
                }

                // What it leaves for this Layerfile is known only once it is fetched and planned.
                inherited = StepEnvironment.Initial with { Unkeyed = standard };
            }

            foreach (var clone in node.Parse.Layerfile.Instructions.OfType<CloneInstruction>())
            {
                if (remotes.Refusal(clone.Repository.Value) is { } refusal) Add(clone.Repository.Span, $"CLONE {clone.Repository.Value}: {refusal}");
            }

            try
            {
                inherited = Builder.MakePlan(node, root, inherited, buildEnv).Final;
            }
            catch (BuildException e)
            {
                problems.Add(display is not null && node == nodes[^1] && e.Message.StartsWith(node.Path + ":", StringComparison.Ordinal) ? display + e.Message[node.Path.Length..] : e.Message);
                break;
            }
        }

        return problems;
    }

    /// <summary>MemTotal of /proc/meminfo in MiB, or null where it cannot be read.</summary>
    internal static long? HostMemoryMiB()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            var kib = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            return long.TryParse(kib, out var value) ? value / 1024 : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
