using System.Diagnostics;
using Layer.Engine.Cache;
using Layer.Engine.Keys;
using Layer.Engine.Planning;
using Layer.Engine.Reporting;
using Layer.Fs;
using Layer.Fs.Tracking;
using Layer.Vm.Machines;

namespace Layer.Engine.Running;

/// <summary>Where a Layerfile starts: the parent id its first key is computed on, and what to boot.</summary>
internal sealed record BuildBase(string KeyParent, BootSource Boot, string Description);

/// <summary>
/// Runs one planned Layerfile. Phase one walks the units and looks each up without booting anything: a
/// hit is a candidate under the unit's key whose every observation still holds in the workspace. Phase
/// two starts at the first miss: boot on the last hit's layer (or the base), remount the workspace
/// overlays earlier steps made, and run every remaining unit with tracking, taking a snapshot after each
/// and recording it only when its read set is stable. A failed step records nothing.
/// </summary>
/// <param name="repositoryRoot">The folder this Layerfile's COPYs read (a FROM github/... checkout); null: the workspace.</param>
internal sealed class LayerfileRunner(BuildSession session, WorkspaceMirrors mirrors, string? repositoryRoot = null)
{
    private string Root => repositoryRoot ?? session.RepositoryRoot;

    /// <summary>What held in this Layerfile's lookups: the next step's lookup skips re-checking it.</summary>
    private readonly HeldObservations _held = new();

    /// <summary>The claim (<see cref="StepClaims"/>) on the key of the unit this build is about to run or runs: from the lookup that missed until its entry is recorded.</summary>
    private IDisposable? _claim;

    private void Release()
    {
        _claim?.Dispose();
        _claim = null;
    }

    public async Task<(LayerfileReport Report, BuildBase? Final)> RunAsync(Plan plan, BuildBase start, CancellationToken cancellationToken)
    {
        try
        {
            return await RunClaimingAsync(plan, start, cancellationToken);
        }
        finally
        {
            Release();
        }
    }

    private async Task<(LayerfileReport Report, BuildBase? Final)> RunClaimingAsync(Plan plan, BuildBase start, CancellationToken cancellationToken)
    {
        var report = new LayerfileReport { Path = plan.Layerfile };
        var reports = plan.Units.Select(u => u.Steps.Select(s => new StepReport { Line = s.Line, Instruction = s.Instruction.Canonical }).ToList()).ToList();
        foreach (var stepReports in reports) report.Steps.AddRange(stepReports);
        var skippedReports = plan.NotRun.Select(s => new StepReport
        {
            Line = s.Line,
            Instruction = s.Instruction.Canonical,
            Status = StepStatus.NotRun,
            Reason = $"SKIP REMAINING IF at line {plan.SkippedAt!.Span.Line} holds",
        }).ToList();
        report.Steps.AddRange(skippedReports);
        report.Steps.Sort((a, b) => a.Line.CompareTo(b.Line));
        session.Observer.LayerfileStarted(report);

        var parent = start.KeyParent;
        var boot = start.Boot;
        var first = 0;
        string? missReason = null;
        string? bootDescription = null;

        // Phase one: every hit is skipped without booting anything. A BUTTON is asked before the lookups
        // after it, so an unapproved run stops without booting.
        var buttons = new ButtonGate(session);
        var hits = new List<string>();
        for (; first < plan.Units.Count; first++)
        {
            if (!await buttons.PassAsync(plan, first, report, cancellationToken)) return (report, null);
            var unit = plan.Units[first];
            var key = StepKey.Of(parent, unit.Canonical, unit.Environment.KeyMaterial());
            var clock = Stopwatch.StartNew();
            var (hit, hitReads, reason) = session.Options.NoCache ? (null, null, Reasons.NoCache) : Lookup(key, parent, plan.Layerfile, unit);
            if (hit is null && !session.Options.NoCache)
            {
                // Another build may be running this very unit (same key): wait for it rather than run it twice.
                _claim = session.Claims.TryClaim(key.Hex);
                if (_claim is null)
                {
                    session.Observer.Info($"{plan.Layerfile}:{unit.Line}: another layer build is running this step; waiting for its result");
                    _claim = await session.Claims.ClaimAsync(key.Hex, cancellationToken);
                    (hit, hitReads, reason) = Lookup(key, parent, plan.Layerfile, unit);
                    if (hit is not null) Release();
                }
            }

            if (hit is null)
            {
                missReason = reason;
                // Only the first miss can be repeated: every later unit's key has this run's new layer as
                // its parent, so no earlier run of it exists and it runs normally on that parent.
                if (!session.Options.NoCache && RepeatableRuns.IsRepeatable(unit) &&
                    RepeatableRuns.Previous(session.Store, key.Hex, session.LayerExists) is { } previous)
                {
                    missReason += RepeatableRuns.ReasonSuffix;
                    boot = BootSource.Layer(previous.LayerId);
                    bootDescription = $"the state line {unit.Line} left on {previous.Created.ToLocalTime():yyyy-MM-dd HH:mm:ss} (layer {previous.LayerId})";
                }

                break;
            }

            if (DateTime.UtcNow - hit.LastUsed >= TouchInterval) hits.Add(hit.Id);
            var reads = ReadPaths(hitReads!);
            foreach (var step in reports[first])
            {
                step.Status = StepStatus.Cached;
                step.Seconds = clock.Elapsed.TotalSeconds;
                step.Reads = reads;
                step.Layer = hit.LayerId;
                step.Reason = $"inputs unchanged (ran in {hit.Seconds:0.0} s before)";
                session.Observer.StepChanged(report, step);
            }

            parent = hit.LayerId;
            boot = BootSource.Layer(hit.LayerId);
        }

        // One write for all the hits whose last use is older than TouchInterval (pruning keeps the recently used).
        session.Store.Touch(hits, DateTime.UtcNow);
        foreach (var skipped in skippedReports) session.Observer.StepChanged(report, skipped);
        if (first == plan.Units.Count)
        {
            if (!await buttons.PassAsync(plan, plan.Units.Count, report, cancellationToken)) return (report, null);
            report.Status = "succeeded";
            report.FinalLayer = parent == start.KeyParent ? null : parent;
            session.Observer.LayerfileFinished(report);
            return (report, parent == start.KeyParent ? start : new BuildBase(parent, boot, $"layer {parent}"));
        }

        // Phase two: boot once, run the rest; but a CLONE that cannot be fetched fails before anything boots.
        if (UnresolvableClone(plan, reports, first) is { } clone)
        {
            Fail(plan, report, clone.Step, clone.Failure, reports.Skip(first).SelectMany(r => r), $"the CLONE at line {clone.Step.Line} cannot be fetched");
            report.Status = "failed";
            session.Observer.LayerfileFinished(report);
            return (report, null);
        }

        session.Observer.Info($"{plan.Layerfile}: booting {bootDescription ?? Describe(boot, start)} for line {plan.Units[first].Line} ({missReason})");
        var mirror = mirrors.Rent(Root, "workspace");
        try
        {
            return await RunFromAsync(plan, start, report, reports, first, missReason!, parent, boot, mirror, cancellationToken);
        }
        finally
        {
            mirrors.Return(mirror);
        }
    }

    private async Task<(LayerfileReport Report, BuildBase? Final)> RunFromAsync(Plan plan, BuildBase start, LayerfileReport report,
        List<List<StepReport>> reports, int first, string missReason, string parent, BootSource boot, MirrorMount mirror,
        CancellationToken cancellationToken)
    {
        var cacheFolders = plan.Units.Any(u => u.Steps.Any(s => s.Environment.CacheFolders.Length > 0));
        using var booted = await LayerfileMachine.BootAsync(session, mirrors, mirror.Mountpoint, boot, plan.MemoryMiB ?? 1024,
            cacheFolders ? plan.Layerfile : null, cancellationToken);
        var (machine, clones, caches) = (booted.Machine, booted.Clones, booted.Caches);
        var executor = new StepExecutor(machine, Root, session.Observer, session.Options.HostEnvironment, report, clones,
            workspaceOverlays: repositoryRoot is null);
        executor.RestartBackground(plan.Units[first].Environment.Background);
        for (var i = first; i < plan.Units.Count; i++)
        {
            if (i > first && !await new ButtonGate(session).PassAsync(plan, i, report, cancellationToken)) return (report, null);
            var unit = plan.Units[i];
            var key = StepKey.Of(parent, unit.Canonical, unit.Environment.KeyMaterial());
            var reason = i == first ? missReason : Reasons.ParentRan;
            // Uncontended after the first unit (its parent is this run's new layer), but another build may
            // already wait on the claim of the first: it gets our entry when we release.
            if (_claim is null && !session.Options.NoCache) _claim = session.Claims.TryClaim(key.Hex) ?? await session.Claims.ClaimAsync(key.Hex, cancellationToken);
            var clock = Stopwatch.StartNew();
            foreach (var step in reports[i])
            {
                step.Status = StepStatus.Running;
                step.Reason = reason;
                session.Observer.StepChanged(report, step);
            }

            // The guest kernel caches lookups (a negative dentry hides an absence probe from the host): with
            // the epoch open, drop its caches and outwait what it may still hold of the share (pinned names,
            // entries and attributes under virtio-fs timeouts), so every access of this step reaches the tracker.
            mirror.Tracker.BeginEpoch();
            clones?.BeginEpoch();
            await machine.RunAsync(Vm.Agent.RunSpec.ShellCommand(ForgetShareCache(machine)), cancellationToken: cancellationToken);
            StepFailure? failure = null;
            var stepIndex = 0;
            try
            {
                for (; stepIndex < unit.Steps.Count && failure is null; stepIndex++)
                {
                    failure = await EnsureCachesAsync(caches, unit.Steps[stepIndex], cancellationToken) ??
                              await executor.ExecuteAsync(unit.Steps[stepIndex], reports[i][stepIndex], cancellationToken);
                }
            }
            finally
            {
                if (failure is not null || cancellationToken.IsCancellationRequested)
                {
                    mirror.Tracker.EndEpoch();
                    clones?.AbandonEpoch();
                }
            }

            if (failure is not null)
            {
                var failed = reports[i][stepIndex - 1];
                failed.Seconds = clock.Elapsed.TotalSeconds;
                Fail(plan, report, failed, failure, reports.Skip(i).SelectMany(r => r), "an earlier step failed");

                if (booted.CacheDisk is not null)
                {
                    // The machine is destroyed, not shut down: what the failed step put in its CACHE folders
                    // would otherwise be cut off in the guest's page cache (a snapshot syncs on success).
                    try
                    {
                        await machine.CallAsync(agent => agent.SyncAsync(cancellationToken), "syncing the cache disk");
                    }
                    catch (Exception e) when (e is GuestFailedException or Vm.Agent.AgentException or OperationCanceledException)
                    {
                        // The guest is gone or the run is cancelled: the step's failure is what to report.
                    }
                }

                await LayerfileEnd.CollectArtifactsAsync(session, plan, report, machine, cancellationToken);
                report.Status = "failed";
                session.Observer.LayerfileFinished(report);
                return (report, null);
            }

            var readSet = clones is null ? mirror.Tracker.EndEpoch() : clones.EndEpoch(mirror.Tracker.EndEpoch());
            var layer = await machine.SnapshotAsync(cancellationToken);
            // The next unit's claim is taken before this one's is let go: a build waiting on this key wakes
            // to find our entry, looks the next key up and must then find it claimed, not free to run twice.
            var next = i + 1 < plan.Units.Count && !session.Options.NoCache
                ? session.Claims.TryClaim(StepKey.Of(layer, plan.Units[i + 1].Canonical, plan.Units[i + 1].Environment.KeyMaterial()).Hex)
                : null;
            var seconds = clock.Elapsed.TotalSeconds;
            var readPaths = ReadPaths(readSet);
            try
            {
                if (readSet.IsStable)
                {
                    session.Store.Add(new CacheEntry
                    {
                        Id = Guid.NewGuid().ToString("N"),
                        Key = key.Hex,
                        Parent = parent,
                        Inputs = Reasons.Inputs(unit),
                        LayerId = layer,
                        ReadSet = ReadSetCodec.Encode(readSet),
                        Instruction = string.Join("\n", unit.Steps.Select(s => s.Instruction.Canonical)),
                        Layerfile = plan.Layerfile,
                        Line = unit.Line,
                        Seconds = seconds,
                        Created = DateTime.UtcNow,
                        LastUsed = DateTime.UtcNow,
                    });
                }
            }
            catch
            {
                next?.Dispose();
                throw;
            }

            Release();
            _claim = next;

            foreach (var step in reports[i])
            {
                step.Status = StepStatus.Ran;
                step.Seconds = seconds;
                step.Reads = readPaths;
                step.Layer = layer;
                step.NotCached = readSet.IsStable ? null : "a file changed while the step read it";
                session.Observer.StepChanged(report, step);
            }

            parent = layer;
        }

        if (!await new ButtonGate(session).PassAsync(plan, plan.Units.Count, report, cancellationToken)) return (report, null);
        await LayerfileEnd.CollectArtifactsAsync(session, plan, report, machine, cancellationToken);
        report.Status = "succeeded";
        report.FinalLayer = parent;
        session.Observer.LayerfileFinished(report);
        return (report, new BuildBase(parent, BootSource.Layer(parent), $"layer {parent}"));
    }

    /// <summary>Marks <paramref name="failed"/> failed with the Layerfile's error, and the other steps in <paramref name="rest"/> not run
    /// (those before it for <paramref name="reasonBefore"/>).</summary>
    private void Fail(Plan plan, LayerfileReport report, StepReport failed, StepFailure failure, IEnumerable<StepReport> rest, string reasonBefore)
    {
        failed.Status = StepStatus.Failed;
        failed.ExitCode = failure.ExitCode;
        report.Error = $"{plan.Layerfile}:{failed.Line}: {failed.Instruction} failed ({failure.How})" +
                       (failure.LastLines.Count > 0 ? "\n" + string.Join("\n", failure.LastLines.Select(l => "  | " + l)) : "");
        session.Observer.StepChanged(report, failed);
        var before = true;
        foreach (var step in rest)
        {
            if (step == failed)
            {
                before = false;
                continue;
            }

            step.Status = StepStatus.NotRun;
            step.Reason = before ? reasonBefore : "an earlier step failed";
            session.Observer.StepChanged(report, step);
        }
    }

    /// <summary>
    /// The first CLONE from unit <paramref name="first"/> on whose repository cannot be resolved or fetched
    /// now, found before anything boots (the CLONE step would fail only after the steps before it ran).
    /// </summary>
    private (StepReport Step, StepFailure Failure)? UnresolvableClone(Plan plan, List<List<StepReport>> reports, int first)
    {
        for (var i = first; i < plan.Units.Count; i++)
        for (var j = 0; j < plan.Units[i].Steps.Count; j++)
        {
            if (plan.Units[i].Steps[j].Instruction is not Parser.CloneInstruction clone) continue;
            var source = new Sources.CloneSource(clone.Repository.Value, clone.DefaultBranch?.Value);
            try
            {
                session.Clones.Tree(session.Clones.Resolve(source));
            }
            catch (Sources.CloneException e)
            {
                return (reports[i][j], StepExecutor.CloneFailure(clone, source, e));
            }
        }

        return null;
    }

    /// <summary>
    /// How stale a hit's last use may be before a run writes it again. Pruning orders entries by last use
    /// at the scale of days; rewriting it on every no-change run was a LiteDB write (journal, file lock)
    /// costing more than validating a thousand files, for a difference no prune can see.
    /// </summary>
    internal static readonly TimeSpan TouchInterval = TimeSpan.FromHours(1);

    /// <summary>The paths a read set observed, each once: observations are sorted by path, so repeats are neighbours.</summary>
    internal static List<string> ReadPaths(ReadSet readSet)
    {
        var paths = new List<string>(readSet.Observations.Count);
        foreach (var observation in readSet.Observations)
        {
            if (paths.Count == 0 || !string.Equals(paths[^1], observation.Path, StringComparison.Ordinal)) paths.Add(observation.Path);
        }

        return paths;
    }

    private static async Task<StepFailure?> EnsureCachesAsync(GuestCacheMounts caches, PlannedStep step, CancellationToken cancellationToken)
    {
        if (step.Environment.CacheFolders.Length == 0) return null;
        var error = await caches.EnsureAsync(step.Environment.CacheFolders, step.Environment.User, cancellationToken);
        return error is null ? null : new StepFailure(1, "CACHE folders could not be mounted", [error]);
    }

    /// <summary>The first candidate whose read set still holds (and that read set, decoded once), or why there is none.</summary>
    private (CacheEntry? Hit, ReadSet? ReadSet, string Reason) Lookup(StepKey key, string parent, string layerfile, PlannedUnit unit)
    {
        var candidates = session.Store.Candidates(key.Hex);
        if (candidates.Count == 0) return (null, null, Reasons.ForMissingKey(session.Store, parent, layerfile, unit));
        string? reason = null;
        foreach (var candidate in candidates)
        {
            if (!session.LayerExists(candidate.LayerId))
            {
                reason ??= "its snapshot was pruned";
                continue;
            }

            var readSet = candidate.Observations();
            var why = WhyNot(readSet, layerfile, unit);
            if (why is null) return (candidate, readSet, "");
            reason ??= why;
        }

        return (null, null, reason ?? Reasons.NoEntry);
    }

    /// <summary>
    /// Why a stored read set no longer holds, or null: the workspace part against <see cref="Root"/>, the
    /// clone part against the commits the clones resolve to in this build.
    /// </summary>
    private string? WhyNot(ReadSet readSet, string layerfile, PlannedUnit unit)
    {
        var (workspace, clones) = Sources.CloneReads.Split(readSet);
        // The stat hash cache belongs to the workspace; a FROM github/... checkout never changes anyway.
        var result = ReadSetValidator.Validate(Root, workspace, repositoryRoot is null ? session.Hashes : null, stopAtFirst: true, held: _held);
        if (!result.Holds) return Reasons.ForMismatch(result.Mismatches[0]);
        if (clones.Count == 0) return null;
        try
        {
            return Sources.CloneValidation.WhyNot(session.Clones, clones);
        }
        catch (Sources.CloneException e)
        {
            throw new BuildException($"{layerfile}:{unit.Line}: checking the cache needs a cloned repository: {e.Message}");
        }
    }

    /// <summary>
    /// The guest command that makes its next access to every shared name reach the host: drop the dentry and
    /// inode caches (unused entries, negative ones included), then wait out the cache timeout for the entries
    /// something still pins (an open file, a background process's folder), measured in the guest's own time,
    /// with room for a reply in flight when the epoch began.
    /// </summary>
    internal static string ForgetShareCache(Machine machine) =>
        "sync; echo 3 > /proc/sys/vm/drop_caches" +
        (machine.ShareCacheSeconds > 0 ? $"; sleep {(machine.ShareCacheSeconds + 0.25).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}" : "");

    private static string Describe(BootSource boot, BuildBase start) => ReferenceEquals(boot, start.Boot) ? start.Description : "the last cached snapshot";
}
