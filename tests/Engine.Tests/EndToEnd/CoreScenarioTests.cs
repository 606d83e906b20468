using Layer.Engine.Reporting;
using Layer.Engine.Running;
using Layer.Vm.Machines;
using Layer.Vm.Host;

namespace Layer.Engine.Tests.EndToEnd;

/// <summary>
/// The product's promise on real VMs, real FUSE and a real LiteDB cache: a step is skipped exactly when
/// what it read still holds. One repository goes through a series of edits; after each, `layer run`
/// must re-run precisely the steps whose reads changed (and everything after them).
/// </summary>
public sealed class CoreScenarioTests : IDisposable
{
    /// <summary>Shared with the Vm tests: images and the published agent are built once per machine.</summary>
    private const string CacheRoot = "/var/lib/layer-test";

    private static readonly string Secret = "s3cr3t-" + Guid.NewGuid().ToString("N");
    private readonly DirectoryInfo _repo = Directory.CreateTempSubdirectory("layer-e2e-");
    private readonly string _token = Guid.NewGuid().ToString("N");
    private readonly Dictionary<string, string> _environment = new() { ["MODE"] = "debug", ["TOKEN"] = Secret };

    public void Dispose() => _repo.Delete(recursive: true);

    private string Layerfile(string lsCommand = "ls sub", string extra = "") => $"""
        # line 1: the core scenario
        FROM vm/busybox
        ENV RUN_ID={_token}
        COPY . /app
        WORKDIR /app
        SECRET ENV TOKEN
        RUN cat a.txt > /out-a
        RUN cat b.txt > /out-b
        RUN if test -f flag.txt; then echo yes > /flag; else echo no > /flag; fi
        RUN {lsCommand} > /listing
        BUILD ENV MODE
        RUN echo "$MODE" > /mode && test {"${#TOKEN}"} -eq {Secret.Length}
        RUN echo independent > /independent
        RUN cat /out-a /out-b /flag /mode
        {extra}
        """;

    private void Write(string path, string text)
    {
        var full = Path.Combine(_repo.FullName, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    private async Task<(BuildReport Report, RecordingObserver Observer)> Run()
    {
        var observer = new RecordingObserver();
        var report = await Builder.RunAsync(new BuildOptions
        {
            Path = _repo.FullName,
            CacheDirectory = CacheRoot,
            HostEnvironment = name => _environment.GetValueOrDefault(name),
        }, observer);
        return (report, observer);
    }

    private static string[] Statuses(BuildReport report) => report.Layerfiles.Single().Steps.Select(s => s.Status).ToArray();

    private static StepReport Step(BuildReport report, int line) => report.Layerfiles.Single().Steps.Single(s => s.Line == line);

    private const string C = StepStatus.Cached, R = StepStatus.Ran;

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task Each_edit_re_runs_exactly_the_steps_whose_reads_changed()
    {
        Write("a.txt", "alpha\n");
        Write("b.txt", "bravo\n");
        Write("unrelated.txt", "nobody reads me\n");
        Write("sub/one", "1");
        Write("Layerfile", Layerfile());

        // Lines: 4 COPY, 7 a, 8 b, 9 flag, 10 ls, 12 mode (after BUILD ENV at 11), 13 independent, 14 cat.
        var (first, _) = await Run();
        Assert.True(first.Succeeded, first.Layerfiles.Single().Error);
        Assert.Equal([R, R, R, R, R, R, R, R], Statuses(first));
        Assert.Contains("a.txt", Step(first, 7).Reads.Select(Path.GetFileName));
        Assert.DoesNotContain("b.txt", Step(first, 7).Reads.Select(Path.GetFileName));

        Write("unrelated.txt", "edited, still unread\n");
        var (unrelated, _) = await Run();
        Assert.Equal([C, C, C, C, C, C, C, C], Statuses(unrelated));

        Write("b.txt", "bravo two\n");
        var (bEdit, bObserver) = await Run();
        Assert.Equal([C, C, R, R, R, R, R, R], Statuses(bEdit));
        Assert.Equal("b.txt changed", Step(bEdit, 8).Reason);
        Assert.Equal("parent step re-ran", Step(bEdit, 9).Reason);
        // The restored snapshot of the skipped steps holds what they wrote.
        Assert.Contains("alpha\nbravo two\nno\ndebug\n", bObserver.OutputOf(14));

        // Same lines, other comment and spacing: keys, and so every step, stay the same.
        Write("Layerfile", Layerfile().Replace("# line 1: the core scenario", "# an edited comment", StringComparison.Ordinal)
            .Replace("RUN cat a.txt", "RUN   cat a.txt  ", StringComparison.Ordinal));
        var (comment, _) = await Run();
        Assert.Equal([C, C, C, C, C, C, C, C], Statuses(comment));

        Write("flag.txt", "now here\n");
        var (flag, flagObserver) = await Run();
        Assert.Equal([C, C, C, R, R, R, R, R], Statuses(flag));
        Assert.Equal("flag.txt now exists", Step(flag, 9).Reason);
        Assert.Contains("yes\n", flagObserver.OutputOf(14));

        Write("sub/two", "2");
        var (listing, _) = await Run();
        Assert.Equal([C, C, C, C, R, R, R, R], Statuses(listing));
        Assert.Equal("sub/ listing changed (added: two)", Step(listing, 10).Reason);

        Write("Layerfile", Layerfile(lsCommand: "ls -a sub"));
        var (instruction, _) = await Run();
        Assert.Equal([C, C, C, C, R, R, R, R], Statuses(instruction));
        Assert.Equal("instruction changed", Step(instruction, 10).Reason);

        _environment["MODE"] = "release";
        var (buildEnv, envObserver) = await Run();
        Assert.Equal([C, C, C, C, C, R, R, R], Statuses(buildEnv));
        Assert.Equal("BUILD ENV MODE changed", Step(buildEnv, 12).Reason);
        Assert.Contains("release\n", envObserver.OutputOf(14));

        // A secret's value is used by the step but stored nowhere: not in the index, layers' metadata or the report.
        var reportPath = Path.Combine(_repo.FullName, "report.json");
        buildEnv.WriteTo(reportPath);
        Assert.DoesNotContain(Secret, File.ReadAllText(reportPath));
        // Disks (layers' qcow2, CACHE disks) hold what guests wrote; the claim is about what Layer itself stores.
        foreach (var file in Directory.EnumerateFiles(CacheRoot, "*", SearchOption.AllDirectories).Where(f => !IsDisk(f)))
        {
            Assert.False(Contains(file, Secret), $"{file} holds the secret's value");
        }
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task A_failing_step_fails_the_build_with_its_exit_code_and_is_never_cached()
    {
        Write("a.txt", "alpha\n");
        // WORKDIR names a folder no step made: it is created, as Docker does.
        Write("Layerfile", $"FROM vm/busybox\nENV RUN_ID={_token}\nWORKDIR /not/yet/there\nRUN test \"$(pwd)\" = /not/yet/there\nRUN echo last words; exit 3\nRUN echo after\n");
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var (report, _) = await Run();
            var layerfile = report.Layerfiles.Single();
            Assert.Equal("failed", layerfile.Status);
            Assert.Equal(attempt == 0 ? StepStatus.Ran : StepStatus.Cached, Step(report, 4).Status);
            Assert.Equal(StepStatus.Failed, Step(report, 5).Status);
            Assert.Equal(3, Step(report, 5).ExitCode);
            Assert.Equal(StepStatus.NotRun, Step(report, 6).Status);
            Assert.Contains("last words", layerfile.Error);
        }
    }

    private static bool IsDisk(string file) =>
        file.EndsWith(".qcow2", StringComparison.Ordinal) ||
        (file.EndsWith(".img", StringComparison.Ordinal) && Path.GetFileName(Path.GetDirectoryName(file)) == "caches");

    private static bool Contains(string file, string text)
    {
        try
        {
            return File.ReadAllText(file).Contains(text, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
