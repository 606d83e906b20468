using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Layer.Cli.Tests;

/// <summary>
/// Nothing lost when a build is stopped mid-step: Ctrl-C unwinds (exit 130, no domain, no mount, no run
/// folder left), and after `kill -9` the next run reaps what the killed one left and finishes with the
/// right statuses. Through the published binary, on real VMs.
/// </summary>
public sealed partial class InterruptionTests : IDisposable
{
    private const string CacheRoot = "/var/lib/layer-test";
    private readonly string _repo = Directory.CreateTempSubdirectory("layer-interrupt-").FullName;
    private readonly string _id = Guid.NewGuid().ToString("N");

    public void Dispose() => Directory.Delete(_repo, recursive: true);

    private void Layerfile(string sleepStep) =>
        File.WriteAllText(Path.Combine(_repo, "Layerfile"), $"FROM vm/busybox\nENV RUN_ID={_id}\nCOPY . /app\nRUN echo first-$RUN_ID\n{sleepStep}\n");

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task Ctrl_C_during_a_step_exits_130_and_leaves_no_domain_mount_or_run_folder()
    {
        Layerfile("RUN echo started-$RUN_ID && sleep 600");
        using var run = PublishedCli.Start(_repo, CacheRoot, ["run", _repo]);
        await run.WaitFor("started-" + _id, TimeSpan.FromMinutes(5));
        var runId = RunId(run.Output);
        Signal("INT", run.Process.Id);

        Assert.Equal(130, await run.Exit(TimeSpan.FromMinutes(2)));
        Assert.Contains("interrupted", run.Output);
        AssertNothingLeftOf(runId);

        // What finished before Ctrl-C stays cached.
        Layerfile("RUN echo started-$RUN_ID");
        var report = Path.Combine(_repo, "report.json");
        var again = await PublishedCli.Run(_repo, CacheRoot, ["run", _repo, "--report", report]);
        Assert.True(again.Exit == 0, again.Stdout + again.Stderr);
        Assert.Equal(["cached", "cached", "ran"], Statuses(report));
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task After_kill_9_during_a_step_the_next_run_reaps_what_was_left_and_finishes()
    {
        Layerfile("RUN echo started-$RUN_ID && sleep 600");
        string runId;
        using (var run = PublishedCli.Start(_repo, CacheRoot, ["run", _repo]))
        {
            await run.WaitFor("started-" + _id, TimeSpan.FromMinutes(5));
            runId = RunId(run.Output);
            Signal("KILL", run.Process.Id);
            Assert.Equal(137, await run.Exit(TimeSpan.FromMinutes(1)));
        }

        // The killed process could clean nothing: its run folder (with the workspace mount under it) is there.
        Assert.True(Directory.Exists(Path.Combine(CacheRoot, "runs", runId)));

        Layerfile("RUN echo started-$RUN_ID");
        var report = Path.Combine(_repo, "report.json");
        var next = await PublishedCli.Run(_repo, CacheRoot, ["run", _repo, "--report", report]);
        Assert.True(next.Exit == 0, next.Stdout + next.Stderr);
        Assert.Equal(["cached", "cached", "ran"], Statuses(report));
        AssertNothingLeftOf(runId);
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task A_second_Ctrl_C_stops_at_once_with_the_machines_destroyed_and_the_mirrors_unmounted()
    {
        Layerfile("RUN echo started-$RUN_ID && sleep 600");
        using var run = PublishedCli.Start(_repo, CacheRoot, ["run", _repo]);
        await run.WaitFor("started-" + _id, TimeSpan.FromMinutes(5));
        var runId = RunId(run.Output);
        Signal("INT", run.Process.Id);
        Signal("INT", run.Process.Id);

        Assert.Equal(130, await run.Exit(TimeSpan.FromMinutes(1)));
        Assert.Contains("stopped at once", run.Output);
        var domains = Command("virsh", "-c", "qemu:///system", "list", "--name");
        Assert.DoesNotContain(domains.Split('\n'), d => d.StartsWith(runId + "-", StringComparison.Ordinal));
        Assert.DoesNotContain($"/runs/{runId}/", File.ReadAllText("/proc/self/mountinfo"));

        // What it had no time to tidy (its run folder), the next run reaps.
        Layerfile("RUN echo started-$RUN_ID");
        var next = await PublishedCli.Run(_repo, CacheRoot, ["run", _repo]);
        Assert.True(next.Exit == 0, next.Stdout + next.Stderr);
        AssertNothingLeftOf(runId);
    }

    private static void AssertNothingLeftOf(string runId)
    {
        var domains = Command("virsh", "-c", "qemu:///system", "list", "--all", "--name");
        Assert.DoesNotContain(domains.Split('\n'), d => d.StartsWith(runId + "-", StringComparison.Ordinal));
        Assert.DoesNotContain($"/runs/{runId}/", File.ReadAllText("/proc/self/mountinfo"));
        Assert.False(Directory.Exists(Path.Combine(CacheRoot, "runs", runId)), $"the run folder {runId} is left");
    }

    private static string RunId(string output) =>
        WorkspaceMount().Match(output) is { Success: true } match ? match.Groups[1].Value : throw new Xunit.Sdk.XunitException("no workspace mount in:\n" + output);

    [GeneratedRegex(@"runs/(layer-[0-9a-f]+)/workspace")]
    private static partial Regex WorkspaceMount();

    private static void Signal(string signal, int pid) => Command("kill", "-s", signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static string Command(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)}: {process.StandardError.ReadToEnd()}");
        return output;
    }

    private static List<string?> Statuses(string report)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        return json.RootElement.GetProperty("layerfiles")[0].GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("status").GetString()).ToList();
    }
}
