using Layer.Engine.Graph;

namespace Layer.Engine.Tests;

/// <summary>The graph scheduler with fake jobs: order, parallelism, and what a failure stops.</summary>
public sealed class GraphSchedulerTests
{
    private sealed class Job(string name, params IGraphJob[] needs) : IGraphJob
    {
        public string Name => name;

        public IReadOnlyList<IGraphJob> Needs => needs;

        public override string ToString() => name;
    }

    /// <summary>Runs the jobs with fake work; records starts, ends and the most running at once.</summary>
    private sealed class Recorder
    {
        private int _running;

        public List<string> Events { get; } = [];

        public int MostAtOnce { get; private set; }

        public Dictionary<string, string> NotRun { get; } = [];

        public async Task<bool> Run(IGraphJob job, ISet<string> failing)
        {
            lock (Events)
            {
                Events.Add("start " + job.Name);
                MostAtOnce = Math.Max(MostAtOnce, ++_running);
            }

            await Task.Delay(40);
            lock (Events)
            {
                Events.Add("end " + job.Name);
                _running--;
            }

            return !failing.Contains(job.Name);
        }
    }

    private static async Task<(Recorder Recorder, IReadOnlyDictionary<IGraphJob, JobOutcome> Outcomes)> Schedule(
        IReadOnlyList<IGraphJob> jobs, int parallel, params string[] failing)
    {
        var recorder = new Recorder();
        var set = new HashSet<string>(failing);
        var outcomes = await GraphScheduler.RunAsync(jobs, parallel, job => recorder.Run(job, set),
            (job, blocker) => recorder.NotRun[job.Name] = blocker.Name, CancellationToken.None);
        return (recorder, outcomes);
    }

    [Fact]
    public async Task A_parent_runs_once_before_its_children_and_independent_children_run_together()
    {
        var @base = new Job("base");
        var tests = new Job("tests", @base);
        var lint = new Job("lint", @base);
        var (recorder, outcomes) = await Schedule([@base, tests, lint], parallel: 2);

        Assert.All(outcomes.Values, o => Assert.Equal(JobOutcome.Succeeded, o));
        Assert.Single(recorder.Events, e => e == "start base");
        Assert.Equal(["start base", "end base"], recorder.Events.Take(2));
        Assert.Equal(2, recorder.MostAtOnce);
    }

    [Fact]
    public async Task Never_more_than_the_limit_at_once()
    {
        var jobs = Enumerable.Range(0, 5).Select(i => (IGraphJob)new Job("j" + i)).ToList();
        var (recorder, _) = await Schedule(jobs, parallel: 2);
        Assert.Equal(2, recorder.MostAtOnce);
        var (serial, _) = await Schedule(jobs, parallel: 1);
        Assert.Equal(1, serial.MostAtOnce);
        Assert.Equal(jobs.SelectMany(j => new[] { "start " + j.Name, "end " + j.Name }), serial.Events);
    }

    [Fact]
    public async Task A_waiting_job_starts_only_after_the_waited_for_job_ended()
    {
        var tests = new Job("tests");
        var web = new Job("web", tests);
        var other = new Job("other");
        var (recorder, _) = await Schedule([tests, web, other], parallel: 3);
        Assert.True(recorder.Events.IndexOf("end tests") < recorder.Events.IndexOf("start web"), string.Join(", ", recorder.Events));
    }

    [Fact]
    public async Task A_failure_stops_what_needs_it_transitively_and_the_rest_goes_on()
    {
        var @base = new Job("base");
        var tests = new Job("tests", @base);
        var web = new Job("web", @base, tests);
        var deploy = new Job("deploy", web);
        var docs = new Job("docs");
        var (recorder, outcomes) = await Schedule([@base, tests, web, deploy, docs], parallel: 2, "tests");

        Assert.Equal(JobOutcome.Succeeded, outcomes[@base]);
        Assert.Equal(JobOutcome.Failed, outcomes[tests]);
        Assert.Equal(JobOutcome.NotRun, outcomes[web]);
        Assert.Equal(JobOutcome.NotRun, outcomes[deploy]);
        Assert.Equal(JobOutcome.Succeeded, outcomes[docs]);
        Assert.Equal("tests", recorder.NotRun["web"]);
        Assert.Equal("web", recorder.NotRun["deploy"]);
        Assert.DoesNotContain("start web", recorder.Events);
    }

    [Fact]
    public async Task A_job_that_throws_lets_the_running_ones_finish_then_rethrows()
    {
        var slow = new Job("slow");
        var bad = new Job("bad");
        var finished = false;
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => GraphScheduler.RunAsync([slow, bad], 2, async job =>
        {
            if (job == bad) throw new InvalidOperationException("boom");
            await Task.Delay(100);
            finished = true;
            return true;
        }, (_, _) => { }, CancellationToken.None));
        Assert.Equal("boom", error.Message);
        Assert.True(finished);
    }
}
