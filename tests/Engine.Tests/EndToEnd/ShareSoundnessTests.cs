using Layer.Engine.Reporting;
using Layer.Engine.Running;

namespace Layer.Engine.Tests.EndToEnd;

/// <summary>
/// The guest may cache what it learnt about shared files (virtio-fs entry and attribute timeouts, the
/// dentry cache, negative lookups): a step must still record every first access of its own, even when
/// an earlier step made the very same one moments before, or a RUN BACKGROUND process keeps the folder
/// and file pinned across the steps. Each scenario reads, stats, lists and probes the same names in two
/// consecutive steps; the second step's read set must hold all of them, and an edit of each must make
/// it re-run. Real VMs, the host's transport (virtio-fs where virtiofsd is installed).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ShareSoundnessTests : IDisposable
{
    private const string CacheRoot = "/var/lib/layer-test";
    private readonly TempRepository _repo = new("layer-e2e-soundness-");
    private readonly string _token = Guid.NewGuid().ToString("N");

    /// <summary>What each step does to the names whose recording is checked.</summary>
    private const string Touch = "cat data/read.txt > /dev/null; stat data/stat.txt > /dev/null; ls data/listed > /dev/null; test -e data/absent.txt || true";

    private static readonly string[] Names = ["data/read.txt", "data/stat.txt", "data/listed", "data/absent.txt"];

    public void Dispose() => _repo.Dispose();

    private async Task<BuildReport> Run()
    {
        var observer = new RecordingObserver();
        var report = await Builder.RunAsync(new BuildOptions { Path = _repo.Root, CacheDirectory = CacheRoot, HostEnvironment = _ => null }, observer);
        Assert.True(report.Succeeded, string.Join("\n", report.Layerfiles.Select(l => l.Error)) + "\n" + observer.AllOutput);
        return report;
    }

    private void Files()
    {
        _repo.Write("data/read.txt", "read\n");
        _repo.Write("data/stat.txt", "stat\n");
        _repo.Write("data/listed/one", "1\n");
    }

    private static StepReport Step(BuildReport report, int line) => report.Layerfiles.Single().Steps.Single(s => s.Line == line);

    /// <summary>Builds, checks that the step at <paramref name="line"/> recorded every name, then that each edit re-runs it and a no-change build does not.</summary>
    private async Task EveryAccessOfTheSecondStepIsItsOwn(int line)
    {
        var first = await Run();
        var second = Step(first, line);
        Assert.Equal(StepStatus.Ran, second.Status);
        foreach (var name in Names) Assert.Contains(name, second.Reads ?? []);

        Assert.Equal(StepStatus.Cached, Step(await Run(), line).Status);
        var edits = new (string What, Action Edit)[]
        {
            ("content", () => _repo.Write("data/read.txt", "read, edited\n")),
            ("metadata", () => File.SetUnixFileMode(Path.Combine(_repo.Root, "data/stat.txt"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute)),
            ("listing", () => _repo.Write("data/listed/two", "2\n")),
            ("absence", () => _repo.Write("data/absent.txt", "here now\n")),
        };
        foreach (var (what, edit) in edits)
        {
            edit();
            var after = Step(await Run(), line);
            Assert.True(after.Status == StepStatus.Ran, $"after the {what} edit the step at line {line} was {after.Status}");
            Assert.Equal(StepStatus.Cached, Step(await Run(), line).Status);
        }
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task A_step_records_what_the_step_before_it_just_read_stated_listed_and_probed()
    {
        Files();
        _repo.Write("Layerfile", $"FROM vm/busybox\nENV RUN_ID={_token}\nCOPY . /app\nWORKDIR /app\nRUN {Touch}\nRUN {Touch}\n");
        await EveryAccessOfTheSecondStepIsItsOwn(line: 6);
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task A_background_process_holding_the_folder_and_file_open_hides_nothing_from_later_steps()
    {
        Files();
        // The background process sits in data/ and holds read.txt open from before the first step to the end.
        _repo.Write("Layerfile",
            $"FROM vm/busybox\nENV RUN_ID={_token}\nCOPY . /app\nWORKDIR /app\n" +
            "RUN BACKGROUND sh -c 'cd /app/data && exec tail -f read.txt > /dev/null'\n" +
            $"RUN sleep 1; {Touch}\nRUN {Touch}\n");
        await EveryAccessOfTheSecondStepIsItsOwn(line: 7);
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task A_guest_that_remounts_the_share_read_write_still_changes_nothing_on_the_host()
    {
        Files();
        // The guest is root: it can remount the share and try every way of writing through it.
        _repo.Write("Layerfile",
            $"FROM vm/busybox\nENV RUN_ID={_token}\n" +
            "RUN mount -o remount,rw /layer/share; echo pwned > /layer/share/data/read.txt; rm -f /layer/share/data/stat.txt; " +
            "touch /layer/share/new.txt; mkdir /layer/share/newdir; chmod 777 /layer/share/data/read.txt; true\n");
        await Run();
        Assert.Equal("read\n", File.ReadAllText(Path.Combine(_repo.Root, "data/read.txt")));
        Assert.True(File.Exists(Path.Combine(_repo.Root, "data/stat.txt")));
        Assert.False(File.Exists(Path.Combine(_repo.Root, "new.txt")));
        Assert.False(Directory.Exists(Path.Combine(_repo.Root, "newdir")));
        Assert.NotEqual(UnixFileMode.OtherWrite, File.GetUnixFileMode(Path.Combine(_repo.Root, "data/read.txt")) & UnixFileMode.OtherWrite);
    }
}
