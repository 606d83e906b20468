using Layer.Engine.Cache;
using Layer.Engine.Reporting;
using Layer.Engine.Running;
using Layer.Vm.Agent;
using Layer.Vm.Disks;
using Layer.Vm.Host;

namespace Layer.Engine.Tests.EndToEnd;

/// <summary>RUN REPEATABLE (runs again on the state its last run left) and CACHE (folders on a disk no snapshot or key holds), on real VMs.</summary>
public sealed class RepeatableAndCacheTests : IDisposable
{
    private const string CacheRoot = "/var/lib/layer-test";
    private readonly TempRepository _repo = new("layer-e2e-rc-");
    private readonly string _token = Guid.NewGuid().ToString("N");

    public void Dispose()
    {
        new CacheDisks(new CacheDirectory(CacheRoot)).TryDelete(CacheDiskNames.Of(_repo.Root, "Layerfile"));
        _repo.Dispose();
    }

    private BuildOptions Options(bool noCache = false) => new() { Path = _repo.Root, CacheDirectory = CacheRoot, HostEnvironment = _ => null, NoCache = noCache };

    private async Task<(LayerfileReport Report, RecordingObserver Observer)> Run(bool noCache = false)
    {
        var observer = new RecordingObserver();
        var report = await Builder.RunAsync(Options(noCache), observer);
        Assert.True(report.Succeeded, string.Join("\n", report.Layerfiles.Select(l => l.Error)) + "\n" + observer.AllOutput + "\n" + string.Join("\n", observer.Messages));
        return (report.Layerfiles.Single(), observer);
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task A_repeatable_run_that_misses_runs_again_on_what_its_previous_run_left()
    {
        _repo.Write("Layerfile",
            $"FROM vm/busybox\nENV RUN_ID={_token}\nCOPY . /src\n" +
            "RUN REPEATABLE cat /src/input.txt; echo x >> /count; echo \"count=$(grep -c x /count)\"\n" +
            "RUN echo after\n");
        _repo.Write("input.txt", "one\n");

        var (first, firstObserver) = await Run();
        Assert.Equal([StepStatus.Ran, StepStatus.Ran, StepStatus.Ran], first.Steps.Select(s => s.Status));
        Assert.Contains("count=1", firstObserver.OutputOf(4));

        // The input changes: a miss, and the step finds the /count its first run left.
        _repo.Write("input.txt", "two\n");
        var (second, secondObserver) = await Run();
        Assert.Equal([StepStatus.Cached, StepStatus.Ran, StepStatus.Ran], second.Steps.Select(s => s.Status));
        Assert.Equal("input.txt changed; repeated on its previous state", second.Steps[1].Reason);
        Assert.Contains("two", secondObserver.OutputOf(4));
        Assert.Contains("count=2", secondObserver.OutputOf(4));
        Assert.Contains(secondObserver.Messages, m => m.Contains($"booting the state line 4 left on") && m.Contains(first.Steps[1].Layer!));
        // The step after it runs on the new state (its parent changed), as any step would.
        Assert.Equal(Reasons.ParentRan, second.Steps[2].Reason);

        // Nothing changed: a hit like any step.
        var (third, _) = await Run();
        Assert.All(third.Steps, s => Assert.Equal(StepStatus.Cached, s.Status));
        Assert.Equal(second.FinalLayer, third.FinalLayer);

        // --no-cache runs it on its parent: the history is not used.
        var (fresh, freshObserver) = await Run(noCache: true);
        Assert.Equal([Reasons.NoCache, Reasons.ParentRan, Reasons.ParentRan], fresh.Steps.Select(s => s.Reason));
        Assert.Contains("count=1", freshObserver.OutputOf(4));
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task Cache_folders_keep_their_contents_across_runs_outside_every_key_and_snapshot()
    {
        _repo.Write("Layerfile",
            $"FROM vm/busybox\nENV RUN_ID={_token}\nRUN mkdir -p /var/cache/tool && echo from-image > /var/cache/tool/seed\n" +
            "CACHE /var/cache/tool\nCOPY . /src\n" +
            "RUN cat /src/a.txt >> /var/cache/tool/log && echo \"log=$(tr '\\n' , < /var/cache/tool/log) seed=$(cat /var/cache/tool/seed)\"\n");
        _repo.Write("a.txt", "one\n");

        var (first, firstObserver) = await Run();
        Assert.All(first.Steps, s => Assert.Equal(StepStatus.Ran, s.Status));
        // A new cache folder starts with what the image had there.
        Assert.Contains("log=one, seed=from-image", firstObserver.OutputOf(6));

        // An input changes: the step runs again from its parent's snapshot, yet the cache still holds the first run's line.
        _repo.Write("a.txt", "two\n");
        var (second, secondObserver) = await Run();
        Assert.Equal([StepStatus.Cached, StepStatus.Cached, StepStatus.Ran], second.Steps.Select(s => s.Status));
        Assert.Contains("log=one,two,", secondObserver.OutputOf(6));

        // The cache now differs from what any recorded step saw, and nothing runs: it is in no key.
        var (third, _) = await Run();
        Assert.All(third.Steps, s => Assert.Equal(StepStatus.Cached, s.Status));

        // The snapshot holds the root disk only: booted without the cache disk, the folder has what the image had.
        using var machine = await BuiltMachine.BootAsync(Options(), third.FinalLayer!, new RecordingObserver(), memoryMiB: 512);
        var output = new System.Text.StringBuilder();
        var result = await machine.Machine.RunAsync(RunSpec.ShellCommand("ls -A /var/cache/tool"), c => output.Append(System.Text.Encoding.UTF8.GetString(c.Span)));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("seed\n", output.ToString());
        machine.Dispose();

        // What `layer shell` boots: the final state with the Layerfile's CACHE folders mounted as its steps had them.
        using var shell = await BuiltMachine.BootAsync(Options(), third, new RecordingObserver(), memoryMiB: 512);
        output.Clear();
        result = await shell.Machine.RunAsync(RunSpec.ShellCommand("cat /var/cache/tool/log"), c => output.Append(System.Text.Encoding.UTF8.GetString(c.Span)));
        Assert.Equal((0, "one\ntwo\n"), (result.ExitCode, output.ToString()));
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task A_run_that_finds_its_cache_disk_held_gets_an_empty_throwaway_one_and_leaves_the_held_disk_alone()
    {
        _repo.Write("Layerfile", $"FROM vm/busybox\nENV RUN_ID={_token}\nCACHE /cache\nRUN ls -A /cache; echo written > /cache/mark; echo done\n");
        var disks = new CacheDisks(new CacheDirectory(CacheRoot));
        var name = CacheDiskNames.Of(_repo.Root, "Layerfile");
        using (var held = disks.TryAcquire(name, "held by the test"))
        {
            Assert.NotNull(held);
            var (report, observer) = await Run();
            Assert.Equal(StepStatus.Ran, report.Steps.Single().Status);
            Assert.Contains(observer.Messages, m => m.Contains("another run of this Layerfile is using its CACHE disk"));
            Assert.Equal("done\n", observer.OutputOf(4));
            Assert.DoesNotContain(Directory.EnumerateFiles(disks.Folder, "tmp-*"), f => File.GetCreationTimeUtc(f) > DateTime.UtcNow.AddMinutes(-10) && f.EndsWith(".img", StringComparison.Ordinal));
        }

        // The held disk never saw the run's write: the next run (with the disk free) finds it empty.
        _repo.Write("Layerfile", $"FROM vm/busybox\nENV RUN_ID={_token}\nCACHE /cache\nRUN ls -A /cache; echo written > /cache/mark; echo again\n");
        var (_, next) = await Run();
        Assert.Equal("again\n", next.OutputOf(4));
        Assert.DoesNotContain(next.Messages, m => m.Contains("another run of this Layerfile"));
    }
}
