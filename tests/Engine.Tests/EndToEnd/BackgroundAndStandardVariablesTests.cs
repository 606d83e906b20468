using Layer.Engine.Reporting;
using Layer.Engine.Running;

namespace Layer.Engine.Tests.EndToEnd;

/// <summary>RUN BACKGROUND (also after a restore) and the standard git variables, on real VMs.</summary>
public sealed class BackgroundAndStandardVariablesTests : IDisposable
{
    private const string CacheRoot = "/var/lib/layer-test";
    private readonly TempRepository _repo = new("layer-e2e-bg-");
    private readonly string _token = Guid.NewGuid().ToString("N");

    public void Dispose() => _repo.Dispose();

    private void Write(string path, string text) => _repo.Write(path, text);

    private string Git(params string[] arguments) => _repo.Git(arguments);

    private async Task<(BuildReport Report, RecordingObserver Observer)> Run()
    {
        var observer = new RecordingObserver();
        var report = await Builder.RunAsync(new BuildOptions { Path = _repo.Root, CacheDirectory = CacheRoot, HostEnvironment = _ => null }, observer);
        Assert.True(report.Succeeded, string.Join("\n", report.Layerfiles.Select(l => l.Error)) + "\n" + observer.AllOutput + "\n" + string.Join("\n", observer.Messages));
        return (report, observer);
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task A_background_server_answers_later_steps_also_after_a_restore_and_git_variables_reach_runs_without_keys()
    {
        Git("init", "-q", "-b", "main");
        Write("Layerfile",
            $"FROM vm/busybox\nENV RUN_ID={_token}\nCOPY . /src\n" +
            "RUN mkdir -p /www && echo hello-from-background > /www/index.html\n" +
            "RUN BACKGROUND httpd -f -p 8080 -h /www\n" +
            "RUN cat /src/later.txt && echo \"branch=$GIT_BRANCH commit=$GIT_COMMIT\" && " +
            "for i in $(seq 30); do wget -qO- http://127.0.0.1:8080/index.html && exit 0; sleep 1; done; exit 1\n");
        Write("later.txt", "one\n");
        Git("add", ".");
        Git("commit", "-qm", "first");

        var (first, firstObserver) = await Run();
        Assert.All(first.Layerfiles.Single().Steps, s => Assert.Equal(StepStatus.Ran, s.Status));
        var output = firstObserver.OutputOf(6);
        Assert.Contains("hello-from-background", output);
        Assert.Contains($"branch=main commit={Git("rev-parse", "HEAD")}", output);

        // A new commit changes GIT_COMMIT but no key; the edit re-runs only the step that reads later.txt, on
        // the snapshot taken after the background step, so the server must have been started again.
        Write("later.txt", "two\n");
        Git("commit", "-qam", "second");
        var (second, secondObserver) = await Run();
        Assert.Equal([StepStatus.Cached, StepStatus.Cached, StepStatus.Cached, StepStatus.Ran], second.Layerfiles.Single().Steps.Select(s => s.Status));
        Assert.Equal("later.txt changed", second.Layerfiles.Single().Steps[3].Reason);
        var again = secondObserver.OutputOf(6);
        Assert.Contains("hello-from-background", again);
        Assert.Contains($"commit={Git("rev-parse", "HEAD")}", again);
        Assert.Contains(secondObserver.Messages, m => m.Contains("starting again the background command(s) of line(s) 5"));
    }
}
