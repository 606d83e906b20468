using Layer.Engine.Planning;
using Layer.Engine.Reporting;
using Layer.Parser;
using Layer.Vm.Images;
using Layer.Vm.Machines;

namespace Layer.Engine.Running;

/// <summary>
/// `layer run PATH`: finds the Layerfile and the chain of Layerfiles it builds on (FROM /other), plans
/// each, and runs them parent first, each on its parent's final snapshot.
/// </summary>
public static class Builder
{
    /// <exception cref="BuildException">The Layerfile cannot be run as written (message ready to print).</exception>
    public static async Task<BuildReport> RunAsync(BuildOptions options, IBuildObserver observer, CancellationToken cancellationToken = default)
    {
        var layerfile = ResolveLayerfile(options.Path);
        var root = LayerfileDiscovery.FindRepositoryRoot(layerfile);
        var chain = Chain(root, layerfile);
        var report = new BuildReport();
        using var session = new BuildSession(options, observer, root);
        var environment = StepEnvironment.Initial;
        BuildBase? start = null;
        foreach (var node in chain)
        {
            if (start is null && report.Layerfiles.Count > 0)
            {
                report.Layerfiles.Add(new LayerfileReport { Path = node.Path, Status = "failed", Error = "its parent Layerfile failed" });
                continue;
            }

            var path = Path.Combine(root, node.Path);
            Plan plan;
            try
            {
                plan = Planner.Make(node.Parse.Layerfile with { Path = path }, root, environment, name => options.Environment.TryGetValue(name, out var v) ? v : options.HostEnvironment(name));
            }
            catch (PlanException e)
            {
                throw new BuildException(Format(e.Diagnostic with { Span = e.Diagnostic.Span with { File = node.Path } }, path));
            }

            start ??= BaseImage(session, plan, node);
            var (layerfileReport, final) = await new LayerfileRunner(session).RunAsync(plan, start, cancellationToken);
            layerfileReport.FinalEnvironment = plan.Final;
            layerfileReport.MemoryMiB = plan.MemoryMiB;
            report.Layerfiles.Add(layerfileReport);
            start = final;
            environment = plan.Final;
        }

        return report;
    }

    private static BuildBase BaseImage(BuildSession session, Plan plan, LayerfileNode node)
    {
        var target = plan.From;
        var from = node.Parse.Layerfile.From!;
        if (target.Kind != FromTargetKind.BaseImage)
        {
            var hint = target.Kind == FromTargetKind.ImageName ? $"; did you mean vm/{target.Argument.Value}? Known images: {string.Join(", ", ImageStore.KnownNames)}" : "";
            throw new BuildException(Format(new Diagnostic(Severity.Error, from.Span with { File = node.Path },
                $"FROM {target.Argument.Value} cannot be built here (only vm/ images and Layerfiles of this repository){hint}", []), Path.Combine(session.RepositoryRoot, node.Path)));
        }

        var name = "vm/" + target.ImageName + (target.ImageTag is null ? "" : ":" + target.ImageTag);
        BaseImage image;
        try
        {
            image = session.Images.Ensure(name, session.Observer.Info);
        }
        catch (ImageBuildException e)
        {
            throw new BuildException(Format(new Diagnostic(Severity.Error, target.Argument.Span with { File = node.Path }, e.Message, []), Path.Combine(session.RepositoryRoot, node.Path)), e);
        }

        return new BuildBase(image.Id, BootSource.Image(name), name);
    }

    /// <summary>The Layerfile itself, or the one in the folder.</summary>
    internal static string ResolveLayerfile(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            var inside = Path.Combine(full, "Layerfile");
            if (File.Exists(inside)) return inside;
            throw new BuildException($"no Layerfile in {full} (layer run takes a Layerfile or a folder holding one)");
        }

        if (File.Exists(full)) return full;
        throw new BuildException($"{path} does not exist");
    }

    /// <summary>The Layerfile and its ancestors through FROM, root-most first; parse and graph errors of the chain stop here.</summary>
    private static IReadOnlyList<LayerfileNode> Chain(string root, string layerfile)
    {
        var relative = Path.GetRelativePath(root, layerfile).Replace('\\', '/');
        var chain = new List<LayerfileNode>();
        var current = Parsed(relative, layerfile);
        // Walking the repository for other Layerfiles is needed only to follow FROM to one of them.
        var graph = current.Base is { Kind: FromTargetKind.Layerfile } ? LayerfileGraph.Discover(root) : LayerfileGraph.Link(root, [current]);
        current = graph.Find(relative) ?? current;
        while (true)
        {
            if (chain.Any(n => n.Path == current.Path)) throw new BuildException($"{current.Path}: FROM forms a cycle ({string.Join(" -> ", chain.Select(n => n.Path))} -> {current.Path})");
            chain.Add(current);
            var errors = current.Parse.Errors.Concat(graph.Diagnostics.Where(d => d.Severity == Severity.Error && SameFile(d.Span.File, current.Path, root))).ToList();
            if (errors.Count > 0)
            {
                var source = File.ReadAllText(Path.Combine(root, current.Path));
                throw new BuildException(string.Join("\n", errors.Select(e => Format(e, null, source))));
            }

            if (current.Base is not { Kind: FromTargetKind.Layerfile }) break;
            var edge = graph.Edges.FirstOrDefault(e => e.Kind == EdgeKind.From && e.From == current.Path)
                       ?? throw new BuildException($"{current.Path}: the Layerfile named by FROM {current.Base.Argument.Value} was not found");
            current = graph.Find(edge.To) ?? throw new BuildException($"{edge.To} is not a Layerfile of {root}");
        }

        chain.Reverse();
        return chain;
    }

    /// <summary>A Layerfile that discovery skips (ignored by .gitignore, or named differently) still runs when named.</summary>
    private static LayerfileNode Parsed(string relative, string path) => new(relative, LayerfileParser.Parse(File.ReadAllText(path), relative));

    private static bool SameFile(string file, string relative, string root) =>
        file == relative || Path.GetFullPath(file, root) == Path.GetFullPath(relative, root);

    private static string Format(Diagnostic diagnostic, string? path, string? source = null)
    {
        source ??= path is not null && File.Exists(path) ? File.ReadAllText(path) : null;
        return DiagnosticFormatter.Format(diagnostic, source);
    }
}
