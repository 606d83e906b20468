using Layer.Engine.Reporting;
using Layer.Engine.Running;

namespace Layer.Engine.Tests.EndToEnd;

/// <summary>FROM another Layerfile, and two builds at once on one cache, on real VMs.</summary>
public sealed class ParentAndConcurrencyTests : IDisposable
{
    private const string CacheRoot = "/var/lib/layer-test";
    private readonly DirectoryInfo _repo = Directory.CreateTempSubdirectory("layer-e2e-graph-");
    private readonly string _token = Guid.NewGuid().ToString("N");

    public void Dispose() => _repo.Delete(recursive: true);

    private void Write(string path, string text)
    {
        var full = Path.Combine(_repo.FullName, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    private Task<BuildReport> Run(string path) => Builder.RunAsync(new BuildOptions
    {
        Path = Path.Combine(_repo.FullName, path),
        CacheDirectory = CacheRoot,
        HostEnvironment = _ => null,
    }, new RecordingObserver());

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task A_child_builds_on_its_parents_final_snapshot_and_environment()
    {
        Directory.CreateDirectory(Path.Combine(_repo.FullName, ".git"));
        Write("base/Layerfile", $"FROM vm/busybox\nENV TOOL=/opt/tool RUN_ID={_token}\nRUN mkdir -p /opt && echo v1 > /opt/tool\n");
        Write("app/Layerfile", "FROM /base\nCOPY . /app\nRUN test \"$(cat $TOOL)\" = v1 && cat /app/input.txt\n");
        Write("app/input.txt", "input\n");

        var first = await Run("app");
        Assert.True(first.Succeeded, string.Join("\n", first.Layerfiles.Select(l => l.Error)));
        Assert.Equal(["base/Layerfile", "app/Layerfile"], first.Layerfiles.Select(l => l.Path));
        Assert.All(first.Layerfiles.SelectMany(l => l.Steps), s => Assert.Equal(StepStatus.Ran, s.Status));

        Write("app/input.txt", "changed\n");
        var second = await Run("app");
        Assert.True(second.Succeeded, string.Join("\n", second.Layerfiles.Select(l => l.Error)));
        Assert.Equal(StepStatus.Cached, second.Layerfiles[0].Steps.Single().Status);
        Assert.Equal([StepStatus.Cached, StepStatus.Ran], second.Layerfiles[1].Steps.Select(s => s.Status));
        Assert.Equal("app/input.txt changed", second.Layerfiles[1].Steps[1].Reason);
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task Two_runs_at_once_on_one_cache_both_finish_and_both_record()
    {
        foreach (var name in new[] { "one", "two" })
        {
            Write($"{name}/Layerfile", $"FROM vm/busybox\nENV RUN_ID={_token}-{name}\nCOPY . /src\nRUN cat /src/data.txt\n");
            Write($"{name}/data.txt", name + "\n");
        }

        var both = await Task.WhenAll(Run("one"), Run("two"));
        Assert.All(both, r => Assert.True(r.Succeeded, string.Join("\n", r.Layerfiles.Select(l => l.Error))));
        var again = await Task.WhenAll(Run("one"), Run("two"));
        Assert.All(again.SelectMany(r => r.Layerfiles.Single().Steps), s => Assert.Equal(StepStatus.Cached, s.Status));
    }
}
