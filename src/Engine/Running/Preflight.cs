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
    /// <returns>Each problem as `file:line:col: error: ...` with the line and a caret (or a one-line message where no line applies).</returns>
    public static IReadOnlyList<string> Check(string layerfile, Func<string, string?> hostEnvironment)
    {
        string root;
        IReadOnlyList<LayerfileNode> nodes;
        try
        {
            (root, nodes, _) = Builder.Chain(layerfile);
        }
        catch (BuildException e)
        {
            return [e.Message];
        }

        var problems = new List<string>();
        var standard = new UnkeyedVariables(() => StandardVariables.FromCheckout(root, "layer-check"));
        Func<string, string?> buildEnv = name => standard.ValueOf(name) ?? hostEnvironment(name);
        var inherited = StepEnvironment.Initial with { Unkeyed = standard };
        var remotes = GitRemote.FromEnvironment(hostEnvironment);
        foreach (var node in nodes)
        {
            var path = Path.Combine(root, node.Path);
            void Add(SourceSpan span, string message) =>
                problems.Add(DiagnosticFormatter.Format(new Diagnostic(Severity.Error, span with { File = node.Path }, message, []), File.ReadAllText(path)));

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
                problems.Add(e.Message);
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
