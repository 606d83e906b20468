using System.Collections.Concurrent;
using Layer.Engine.Planning;
using Layer.Engine.Reporting;
using Layer.Engine.Sources;
using Layer.Parser;

namespace Layer.Engine.Running;

/// <summary>
/// <c>FROM github/OWNER/REPO[/path]@commit</c>: the repository is fetched with git into the clone cache
/// and checked out at that commit; its Layerfile (and the chain it builds on inside that repository) is
/// planned with the checkout as its repository root, and built before the Layerfiles that name it, once
/// per build however many name it. Pinned by commit, its read sets are checked against that checkout.
/// </summary>
internal sealed class GitHubBases(BuildSession session, Func<string, string?> buildEnv, StepEnvironment initial)
{
    private const int MaxDepth = 8;
    private readonly ConcurrentDictionary<string, Lazy<GitHubBase>> _prepared = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<BuildBase?>>> _built = new(StringComparer.Ordinal);
    private readonly List<LayerfileReport> _reports = [];

    /// <summary>The reports of the github Layerfiles built so far, in the order they finished.</summary>
    public IReadOnlyList<LayerfileReport> Reports
    {
        get
        {
            lock (_reports) return _reports.ToList();
        }
    }

    /// <summary>Every github base planned (for the clone share decision).</summary>
    public IEnumerable<GitHubBase> Prepared => _prepared.Values.Where(l => l.IsValueCreated).Select(l => l.Value);

    /// <summary>Fetches and plans the base a <c>FROM github/...</c> Layerfile names.</summary>
    /// <param name="node">A Layerfile whose FROM is a github reference.</param>
    /// <param name="layerfilePath">Its path on disk, for error messages.</param>
    /// <exception cref="BuildException">The reference is malformed, the fetch failed, or the Layerfile there cannot be planned.</exception>
    public GitHubBase Prepare(LayerfileNode node, string layerfilePath) => Prepare(node, layerfilePath, 0);

    private GitHubBase Prepare(LayerfileNode node, string layerfilePath, int depth)
    {
        var from = node.Parse.Layerfile.From!;
        var where = $"{layerfilePath}:{from.Span.Line}";
        if (depth > MaxDepth) throw new BuildException($"{where}: FROM github/... bases nest more than {MaxDepth} deep (a cycle between repositories?)");
        GitHubSource source;
        try
        {
            source = GitHubSource.From(from.Target, session.Options.HostEnvironment(GitHubSource.BaseUrlVariable));
        }
        catch (ArgumentException e)
        {
            throw new BuildException($"{where}: {e.Message}");
        }

        var lazy = _prepared.GetOrAdd(source.Url + "@" + source.Commit + ":" + source.PathInRepository,
            _ => new Lazy<GitHubBase>(() => Load(source, where, depth)));
        try
        {
            return lazy.Value;
        }
        catch (InvalidOperationException) when (!lazy.IsValueCreated)
        {
            // Lazy's answer to asking for a value while computing it: the bases lead back to this one.
            throw new BuildException($"{where}: FROM {source.Display} leads back to itself through the FROM lines of the repositories it names");
        }
    }

    private GitHubBase Load(GitHubSource source, string where, int depth)
    {
        CloneResolution resolution;
        string tree;
        try
        {
            resolution = source.Commit is { } commit ? session.Clones.Pin(source.Url, commit) : session.Clones.Resolve(new CloneSource(source.Url, null));
            tree = session.Clones.Tree(resolution);
        }
        catch (CloneException e)
        {
            throw new BuildException($"{where}: FROM {source.Display}: {e.Message}\n" +
                                     $"  (github/ references are fetched from {source.Url}; set {GitHubSource.BaseUrlVariable} to use another host or a mirror)");
        }

        if (source.Commit is null) session.Observer.Info($"{where}: FROM {source.Display} is not pinned: using {resolution} (write @commit to pin it)");
        var layerfile = Path.Join(tree, source.PathInRepository);
        if (Directory.Exists(layerfile)) layerfile = Path.Join(layerfile, "Layerfile");
        if (!File.Exists(layerfile))
        {
            throw new BuildException($"{where}: FROM {source.Display}: {resolution} has no Layerfile at " +
                                     $"'{(source.PathInRepository.Length == 0 ? "Layerfile" : source.PathInRepository)}' (name the Layerfile or its folder after the repository)");
        }

        var (_, nodes, _) = Builder.Chain(layerfile, tree);
        var below = nodes[0].Base is { Kind: FromTargetKind.GitHub } ? Prepare(nodes[0], Path.Join(tree, nodes[0].Path), depth + 1) : null;
        var inherited = below?.Final ?? initial;
        var plans = new List<(LayerfileNode, Plan)>();
        var prefix = $"github/{source.Owner}/{source.Repository}@{resolution.Short}/";
        foreach (var node in nodes)
        {
            var plan = Builder.MakePlan(node, tree, inherited, buildEnv);
            if (plan.Split is { } split)
            {
                throw new BuildException($"{prefix}{node.Path}:{split.Span.Line}: a FROM github/... base cannot SPLIT (it would have {split.Count} final states)");
            }

            plans.Add((node, plan with { Layerfile = prefix + plan.Layerfile }));
            inherited = plan.Final;
        }

        return new GitHubBase(source.Display, tree, plans, below);
    }

    /// <summary>Builds a prepared base (once per build) and returns where its Layerfiles ended; null when one failed.</summary>
    public Task<BuildBase?> BuildAsync(GitHubBase prepared, WorkspaceMirrors mirrors, CancellationToken cancellationToken) =>
        _built.GetOrAdd(prepared.Root + "\0" + prepared.Display, _ => new Lazy<Task<BuildBase?>>(() => RunAsync(prepared, mirrors, cancellationToken))).Value;

    private async Task<BuildBase?> RunAsync(GitHubBase prepared, WorkspaceMirrors mirrors, CancellationToken cancellationToken)
    {
        var start = prepared.Below is { } below
            ? await BuildAsync(below, mirrors, cancellationToken)
            : Builder.BaseImage(session, prepared.Plans[0].Plan, prepared.Plans[0].Node);
        foreach (var (_, plan) in prepared.Plans)
        {
            if (start is null) return null;
            var (report, final) = await new LayerfileRunner(session, mirrors, prepared.Root).RunAsync(plan, start, cancellationToken);
            report.FinalEnvironment = plan.Final;
            report.MemoryMiB = plan.MemoryMiB;
            lock (_reports) _reports.Add(report);
            start = final;
        }

        return start;
    }
}

/// <summary>A fetched github base: its checkout, its Layerfiles planned root-most first, and the github base below it (if any).</summary>
internal sealed record GitHubBase(string Display, string Root, IReadOnlyList<(LayerfileNode Node, Plan Plan)> Plans, GitHubBase? Below)
{
    public StepEnvironment Final => Plans[^1].Plan.Final;
}
