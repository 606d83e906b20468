using Layer.Engine.Planning;
using Layer.Engine.Running;
using Layer.Parser;

namespace Layer.Engine.Graph;

/// <summary>
/// Plans Layerfiles (already in build order) into jobs: a child's plan continues from its parent's final
/// environment; FROM makes the parent a need and the base; WAIT makes the waited-for Layerfile (every
/// copy of it, when it SPLITs) a need; a SPLIT turns a Layerfile into the part before it and one job per
/// copy. Planning needs no VM, so every plan error shows before anything runs.
/// </summary>
internal static class BuildGraph
{
    /// <param name="plan">Plans one Layerfile on an inherited environment.</param>
    /// <param name="splitCopy">Plans copy i of a plan that stopped at SPLIT.</param>
    /// <param name="info">Told of WAIT targets that are not part of this run.</param>
    /// <param name="initial">What a Layerfile on a base image starts with.</param>
    public static IReadOnlyList<BuildJob> Plan(IReadOnlyList<LayerfileNode> ordered, IReadOnlyList<LayerfileEdge> edges, StepEnvironment initial,
        Func<LayerfileNode, StepEnvironment, Plan> plan, Func<Plan, int, Plan> splitCopy, Action<string> info)
    {
        var jobs = new List<BuildJob>();
        var byPath = new Dictionary<string, (BuildJob Main, IReadOnlyList<BuildJob> Ends)>(StringComparer.Ordinal);
        foreach (var node in ordered)
        {
            BuildJob? parent = null;
            var from = edges.FirstOrDefault(e => e.Kind == EdgeKind.From && e.From == node.Path);
            if (from is not null)
            {
                if (!byPath.TryGetValue(from.To, out var target)) throw new BuildException($"{node.Path}: FROM {from.Argument.Raw} ({from.To}) is not part of this run");
                if (target.Main.Plan.Split is { } split)
                {
                    throw new BuildException($"{node.Path}:{from.Argument.Span.Line}: FROM {from.Argument.Raw} names a Layerfile that SPLITs " +
                                             $"(line {split.Span.Line}): it has {split.Count} final states, not one; build on the part before the SPLIT " +
                                             "in a Layerfile of its own, or use WAIT to run after every copy");
                }

                parent = target.Main;
            }

            var main = new BuildJob(plan(node, parent?.Plan.Final ?? initial), node, parent);
            foreach (var wait in edges.Where(e => e.Kind == EdgeKind.Wait && e.From == node.Path))
            {
                if (byPath.TryGetValue(wait.To, out var target))
                {
                    foreach (var end in target.Ends) main.Need(end);
                }
                else
                {
                    info($"{node.Path}: WAIT {wait.Argument.Raw}: {wait.To} is not part of this run, not waiting for it (`layer run --all` builds the whole graph)");
                }
            }

            jobs.Add(main);
            var ends = new List<BuildJob> { main };
            if (main.Plan.Split is { } splitAt)
            {
                ends.Clear();
                for (var i = 0; i < splitAt.Count; i++)
                {
                    var copy = new BuildJob(splitCopy(main.Plan, i), node, main);
                    jobs.Add(copy);
                    ends.Add(copy);
                }
            }

            byPath[node.Path] = (main, ends);
        }

        return jobs;
    }
}
