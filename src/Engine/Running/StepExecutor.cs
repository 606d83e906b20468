using System.Text;
using Layer.Engine.Planning;
using Layer.Engine.Reporting;
using Layer.Parser;
using Layer.Vm.Agent;
using Layer.Vm.Machines;

namespace Layer.Engine.Running;

/// <summary>
/// Does one planned step inside a running machine. RUN goes through the agent's shell with the step's
/// environment (secrets added from the host at this moment only). COPY of one folder mounts an overlay
/// of that part of the share (nothing is read, so nothing is hashed, until a later step reads it);
/// other COPYs copy inside the guest from the share, so every file copied is read, hence tracked.
/// </summary>
internal sealed class StepExecutor(Machine machine, string repositoryRoot, IBuildObserver observer, Func<string, string?> hostEnvironment, LayerfileReport layerfile,
    CloneMounts? clones = null, bool workspaceOverlays = true)
{
    /// <summary>Where the guest mounts the workspace share (the image's init does).</summary>
    internal const string ShareInGuest = "/layer/share";

    private const int TailLines = 20;

    /// <summary>Runs the step; returns null on success, else the failure with its exit code and last output lines.</summary>
    public async Task<StepFailure?> ExecuteAsync(PlannedStep step, StepReport report, CancellationToken cancellationToken)
    {
        return step.Instruction switch
        {
            RunInstruction { Kind: InstructionKind.RunBackground } background => StartBackground(background.Command.Value, step.Environment, report),
            RunInstruction run => await RunAsync(run.Command.Value, step.Environment, report, cancellationToken),
            CopyInstruction => await CopyAsync(step.Copy!, step, report, cancellationToken),
            CloneInstruction clone => await CloneAsync(clone, step, report, cancellationToken),
            _ => throw new InvalidOperationException($"{step.Instruction.Kind} is not a step"),
        };
    }

    private async Task<StepFailure?> RunAsync(string command, StepEnvironment environment, StepReport report, CancellationToken cancellationToken)
    {
        var (spec, mask) = Prepare(command, environment);
        var tail = new OutputTail(TailLines);
        var stdout = new Utf8Stream(text => Emit(report, mask.Apply(text), false, tail));
        var stderr = new Utf8Stream(text => Emit(report, mask.Apply(text), true, tail));
        var result = await machine.RunAsync(spec, stdout.Write, stderr.Write, cancellationToken);
        stdout.Flush();
        stderr.Flush();
        if (result.Succeeded) return null;
        var how = result.Signal != 0 ? $"killed by signal {result.Signal}" : $"exit code {result.ExitCode}";
        return new StepFailure(result.ExitCode == 0 ? 1 : result.ExitCode, how, tail.Lines());
    }

    /// <summary>The agent request for a shell command in this environment; secrets read from the host now.</summary>
    private (RunSpec Spec, SecretMask Mask) Prepare(string command, StepEnvironment environment)
    {
        var variables = new Dictionary<string, string>(environment.RunVariables(), StringComparer.Ordinal);
        var secrets = new List<string>();
        foreach (var name in environment.SecretNames)
        {
            var value = hostEnvironment(name) ??
                        throw new BuildException($"SECRET ENV {name} is not set: export {name}=... in the environment that runs `layer run`");
            variables[name] = value;
            secrets.Add(value);
        }

        // WORKDIR creates the folder if it is missing, as Docker does.
        var script = new StringBuilder($"mkdir -p {ShellQuote(environment.WorkingDirectory)} 2>/dev/null; cd {ShellQuote(environment.WorkingDirectory)} || exit $?\n");
        foreach (var file in environment.SetupFiles) script.Append(". ").Append(ShellQuote(file)).Append(" || exit $?\n");
        script.Append(command);
        return (new RunSpec
        {
            Shell = script.ToString(),
            Environment = variables,
            WorkingDirectory = "/",
            User = environment.User,
        }, new SecretMask(secrets));
    }

    /// <summary>
    /// RUN BACKGROUND: starts the command and does not wait (the agent runs several commands at once).
    /// It lives as long as the machine; its output still streams under its line. Only a start that
    /// cannot be made (a missing secret) fails the step.
    /// </summary>
    private StepFailure? StartBackground(string command, StepEnvironment environment, StepReport report)
    {
        var (spec, mask) = Prepare(command, environment);
        var tail = new OutputTail(TailLines);
        var stdout = new Utf8Stream(text => Emit(report, mask.Apply(text), false, tail));
        var stderr = new Utf8Stream(text => Emit(report, mask.Apply(text), true, tail));
        var running = machine.RunAsync(spec, stdout.Write, stderr.Write, CancellationToken.None);
        _ = running.ContinueWith(task =>
        {
            stdout.Flush();
            stderr.Flush();
            // A background command that exits says so; one cut off by the machine going away says nothing.
            if (task.IsCompletedSuccessfully)
            {
                var result = task.Result;
                var how = result.Signal != 0 ? $"killed by signal {result.Signal}" : $"exit code {result.ExitCode}";
                observer.Info($"{layerfile.Path}:{report.Line}: RUN BACKGROUND ended ({how})" +
                              (tail.Lines().Count > 0 ? "\n" + string.Join("\n", tail.Lines().Select(l => "  | " + l)) : ""));
            }
            // A guest that stopped (destroyed at the end of a run or of serving, or crashed: the foreground step
            // says so) is not this command's failure; the domain may still look active for a moment then.
            else if (task.Exception?.InnerException is { } error and not GuestFailedException && machine.IsRunning)
            {
                observer.Info($"{layerfile.Path}:{report.Line}: RUN BACKGROUND could not run: {error.Message}");
            }
        }, TaskScheduler.Default);
        return null;
    }

    /// <summary>Starts again, in order, the background commands a restored snapshot was taken after.</summary>
    public void RestartBackground(IReadOnlyList<BackgroundCommand> commands)
    {
        if (commands.Count == 0) return;
        observer.Info($"{layerfile.Path}: starting again the background command(s) of line(s) {string.Join(", ", commands.Select(c => c.Layerfile == layerfile.Path ? c.Line.ToString() : $"{c.Layerfile}:{c.Line}"))} (snapshots hold the disk, not processes)");
        foreach (var command in commands)
        {
            StartBackground(command.Command, command.Environment, new StepReport { Line = command.Line, Instruction = command.Instruction });
        }
    }

    private void Emit(StepReport report, string text, bool isError, OutputTail tail)
    {
        tail.Add(text);
        observer.StepOutput(layerfile, report, text, isError);
    }

    private async Task<StepFailure?> CopyAsync(CopyPaths copy, PlannedStep step, StepReport report, CancellationToken cancellationToken)
    {
        foreach (var source in copy.Sources)
        {
            var host = Path.Join(repositoryRoot, source);
            if (!Path.Exists(host))
            {
                return new StepFailure(1, "COPY source missing", [$"{step.Instruction.Span}: COPY source '{(source.Length == 0 ? "." : source)}' does not exist in {repositoryRoot}"]);
            }
        }

        // A FROM github/... base copies (workspaceOverlays false): its snapshots are booted later with
        // another repository as the share, where an overlay of its folder would find nothing.
        if (workspaceOverlays && copy.Sources.Count == 1 && Directory.Exists(Path.Join(repositoryRoot, copy.Sources[0])) && !IsLink(Path.Join(repositoryRoot, copy.Sources[0])))
        {
            var overlay = new OverlayMount(OverlayId("copy", step), copy.Sources[0], copy.Destination);
            try
            {
                await machine.Agent.MountOverlayAsync(overlay, cancellationToken);
                return null;
            }
            catch (AgentRequestException e)
            {
                // An overlay already sits at that target, or it cannot be mounted: copy instead (reads tracked).
                observer.Info($"line {step.Line}: copying instead of an overlay ({e.GuestMessage})");
            }
        }

        return await CopyInGuestAsync(copy.Sources, copy.Destination, repositoryRoot, ShareInGuest, step, report, cancellationToken);
    }

    /// <summary>
    /// Copies with cp in the guest from a share (so every file copied is read, hence tracked): each
    /// source is a path under <paramref name="hostFolder"/> ("" for all of it), seen in the guest under
    /// <paramref name="guestFolder"/>. Several sources, a folder, or a target ending in '/' copy into the target folder.
    /// </summary>
    private Task<StepFailure?> CopyInGuestAsync(IReadOnlyList<string> sources, string destination, string hostFolder, string guestFolder,
        PlannedStep step, StepReport report, CancellationToken cancellationToken)
    {
        var script = new StringBuilder("set -e\n");
        var intoFolder = sources.Count > 1 || destination.EndsWith('/') || sources.Any(s => Directory.Exists(Path.Join(hostFolder, s)));
        script.Append(intoFolder ? $"mkdir -p {ShellQuote(destination)}\n" : $"mkdir -p \"$(dirname {ShellQuote(destination)})\"\n");
        foreach (var source in sources)
        {
            var inGuest = source.Length == 0 ? guestFolder : guestFolder + "/" + source;
            var isFolder = Directory.Exists(Path.Join(hostFolder, source)) && !IsLink(Path.Join(hostFolder, source));
            script.Append(isFolder
                ? $"cp -a {ShellQuote(inGuest)}/. {ShellQuote(destination)}/\n"
                : $"cp -a {ShellQuote(inGuest)} {ShellQuote(destination)}\n");
        }

        return RunAsync(script.ToString(), step.Environment with { SecretNames = step.Environment.SecretNames.Clear() }, report, cancellationToken);
    }

    /// <summary>How a CLONE whose repository cannot be resolved or fetched fails.</summary>
    public static StepFailure CloneFailure(CloneInstruction clone, Sources.CloneSource source, Sources.CloneException error) =>
        new(1, "the repository could not be cloned", [$"{clone.Span}: CLONE {source.Url}: {error.Message}"]);

    /// <summary>
    /// CLONE: resolve and fetch on the host, then, like COPY, an overlay of the clone's tree (or of its one
    /// folder) at the destination, or a copy in the guest from the clone share when several sources are
    /// named (every copied file is then read, hence tracked).
    /// </summary>
    private async Task<StepFailure?> CloneAsync(CloneInstruction clone, PlannedStep step, StepReport report, CancellationToken cancellationToken)
    {
        if (clones is null) throw new InvalidOperationException("CLONE needs the clone share (CloneMounts)");
        var copy = step.Copy!;
        var source = new Sources.CloneSource(clone.Repository.Value, clone.DefaultBranch?.Value);
        Sources.CloneResolution resolution;
        string tree;
        try
        {
            (resolution, tree) = clones.Prepare(source);
        }
        catch (Sources.CloneException e)
        {
            return CloneFailure(clone, source, e);
        }

        observer.Info($"{layerfile.Path}:{step.Line}: CLONE {resolution}" +
                      (resolution.Branch is { } branch && branch == source.DefaultBranch ? " (DEFAULT: no branch named like the checkout's there)" : ""));
        foreach (var path in copy.Sources)
        {
            if (!Path.Exists(Path.Join(tree, path)))
            {
                return new StepFailure(1, "CLONE source missing", [$"{clone.Span}: '{path}' is not in {resolution} (CLONE copies only files of that repository)"]);
            }
        }

        var inShare = Sources.CloneStore.TreeInShare(resolution.Url, resolution.Commit);
        var single = copy.Sources.Count == 0 ? "" : copy.Sources.Count == 1 ? copy.Sources[0] : null;
        if (single is not null && (single.Length == 0 || (Directory.Exists(Path.Join(tree, single)) && !IsLink(Path.Join(tree, single)))) &&
            CloneMounts.FitsOverlay(single) && CloneMounts.FitsOverlay(copy.Destination))
        {
            var lower = single.Length == 0 ? inShare : inShare + "/" + single;
            var id = OverlayId("clone", step);
            var (ok, output) = await clones.MountAsync(machine, id, source.Id, single, lower, copy.Destination, cancellationToken);
            return ok ? null : new StepFailure(1, "the clone could not be mounted", [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(TailLines)]);
        }

        return await CopyInGuestAsync([.. copy.Sources.DefaultIfEmpty("")], copy.Destination, tree, CloneMounts.GuestRoot + "/" + inShare, step, report, cancellationToken);
    }

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    /// <summary>Stable per Layerfile line and target, so a restored snapshot's overlay keeps its id.</summary>
    private static string OverlayId(string kind, PlannedStep step)
    {
        var text = $"{step.Instruction.Span.File}\0{step.Line}\0{step.Copy!.Destination}";
        return kind + "-" + Convert.ToHexStringLower(Blake3.Hasher.Hash(Encoding.UTF8.GetBytes(text)).AsSpan()[..8]);
    }

    internal static string ShellQuote(string text) => "'" + text.Replace("'", "'\\''") + "'";
}

/// <summary>A step that failed: the exit code for `layer run`, how it ended, and its last output lines.</summary>
internal sealed record StepFailure(int ExitCode, string How, IReadOnlyList<string> LastLines);
