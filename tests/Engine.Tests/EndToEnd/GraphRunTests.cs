using Layer.Engine.Reporting;
using Layer.Engine.Running;

namespace Layer.Engine.Tests.EndToEnd;

/// <summary>`layer run --all` on real VMs: a parent built once for its children, WAIT, SPLIT, a failure that stops only what needs it.</summary>
public sealed class GraphRunTests : IDisposable
{
    private const string CacheRoot = "/var/lib/layer-test";
    private readonly TempRepository _repo = new("layer-e2e-all-");
    private readonly string _token = Guid.NewGuid().ToString("N");

    public void Dispose() => _repo.Dispose();

    private void Write(string path, string text) => _repo.Write(path, text);

    private Task<BuildReport> RunAll(RecordingObserver observer) => Builder.RunAsync(new BuildOptions
    {
        Path = _repo.Root,
        All = true,
        Jobs = 2,
        CacheDirectory = CacheRoot,
        HostEnvironment = _ => null,
    }, observer);

    private static string Errors(BuildReport report) => string.Join("\n", report.Layerfiles.Select(l => l.Error));

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task Base_once_split_three_ways_wait_after_every_copy_and_a_failure_stops_only_what_needs_it()
    {
        Directory.CreateDirectory(Path.Combine(_repo.Root, ".git"));
        Write("base/Layerfile", $"FROM vm/busybox\nENV RUN_ID={_token}\nRUN echo base-tool > /tool\n");
        Write("tests/Layerfile",
            "FROM /base\nCOPY . /t\nSPLIT 3\n" +
            "RUN echo \"copy $SPLIT of $SPLIT_NUM on $(cat /tool)\" && if [ \"$SPLIT\" = 1 ]; then test ! -e /t/fail; fi && sleep 3\n");
        Write("tests/input.txt", "x\n");
        Write("web/Layerfile", "FROM /base\nWAIT /tests\nRUN echo \"web on $(cat /tool)\"\n");

        var observer = new RecordingObserver();
        var first = await RunAll(observer);
        Assert.True(first.Succeeded, Errors(first));
        string[] copies = ["tests/Layerfile#split=0", "tests/Layerfile#split=1", "tests/Layerfile#split=2"];
        Assert.Equal(["base/Layerfile", "tests/Layerfile", .. copies, "web/Layerfile"], first.Layerfiles.Select(l => l.Path));
        Assert.Single(observer.Started, p => p == "base/Layerfile");
        Assert.Equal(StepStatus.Ran, first.Layerfiles[0].Steps.Single().Status);
        for (var i = 0; i < 3; i++) Assert.Contains($"copy {i} of 3 on base-tool", observer.OutputOf(copies[i], 4));
        Assert.Contains("web on base-tool", observer.OutputOf("web/Layerfile", 3));
        // The copies and the web share the base's snapshot; the web starts only after every copy ended.
        var finalBase = first.Layerfiles[0].FinalLayer;
        Assert.NotNull(finalBase);
        Assert.All(copies, c => Assert.True(observer.Events.IndexOf("end " + c) < observer.Events.IndexOf("start web/Layerfile"), string.Join(", ", observer.Events)));
        Assert.Equal(2, observer.MostAtOnce);
        var layers = first.Layerfiles.Where(l => copies.Contains(l.Path)).Select(l => l.FinalLayer).ToList();
        Assert.Equal(3, layers.Distinct().Count());

        // Each copy has its own cache entry: all are hits on the next run.
        var second = await RunAll(new RecordingObserver());
        Assert.True(second.Succeeded, Errors(second));
        Assert.All(second.Layerfiles.SelectMany(l => l.Steps), s => Assert.Equal(StepStatus.Cached, s.Status));
        Assert.Equal(layers, second.Layerfiles.Where(l => copies.Contains(l.Path)).Select(l => l.FinalLayer));

        // Only copy 1 looks for tests/fail: it alone re-runs and fails; the web that waits is not run; the other copies stay cached.
        Write("tests/fail", "");
        var third = await RunAll(new RecordingObserver());
        Assert.False(third.Succeeded);
        var byPath = third.Layerfiles.ToDictionary(l => l.Path);
        Assert.Equal("failed", byPath[copies[1]].Status);
        // Copies 0 and 1 ran side by side the first time (the sleep makes their steps overlap), each on its own mirror: copy 1's lookup of
        // /t/fail is in its read set only, so copy 0 (like copy 2) is still a hit.
        Assert.Equal(StepStatus.Cached, byPath[copies[0]].Steps.Single().Status);
        Assert.Equal(StepStatus.Cached, byPath[copies[2]].Steps.Single().Status);
        Assert.Equal("not-run", byPath["web/Layerfile"].Status);
        Assert.Contains("tests/Layerfile#split=1 failed", byPath["web/Layerfile"].Error);
        Assert.All(byPath["web/Layerfile"].Steps, s => Assert.Equal(StepStatus.NotRun, s.Status));
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task A_Layerfile_with_errors_fails_alone_what_needs_it_is_not_run_and_the_rest_builds()
    {
        Directory.CreateDirectory(Path.Combine(_repo.Root, ".git"));
        Write("ok/Layerfile", $"FROM vm/busybox\nENV RUN_ID={_token}\nRUN echo ok\n");
        Write("typo/Layerfile", "FROM vm/busybox\nRUNN echo typo\n");
        Write("child/Layerfile", "FROM /typo\nRUN echo child\n");
        Write("waits/Layerfile", "FROM vm/busybox\nWAIT /child\nRUN echo waits\n");
        Write("plan/Layerfile", "FROM vm/busybox\nCOPY ../../outside /x\n");

        var observer = new RecordingObserver();
        var report = await RunAll(observer);

        Assert.False(report.Succeeded);
        var byPath = report.Layerfiles.ToDictionary(l => l.Path);
        Assert.Equal("succeeded", byPath["ok/Layerfile"].Status);
        Assert.Contains("ok", observer.OutputOf("ok/Layerfile", 3));
        Assert.Equal("failed", byPath["typo/Layerfile"].Status);
        Assert.Contains("typo/Layerfile:2:1: error:", byPath["typo/Layerfile"].Error);
        Assert.Equal("not-run", byPath["child/Layerfile"].Status);
        Assert.Contains("it needs typo/Layerfile, which has errors", byPath["child/Layerfile"].Error);
        Assert.Equal("not-run", byPath["waits/Layerfile"].Status);
        Assert.Equal("failed", byPath["plan/Layerfile"].Status);   // an error found while planning (COPY from outside) fails it alone too
        Assert.Contains("plan/Layerfile:2:", byPath["plan/Layerfile"].Error);
        Assert.Empty(byPath["child/Layerfile"].Steps);   // never planned, so never booted
    }
}
