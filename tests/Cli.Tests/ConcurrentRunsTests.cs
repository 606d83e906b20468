using System.Text.Json;

namespace Layer.Cli.Tests;

/// <summary>
/// Two identical `layer run`s at once on one cache: each step runs once (the other build waits for it and
/// takes its entry), and the index holds one entry per key. Two processes of the published binary, real VMs.
/// </summary>
public sealed class ConcurrentRunsTests : IDisposable
{
    private const string CacheRoot = "/var/lib/layer-test";
    private readonly string _repo = Directory.CreateTempSubdirectory("layer-concurrent-").FullName;

    public void Dispose() => Directory.Delete(_repo, recursive: true);

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task Two_identical_builds_at_once_run_each_step_once()
    {
        var id = Guid.NewGuid().ToString("N");
        File.WriteAllText(Path.Combine(_repo, "a.txt"), "alpha\n");
        File.WriteAllText(Path.Combine(_repo, "Layerfile"), $"FROM vm/busybox\nENV RUN_ID={id}\nCOPY . /app\nRUN sleep 3 && cat /app/a.txt\nRUN echo second\n");
        var reports = new[] { Path.Combine(_repo, "one.json"), Path.Combine(_repo, "two.json") };
        var runs = reports.Select(report => PublishedCli.Start(_repo, CacheRoot, ["run", _repo, "--report", report])).ToList();
        try
        {
            foreach (var run in runs) Assert.True(await run.Exit(TimeSpan.FromMinutes(8)) == 0, run.Output);
        }
        finally
        {
            foreach (var run in runs) run.Dispose();
        }

        var steps = reports.Select(Steps).ToList();
        // Every step ran in exactly one of the two builds, and both ended on the same snapshots.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(1, steps.Count(s => s[i].Status == "ran"));
            Assert.Equal(steps[0][i].Layer, steps[1][i].Layer);
        }

        // Only a build that runs a step records it: one entry per key.
        Assert.Contains(runs, r => r.Output.Contains("another layer build is running this step", StringComparison.Ordinal));
    }

    private static List<(string? Status, string? Layer)> Steps(string report)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        return json.RootElement.GetProperty("layerfiles")[0].GetProperty("steps").EnumerateArray()
            .Select(s => (s.GetProperty("status").GetString(), s.TryGetProperty("layer", out var layer) ? layer.GetString() : null)).ToList();
    }
}
