using Layer.Engine.Reporting;
using Layer.Engine.Running;

namespace Layer.Engine.Tests.EndToEnd;

/// <summary>CLONE and FROM github/..., on real VMs, against local bare repositories (no network here).</summary>
public sealed class CloneAndGithubTests : IDisposable
{
    private const string CacheRoot = "/var/lib/layer-test";
    private readonly TempRepository _repo = new("layer-e2e-clone-");
    private readonly TempRepository _remote = new("layer-e2e-clone-remote-");
    private readonly TempRepository _upstream = new("layer-e2e-clone-upstream-");
    private readonly string _token = Guid.NewGuid().ToString("N");

    public void Dispose()
    {
        _repo.Dispose();
        _remote.Dispose();
        _upstream.Dispose();
    }

    private async Task<(BuildReport Report, RecordingObserver Observer)> Run(Func<string, string?>? environment = null, bool expectSuccess = true)
    {
        var observer = new RecordingObserver();
        var report = await Builder.RunAsync(new BuildOptions { Path = _repo.Root, CacheDirectory = CacheRoot, HostEnvironment = environment ?? AllowLocalClones }, observer);
        if (expectSuccess)
        {
            Assert.True(report.Succeeded, string.Join("\n", report.Layerfiles.Select(l => l.Error)) + "\n" + observer.AllOutput + "\n" + string.Join("\n", observer.Messages));
        }

        return (report, observer);
    }

    /// <summary>The remotes here are local bare repositories, which a host must allow (GitRemote).</summary>
    private static string? AllowLocalClones(string name) => name == Sources.GitRemote.AllowLocalVariable ? "1" : null;

    /// <summary>Commits files on a branch of the upstream working copy and pushes it to the bare remote.</summary>
    private string Push(string branch, params (string Path, string Text)[] files)
    {
        foreach (var (path, text) in files) _upstream.Write(path, text);
        _upstream.Git("checkout", "-q", "-B", branch);
        _upstream.Git("add", ".");
        _upstream.Git("commit", "-qm", $"{branch}: {string.Join(", ", files.Select(f => f.Path))}");
        _upstream.Git("push", "-q", "--force", _remote.Root, branch);
        return _upstream.Git("rev-parse", "HEAD");
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task Clone_prefers_the_checkouts_branch_falls_back_to_DEFAULT_and_re_runs_only_the_steps_that_read_a_changed_file()
    {
        _remote.Git("init", "-q", "--bare");
        _upstream.Git("init", "-q", "-b", "main");
        Push("main", ("a.txt", "a-main-1\n"), ("b.txt", "b-main-1\n"));

        // The local checkout is on feature-x, which the remote does not have (yet): DEFAULT=main is used.
        _repo.Git("init", "-q", "-b", "feature-x");
        _repo.Write("Layerfile",
            $"FROM vm/busybox\nENV RUN_ID={_token}\nCLONE file://{_remote.Root} DEFAULT=main /app\n" +
            "RUN cat /app/a.txt\n" +
            "RUN cat /app/b.txt\n");
        _repo.Git("add", ".");
        _repo.Git("commit", "-qm", "first");

        var (first, firstObserver) = await Run();
        Assert.All(first.Layerfiles.Single().Steps, s => Assert.Equal(StepStatus.Ran, s.Status));
        Assert.Contains("a-main-1", firstObserver.OutputOf(4));
        Assert.Contains("b-main-1", firstObserver.OutputOf(5));
        Assert.Contains(firstObserver.Messages, m => m.Contains("CLONE file://") && m.Contains("(main at") && m.Contains("DEFAULT"));

        // Nothing moved: every step is cached.
        var (second, _) = await Run();
        Assert.All(second.Layerfiles.Single().Steps, s => Assert.Equal(StepStatus.Cached, s.Status));

        // main moves and changes b.txt only: the step reading a.txt (and the CLONE itself) stay cached.
        Push("main", ("b.txt", "b-main-2\n"));
        var (third, thirdObserver) = await Run();
        Assert.Equal([StepStatus.Cached, StepStatus.Cached, StepStatus.Ran], third.Layerfiles.Single().Steps.Select(s => s.Status));
        Assert.Contains("b.txt changed", third.Layerfiles.Single().Steps[2].Reason);
        Assert.Contains("b-main-2", thirdObserver.OutputOf(5));

        // The remote now has a branch named like the checkout's: it wins over DEFAULT. It differs from main in b.txt only.
        Push("feature-x", ("b.txt", "b-feature\n"));
        var (fourth, fourthObserver) = await Run();
        Assert.Equal([StepStatus.Cached, StepStatus.Cached, StepStatus.Ran], fourth.Layerfiles.Single().Steps.Select(s => s.Status));
        Assert.Contains("b-feature", fourthObserver.OutputOf(5));
        Assert.Contains(fourthObserver.Messages, m => m.Contains("(feature-x at"));

        // `layer shell` on the final snapshot sees the clone as the steps did.
        using var machine = await BuiltMachine.BootAsync(new BuildOptions { Path = _repo.Root, CacheDirectory = CacheRoot, HostEnvironment = AllowLocalClones },
            fourth.Layerfiles.Single().FinalLayer!, new RecordingObserver(), memoryMiB: 512);
        var output = new System.Text.StringBuilder();
        var result = await machine.Machine.RunAsync(Layer.Vm.Agent.RunSpec.ShellCommand("cat /app/b.txt"), c => output.Append(System.Text.Encoding.UTF8.GetString(c.Span)));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("b-feature\n", output.ToString());
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task Clone_of_listed_files_copies_them_and_a_missing_DEFAULT_branch_fails_at_the_CLONE_line()
    {
        _remote.Git("init", "-q", "--bare");
        _upstream.Git("init", "-q", "-b", "trunk");
        Push("trunk", ("docs/guide.md", "guide-1\n"), ("tool.sh", "echo tool-1\n"), ("unrelated.txt", "x\n"));
        _remote.Git("symbolic-ref", "HEAD", "refs/heads/trunk");
        _repo.Git("init", "-q", "-b", "main");
        _repo.Write("Layerfile",
            $"FROM vm/busybox\nENV RUN_ID={_token}\nCLONE file://{_remote.Root} docs tool.sh /opt/x\n" +
            "RUN cat /opt/x/guide.md && sh /opt/x/tool.sh && ! test -e /opt/x/unrelated.txt\n");
        _repo.Git("add", ".");
        _repo.Git("commit", "-qm", "first");

        // No branch main there and no DEFAULT: the remote's HEAD (trunk) is used.
        var (first, observer) = await Run();
        Assert.All(first.Layerfiles.Single().Steps, s => Assert.Equal(StepStatus.Ran, s.Status));
        Assert.Contains("guide-1", observer.OutputOf(4));
        Assert.Contains("tool-1", observer.OutputOf(4));

        // A file the CLONE did not copy changes: nothing re-runs.
        Push("trunk", ("unrelated.txt", "y\n"));
        var (second, _) = await Run();
        Assert.All(second.Layerfiles.Single().Steps, s => Assert.Equal(StepStatus.Cached, s.Status));

        // A CLONE that cannot be resolved fails before anything boots, the steps before it not run.
        _repo.Write("Layerfile", $"FROM vm/busybox\nENV RUN_ID={_token}\nRUN echo before\nCLONE file://{_remote.Root} DEFAULT=nope /app\nRUN true\n");
        var (failed, failedObserver) = await Run(expectSuccess: false);
        var error = failed.Layerfiles.Single().Error!;
        Assert.Contains("Layerfile:4:", error);
        Assert.Contains("no branch 'nope'", error);
        Assert.Contains("trunk", error);
        Assert.Equal([StepStatus.NotRun, StepStatus.Failed, StepStatus.NotRun], failed.Layerfiles.Single().Steps.Select(s => s.Status));
        Assert.Equal("the CLONE at line 4 cannot be fetched", failed.Layerfiles.Single().Steps[0].Reason);
        Assert.DoesNotContain(failedObserver.Messages, m => m.Contains("booting"));

        // Without the host's consent a Layerfile cannot clone a repository from the host's own disk.
        _repo.Write("Layerfile", $"FROM vm/busybox\nENV RUN_ID={_token}\nRUN echo before\nCLONE file://{_remote.Root} /app\nRUN true\n");
        var (refused, refusedObserver) = await Run(_ => null, expectSuccess: false);
        Assert.Contains("Layerfile:4:", refused.Layerfiles.Single().Error);
        Assert.Contains(Sources.GitRemote.AllowLocalVariable, refused.Layerfiles.Single().Error);
        Assert.Equal([StepStatus.NotRun, StepStatus.Failed, StepStatus.NotRun], refused.Layerfiles.Single().Steps.Select(s => s.Status));
        Assert.DoesNotContain(refusedObserver.Messages, m => m.Contains("booting"));
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task From_github_builds_the_pinned_commit_of_a_repository_fetched_from_LAYER_GITHUB_URL()
    {
        var hosting = Directory.CreateTempSubdirectory("layer-e2e-github-");
        try
        {
            var bare = Path.Combine(hosting.FullName, "acme", "base");
            Directory.CreateDirectory(bare);
            _remote.Git("init", "-q", "--bare", bare);
            _upstream.Git("init", "-q", "-b", "main");
            _upstream.Write("files/greeting.txt", "hello-pinned\n");
            _upstream.Write("ci/Layerfile", $"FROM vm/busybox\nENV RUN_ID={_token} FROM_BASE=yes\nCOPY /files /files\nRUN cat /files/greeting.txt > /greeting\n");
            _upstream.Git("add", ".");
            _upstream.Git("commit", "-qm", "base");
            var pinned = _upstream.Git("rev-parse", "HEAD");
            _upstream.Write("files/greeting.txt", "hello-later\n");
            _upstream.Git("commit", "-qam", "later");
            _upstream.Git("push", "-q", bare, "main");

            _repo.Git("init", "-q", "-b", "main");
            _repo.Write("Layerfile", $"FROM github/acme/base/ci@{pinned[..12]}\nRUN cat /greeting && echo base=$FROM_BASE\n");
            string? Environment(string name) => name == "LAYER_GITHUB_URL" ? "file://" + hosting.FullName : null;

            var (first, observer) = await Run(Environment);
            Assert.Equal(2, first.Layerfiles.Count);
            Assert.StartsWith($"github/acme/base@{pinned[..12]}/ci/Layerfile", first.Layerfiles[0].Path);
            Assert.Contains("hello-pinned", observer.OutputOf("Layerfile", 2));
            Assert.Contains("base=yes", observer.OutputOf("Layerfile", 2));

            var (second, _) = await Run(Environment);
            Assert.All(second.Layerfiles.SelectMany(l => l.Steps), s => Assert.Equal(StepStatus.Cached, s.Status));

            // Without a reachable host the message says what failed and which variable to set.
            var error = await Assert.ThrowsAsync<BuildException>(() => Run(name => name == "LAYER_GITHUB_URL" ? "file:///nonexistent-layer-github" : null));
            Assert.Contains("Layerfile:1", error.Message);
            Assert.Contains("LAYER_GITHUB_URL", error.Message);
        }
        finally
        {
            hosting.Delete(recursive: true);
        }
    }
}
