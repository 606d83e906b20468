namespace Layer.Engine.Graph;

/// <summary>One node of a build graph: what it needs to have succeeded before it may start.</summary>
internal interface IGraphJob
{
    string Name { get; }

    /// <summary>Jobs that must succeed first (FROM parent, WAIT targets, the part before a SPLIT).</summary>
    IReadOnlyList<IGraphJob> Needs { get; }
}

/// <summary>How a job ended: it ran and succeeded or failed, or it never started because a job it needs did not succeed.</summary>
internal enum JobOutcome
{
    Succeeded,
    Failed,
    NotRun,
}

/// <summary>
/// Runs a graph of jobs: a job starts once every job it needs succeeded, at most
/// <c>maxParallel</c> at a time, ready jobs in the order given (the caller passes build order). A job
/// whose need failed or was not run is not run, with the name of that need; the others go on.
/// </summary>
internal static class GraphScheduler
{
    /// <param name="jobs">Every job, each after the jobs it needs.</param>
    /// <param name="run">Runs a job; true when it succeeded.</param>
    /// <param name="notRun">Told of each job that cannot start, and which need stopped it.</param>
    public static async Task<IReadOnlyDictionary<IGraphJob, JobOutcome>> RunAsync(
        IReadOnlyList<IGraphJob> jobs, int maxParallel, Func<IGraphJob, Task<bool>> run, Action<IGraphJob, IGraphJob> notRun,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxParallel, 1);
        var outcomes = new Dictionary<IGraphJob, JobOutcome>();
        var pending = jobs.ToList();
        var running = new Dictionary<Task<bool>, IGraphJob>();
        while (pending.Count > 0 || running.Count > 0)
        {
            // Settle every pending job whose fate is known: not-run cascades in one pass because jobs come in order.
            for (var i = 0; i < pending.Count; i++)
            {
                var job = pending[i];
                var blocker = job.Needs.FirstOrDefault(n => outcomes.TryGetValue(n, out var o) && o != JobOutcome.Succeeded);
                if (blocker is not null)
                {
                    outcomes[job] = JobOutcome.NotRun;
                    notRun(job, blocker);
                    pending.RemoveAt(i--);
                    continue;
                }

                if (running.Count >= maxParallel || cancellationToken.IsCancellationRequested) continue;
                if (!job.Needs.All(n => outcomes.TryGetValue(n, out var o) && o == JobOutcome.Succeeded)) continue;
                pending.RemoveAt(i--);
                running.Add(Task.Run(() => run(job), CancellationToken.None), job);
            }

            if (running.Count == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Nothing runs and nothing can start: the remaining jobs need something outside the graph.
                if (pending.Count > 0) throw new InvalidOperationException($"{pending[0].Name} needs a job that is not in the graph");
                break;
            }

            var done = await Task.WhenAny(running.Keys);
            var finished = running[done];
            running.Remove(done);
            try
            {
                outcomes[finished] = await done ? JobOutcome.Succeeded : JobOutcome.Failed;
            }
            catch
            {
                // Let the others finish (their VMs are torn down by their own using blocks), then rethrow.
                outcomes[finished] = JobOutcome.Failed;
                try
                {
                    await Task.WhenAll(running.Keys);
                }
                catch
                {
                    // The first error is the one to report.
                }

                throw;
            }
        }

        return outcomes;
    }

    /// <summary>
    /// Parallel Layerfiles by default: one per core, and no more than free memory holds at about
    /// 1.5 GiB per VM (a guest's 1 GiB plus QEMU's own).
    /// </summary>
    public static int DefaultJobs()
    {
        var cores = Environment.ProcessorCount;
        var available = AvailableMemoryMiB();
        var byMemory = available is null ? cores : (int)(available.Value / 1536);
        return Math.Max(1, Math.Min(cores, byMemory));
    }

    private static long? AvailableMemoryMiB()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1]) / 1024;
            }
        }
        catch (IOException)
        {
        }

        return null;
    }
}
