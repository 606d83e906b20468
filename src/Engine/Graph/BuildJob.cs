using Layer.Engine.Planning;
using Layer.Engine.Reporting;
using Layer.Engine.Running;
using Layer.Parser;

namespace Layer.Engine.Graph;

/// <summary>
/// One Layerfile of a graph run, planned: a whole Layerfile, the part of one before its SPLIT, or one
/// copy after the SPLIT (<c>path#split=i</c>). It starts on its <see cref="Parent"/>'s final snapshot, or
/// on the base image its FROM names.
/// </summary>
internal sealed class BuildJob(Plan plan, LayerfileNode node, BuildJob? parent) : IGraphJob
{
    private readonly List<IGraphJob> _needs = parent is null ? [] : [parent];

    public string Name => Plan.Layerfile;

    public Plan Plan { get; } = plan;

    public LayerfileNode Node { get; } = node;

    public BuildJob? Parent { get; } = parent;

    public IReadOnlyList<IGraphJob> Needs => _needs;

    /// <summary>Set once the job ran (or was found unable to run).</summary>
    public LayerfileReport? Report { get; set; }

    /// <summary>Where the job ended, for the jobs that build on it; null until it succeeded.</summary>
    internal BuildBase? Final { get; set; }

    public void Need(IGraphJob job)
    {
        if (job != this && !_needs.Contains(job)) _needs.Add(job);
    }
}
