using Layer.Engine.Graph;
using Layer.Engine.Planning;
using Layer.Engine.Reporting;
using Layer.Parser;
using Layer.Vm.Images;
using Layer.Vm.Machines;

namespace Layer.Engine.Running;

/// <summary>
/// `layer run PATH` and `layer run --all DIR`: finds the Layerfiles (one and the chain it builds FROM, or
/// every one under DIR), plans each, and runs them as one graph (<see cref="GraphScheduler"/>): parents
/// first, each child on its parent's final snapshot, WAITs after what they wait for, SPLIT copies as jobs
/// of their own. A `FROM github/...` base is fetched and planned here and built by the job that needs it
/// (<see cref="GitHubBases"/>, outside the graph). Returns one report for all of them.
/// </summary>
public static class Builder
{
    /// <exception cref="BuildException">The Layerfile cannot be run as written (message ready to print).</exception>
    public static async Task<BuildReport> RunAsync(BuildOptions options, IBuildObserver observer, CancellationToken cancellationToken = default)
    {
        if (options.Jobs is < 1) throw new BuildException($"--jobs {options.Jobs}: give 1 or more");
        // --all: a Layerfile that cannot be built (parse, graph or plan errors) fails alone; those that need it
        // are not run and the others go on. A single `layer run` stops at the first error instead.
        var unbuildable = new List<LayerfileReport>();
        var (root, nodes, edges) = options.All ? Everything(options.Path, unbuildable) : Chain(options.Path);
        // Read from git only when a step needs them (see UnkeyedVariables): never in a no-change run.
        var standard = new UnkeyedVariables(() => StandardVariables.FromCheckout(root, "layer-" + System.Environment.MachineName));
        using var session = new BuildSession(options, observer, root, standard,
            nodes.Select(n => n.Base).OfType<FromTarget>().Where(b => b.Kind == FromTargetKind.BaseImage).Select(ImageName).Distinct());

        // BUILD ENV GIT_BRANCH (say) keys on the standard value on purpose: --env wins, then the checkout, then the host.
        Func<string, string?> buildEnv = name =>
            options.Environment.TryGetValue(name, out var v) ? v : standard.ValueOf(name) ?? options.HostEnvironment(name);
        var initial = StepEnvironment.Initial with { Unkeyed = standard };
        // FROM github/...: fetched and planned here, so its final environment is what the Layerfile inherits.
        var github = new GitHubBases(session, buildEnv, initial);
        IReadOnlyList<BuildJob> jobs;
        while (true)
        {
            try
            {
                jobs = BuildGraph.Plan(nodes, edges, initial, (node, inherited) =>
                    {
                        try
                        {
                            return MakePlan(node, root, node.Base is { Kind: FromTargetKind.GitHub } ? github.Prepare(node, Path.Combine(root, node.Path)).Final : inherited, buildEnv);
                        }
                        catch (BuildException e) when (options.All)
                        {
                            throw new UnbuildableLayerfile(node.Path, e.Message);
                        }
                    },
                    (prefix, index) => Planner.SplitCopy(prefix, index, root, buildEnv), observer.Info);
                break;
            }
            catch (UnbuildableLayerfile e)
            {
                // Planning needs no VM: drop it and what needs it, and plan the rest again.
                nodes = Without(nodes, edges, new Dictionary<string, string> { [e.Path] = e.Message }, unbuildable);
            }
        }

        foreach (var report in unbuildable)
        {
            observer.LayerfileStarted(report);
            observer.LayerfileFinished(report);
        }

        using var mirrors = new WorkspaceMirrors(session)
        {
            CloneShare = jobs.Select(j => j.Plan).Concat(github.Prepared.SelectMany(g => g.Plans.Select(p => p.Plan)))
                .Any(p => p.Units.Any(u => u.Steps.Any(s => s.Instruction.Kind == InstructionKind.Clone))),
        };
        var imageLock = new Lock();
        var finished = 0;
        var jobsAtOnce = options.Jobs ?? GraphScheduler.DefaultJobs();
        if (options.All && jobs.Count > 1) observer.Info($"{jobs.Count} Layerfiles to build, up to {jobsAtOnce} at a time");
        await GraphScheduler.RunAsync(jobs, jobsAtOnce, async graphJob =>
        {
            var job = (BuildJob)graphJob;
            BuildBase? start;
            if (job.Parent is null && job.Plan.From.Kind == FromTargetKind.GitHub)
            {
                var below = github.Prepare(job.Node, Path.Combine(root, job.Node.Path));
                start = await github.BuildAsync(below, mirrors, cancellationToken);
                if (start is null)
                {
                    job.Report = NotRun(job.Plan, $"its base FROM {below.Display} failed");
                    return false;
                }
            }
            else
            {
                lock (imageLock) start = job.Parent?.Final ?? BaseImage(session, job.Plan, job.Node);
            }

            var (report, final) = await new LayerfileRunner(session, mirrors).RunAsync(job.Plan, start, cancellationToken);
            await LayerfileEnd.FinishAsync(session, mirrors, job.Plan, report, final, cancellationToken);
            report.FinalEnvironment = job.Plan.Final;
            report.MemoryMiB = job.Plan.MemoryMiB;
            job.Report = report;
            job.Final = final;
            if (options.All) observer.Info($"graph: {Interlocked.Increment(ref finished)} of {jobs.Count} Layerfiles done ({job.Name} {report.Status})");
            return report.Status == "succeeded";
        }, (graphJob, blocker) =>
        {
            var job = (BuildJob)graphJob;
            var why = $"{blocker.Name} {((BuildJob)blocker).Report?.Status switch { "failed" => "failed", LayerfileStatus.Waiting => "is waiting at a BUTTON", _ => "did not run" }}";
            job.Report = NotRun(job.Plan, why);
            Interlocked.Increment(ref finished);
            observer.Info($"{job.Name}: not run ({why})");
        }, cancellationToken);

        var result = new BuildReport();
        result.Layerfiles.AddRange(unbuildable);
        result.Layerfiles.AddRange(github.Reports);
        result.Layerfiles.AddRange(jobs.Select(j => j.Report ?? NotRun(j.Plan, "the build was interrupted")));
        await ServeAsync(session, options, result, cancellationToken);
        return result;
    }

    /// <summary>
    /// Keeps what the build exposed up while <see cref="BuildOptions.WhileServing"/> runs (by default until
    /// cancelled), unless the build failed or --no-wait. Cancellation here is the normal end of serving.
    /// </summary>
    private static async Task ServeAsync(BuildSession session, BuildOptions options, BuildReport result, CancellationToken cancellationToken)
    {
        var endpoints = session.Serving.Endpoints;
        if (endpoints.Count == 0) return;
        if (!result.Succeeded || options.NoWait)
        {
            session.Observer.Info(options.NoWait ? "--no-wait: the exposed machines stop now" : "the build did not succeed: the exposed machines stop now");
            return;
        }

        session.Observer.Info($"serving {string.Join(", ", endpoints.Select(e => e.Url))} until Ctrl-C (layer run --no-wait does not wait)");
        try
        {
            await (options.WhileServing ?? ((_, token) => Task.Delay(Timeout.Infinite, token)))(endpoints, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            result.ServedUntilCancelled = true;
        }

        if (!result.ServedUntilCancelled) session.Observer.Info("stopped serving");
    }

    private static LayerfileReport NotRun(Plan plan, string why)
    {
        var report = new LayerfileReport { Path = plan.Layerfile, Status = "not-run", Error = $"{plan.Layerfile}: not run: {why}" };
        report.Steps.AddRange(plan.Units.SelectMany(u => u.Steps).Concat(plan.NotRun).Select(s => new StepReport
        {
            Line = s.Line,
            Instruction = s.Instruction.Canonical,
            Status = StepStatus.NotRun,
            Reason = why,
        }));
        return report;
    }

    internal static Plan MakePlan(LayerfileNode node, string root, StepEnvironment inherited, Func<string, string?> buildEnv)
    {
        var path = Path.Combine(root, node.Path);
        try
        {
            var plan = Planner.Make(node.Parse.Layerfile with { Path = path }, root, inherited, buildEnv);
            // Asking for more than the host has would start a guest the host kills later, or not at all.
            if (plan.MemoryMiB is { } memory && Preflight.HostMemoryMiB() is { } host && memory > host &&
                node.Parse.Layerfile.Instructions.OfType<MemoryInstruction>().FirstOrDefault() is { } line)
            {
                throw PlanException.At(line.Amount.Span, $"MEMORY asks for {memory} MiB and this host has {host} MiB in all");
            }

            return plan;
        }
        catch (PlanException e)
        {
            throw new BuildException(Format(e.Diagnostic with { Span = e.Diagnostic.Span with { File = node.Path } }, node.Parse.Source));
        }
    }

    /// <summary>Why a FROM cannot be built from (a name that is no vm/ image we make), or null.</summary>
    internal static string? BaseProblem(FromTarget target) => target.Kind switch
    {
        FromTargetKind.ImageName => $"FROM {target.Argument.Value} cannot be built here (only vm/ images, Layerfiles of this repository and github/OWNER/REPO/path@commit); " +
                                    $"did you mean vm/{target.Argument.Value}? Known images: {string.Join(", ", ImageStore.KnownNames)}",
        FromTargetKind.BaseImage when !ImageStore.KnownNames.Contains(ImageName(target)) => $"unknown base image {ImageName(target)}; known: {string.Join(", ", ImageStore.KnownNames)}",
        _ => null,
    };

    /// <summary>
    /// `--all DIR`: the Layerfiles under DIR and every Layerfile they need (FROM, WAIT), in build order.
    /// DIR defaults to the repository root, which makes it every Layerfile of the repository.
    /// </summary>
    /// <param name="unbuildable">Gets a failed report for each Layerfile with errors and a not-run one for each that needs it.</param>
    private static (string Root, IReadOnlyList<LayerfileNode> Nodes, IReadOnlyList<LayerfileEdge> Edges) Everything(string folder, List<LayerfileReport> unbuildable)
    {
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full)) throw new BuildException($"{folder} is not a folder (layer run --all takes the folder whose Layerfiles to build)");
        var root = LayerfileDiscovery.FindRepositoryRoot(full);
        var graph = LayerfileGraph.Discover(root);
        var under = Path.GetRelativePath(root, full).Replace('\\', '/');
        var wanted = new HashSet<string>(graph.Nodes.Where(n => under == "." || n.Path.StartsWith(under + "/", StringComparison.Ordinal)).Select(n => n.Path), StringComparer.Ordinal);
        if (wanted.Count == 0) throw new BuildException($"no Layerfile under {full}");
        var queue = new Queue<string>(wanted);
        while (queue.TryDequeue(out var path))
        {
            foreach (var edge in graph.Edges.Where(e => e.From == path))
            {
                if (wanted.Add(edge.To)) queue.Enqueue(edge.To);
            }
        }

        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes.Where(n => wanted.Contains(n.Path)))
        {
            var problems = node.Parse.Errors.Concat(graph.Diagnostics.Where(d => d.Severity == Severity.Error && SameFile(d.Span.File, node.Path, root))).ToList();
            if (problems.Count == 0) continue;
            errors[node.Path] = string.Join("\n", problems.Select(p => Format(p, node.Parse.Source)));
        }

        var nodes = graph.InBuildOrder().Where(n => wanted.Contains(n.Path)).ToList();
        return (root, errors.Count == 0 ? nodes : Without(nodes, graph.Edges, errors, unbuildable), graph.Edges);
    }

    /// <summary>
    /// The nodes without those that cannot be built (a failed report each, with their errors) and without
    /// every node that needs one of them through FROM or WAIT (a not-run report each).
    /// </summary>
    private static IReadOnlyList<LayerfileNode> Without(IReadOnlyList<LayerfileNode> nodes, IReadOnlyList<LayerfileEdge> edges,
        IReadOnlyDictionary<string, string> errors, List<LayerfileReport> unbuildable)
    {
        var blocker = errors.Keys.ToDictionary(p => p, p => p, StringComparer.Ordinal);
        // Nodes come in build order: whatever a node needs is decided before the node itself.
        foreach (var node in nodes)
        {
            if (blocker.ContainsKey(node.Path)) continue;
            var need = edges.FirstOrDefault(e => e.From == node.Path && blocker.ContainsKey(e.To));
            if (need is not null) blocker[node.Path] = blocker[need.To];
        }

        foreach (var node in nodes.Where(n => blocker.ContainsKey(n.Path)))
        {
            unbuildable.Add(errors.TryGetValue(node.Path, out var error)
                ? new LayerfileReport { Path = node.Path, Status = "failed", Error = error }
                : new LayerfileReport { Path = node.Path, Status = "not-run", Error = $"{node.Path}: not run: it needs {blocker[node.Path]}, which has errors" });
        }

        return nodes.Where(n => !blocker.ContainsKey(n.Path)).ToList();
    }

    /// <summary>A Layerfile of a --all run that cannot be planned; the others go on.</summary>
    private sealed class UnbuildableLayerfile(string path, string message) : Exception(message)
    {
        public string Path { get; } = path;
    }

    internal static BuildBase BaseImage(BuildSession session, Plan plan, LayerfileNode node)
    {
        var target = plan.From;
        if (BaseProblem(target) is { } problem)
        {
            throw new BuildException(Format(new Diagnostic(Severity.Error, target.Argument.Span with { File = node.Path }, problem, []), node.Parse.Source));
        }

        var name = ImageName(target);
        BaseImage image;
        try
        {
            image = session.BaseImage(name);
        }
        catch (ImageBuildException e)
        {
            throw new BuildException(Format(new Diagnostic(Severity.Error, target.Argument.Span with { File = node.Path }, e.Message, []), node.Parse.Source), e);
        }

        return new BuildBase(image.Id, BootSource.Image(name), name);
    }

    private static string ImageName(FromTarget target) => "vm/" + target.ImageName + (target.ImageTag is null ? "" : ":" + target.ImageTag);

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
    /// <param name="repositoryRoot">The repository it belongs to (a fetched checkout has no .git); null: found from the path.</param>
    internal static (string Root, IReadOnlyList<LayerfileNode> Nodes, IReadOnlyList<LayerfileEdge> Edges) Chain(string path, string? repositoryRoot = null)
    {
        var layerfile = ResolveLayerfile(path);
        var root = repositoryRoot ?? LayerfileDiscovery.FindRepositoryRoot(layerfile);
        var relative = Path.GetRelativePath(root, layerfile).Replace('\\', '/');
        var chain = new List<LayerfileNode>();
        var current = Parsed(relative, layerfile, root);
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
                throw new BuildException(string.Join("\n", errors.Select(e => Format(e, current.Parse.Source))));
            }

            if (current.Base is not { Kind: FromTargetKind.Layerfile }) break;
            var edge = graph.Edges.FirstOrDefault(e => e.Kind == EdgeKind.From && e.From == current.Path)
                       ?? throw new BuildException(Format(new Diagnostic(Severity.Error, current.Base.Argument.Span with { File = current.Path },
                           $"the Layerfile named by FROM {current.Base.Argument.Value} was not found in {root}", []), current.Parse.Source));
            current = graph.Find(edge.To) ?? throw new BuildException($"{edge.To} is not a Layerfile of {root}");
        }

        chain.Reverse();
        return (root, chain, graph.Edges);
    }

    /// <summary>A Layerfile that discovery skips (ignored by .gitignore, or named differently) still runs when named.</summary>
    private static LayerfileNode Parsed(string relative, string path, string root)
    {
        try
        {
            // A FIFO, a device or a folder is refused at once (reading one would hang), as is invalid UTF-8,
            // and so is a link to a file outside the repository (`Layerfile -> /etc/shadow` in a pull request
            // would have its lines echoed in the build's error messages).
            return new LayerfileNode(relative, LayerfileReader.Parse(path, relative, within: root));
        }
        catch (LayerfileReadException e)
        {
            throw new BuildException(e.Message);
        }
    }

    private static bool SameFile(string file, string relative, string root) =>
        file == relative || Path.GetFullPath(file, root) == Path.GetFullPath(relative, root);

    /// <param name="source">The Layerfile's text as it was read (ParseResult.Source), for the line and caret.</param>
    internal static string Format(Diagnostic diagnostic, string? source) => DiagnosticFormatter.Format(diagnostic, source);
}
