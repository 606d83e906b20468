using Layer.Engine.Reporting;
using Layer.Engine.Running;

namespace Layer.Engine.Tests.EndToEnd;

/// <summary>ARTIFACT, BUTTON and EXPOSE on real VMs (busybox guests), each test on Layerfiles no earlier run has seen.</summary>
public sealed class ArtifactButtonExposeTests : IDisposable
{
    private const string CacheRoot = "/var/lib/layer-test";
    private readonly TempRepository _repo = new("layer-e2e-abe-");
    private readonly DirectoryInfo _host = Directory.CreateTempSubdirectory("layer-e2e-abe-host-");
    private readonly string _token = Guid.NewGuid().ToString("N");

    public void Dispose()
    {
        _repo.Dispose();
        _host.Delete(recursive: true);
    }

    private string Artifacts => Path.Combine(_host.FullName, "artifacts");

    private async Task<(BuildReport Report, RecordingObserver Observer)> Run(Func<BuildOptions, BuildOptions>? tweak = null)
    {
        var observer = new RecordingObserver();
        var options = new BuildOptions { Path = _repo.Root, CacheDirectory = CacheRoot, HostEnvironment = _ => null, ArtifactsDirectory = Artifacts };
        var report = await Builder.RunAsync(tweak is null ? options : tweak(options), observer);
        return (report, observer);
    }

    private static string Why(BuildReport report, RecordingObserver observer) =>
        string.Join("\n", report.Layerfiles.Select(l => l.Error)) + "\n" + observer.AllOutput + "\n" + string.Join("\n", observer.Messages);

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task Artifacts_come_out_to_the_host_also_when_every_step_was_cached_and_nothing_escapes_the_folder()
    {
        // A folder on the host that guest links point at: it must stay empty.
        var outside = Path.Combine(_host.FullName, "outside");
        Directory.CreateDirectory(outside);
        _repo.Write("Layerfile",
            $"FROM vm/busybox\nENV RUN_ID={_token}\nWORKDIR /build\n" +
            "RUN mkdir -p out/sub && echo report-$RUN_ID > out/report.txt && echo deep > out/sub/deep.txt && echo single > one.txt && " +
            $"ln -s sub/deep.txt out/inner-link && ln -s /etc out/etc-link && ln -s {outside} out/escape && mkdir -p {outside} && echo planted > {outside}/planted\n" +
            "ARTIFACT one.txt out\nARTIFACT /nowhere out/escape/planted\n");
        var folder = Path.Combine(Artifacts, _repo.Name);

        var (first, observer) = await Run();
        Assert.True(first.Succeeded, Why(first, observer));
        Check(first.Layerfiles.Single());

        // Everything cached: the final snapshot is booted to fetch them again.
        Directory.Delete(Artifacts, recursive: true);
        var (second, secondObserver) = await Run();
        Assert.True(second.Succeeded, Why(second, secondObserver));
        Assert.All(second.Layerfiles.Single().Steps, s => Assert.Equal(StepStatus.Cached, s.Status));
        Assert.Contains(secondObserver.Messages, m => m.Contains("every step was cached; booting its final snapshot to copy its artifacts"));
        Check(second.Layerfiles.Single());

        void Check(LayerfileReport layerfile)
        {
            var artifacts = layerfile.Artifacts!;
            Assert.Equal(["/build/one.txt", "/build/out", "/nowhere", "/build/out/escape/planted"], artifacts.Select(a => a.Guest));
            Assert.Equal(["copied", "copied", "missing", "copied"], artifacts.Select(a => a.Status));
            Assert.Equal(Path.Combine(folder, "build", "one.txt"), artifacts[0].Host);
            Assert.Equal("single\n", File.ReadAllText(Path.Combine(folder, "build/one.txt")));
            Assert.Equal($"report-{_token}\n", File.ReadAllText(Path.Combine(folder, "build/out/report.txt")));
            Assert.Equal("deep\n", File.ReadAllText(Path.Combine(folder, "build/out/sub/deep.txt")));
            Assert.Equal("sub/deep.txt", new FileInfo(Path.Combine(folder, "build/out/inner-link")).LinkTarget);
            Assert.False(Path.Exists(Path.Combine(folder, "build/out/etc-link")));
            Assert.Contains(artifacts[1].Notes, n => n.Contains("etc-link") && n.Contains("outside"));
            Assert.Contains(artifacts[1].Notes, n => n.Contains("escape") && n.Contains("outside"));
            // The guest's file behind its link came out as a plain file inside the folder, never through a link.
            Assert.Null(new FileInfo(Path.Combine(folder, "build/out/escape")).LinkTarget);
            Assert.Equal("planted\n", File.ReadAllText(Path.Combine(folder, "build/out/escape/planted")));
            Assert.Empty(Directory.GetFileSystemEntries(outside));
        }
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task A_chain_of_links_made_in_the_guest_that_climbs_out_on_the_host_is_left_out()
    {
        // a/l1 -> .. is out itself: the chain's text stays inside out, but on the host it climbs to / (enough
        // ".." for the host folder's depth) and would hand a CI uploading the artifacts /etc/shadow.
        var folder = Path.Combine(Artifacts, _repo.Name);
        var depth = Path.Combine(folder, "build/out").Split('/', StringSplitOptions.RemoveEmptyEntries).Length;
        var chain = string.Concat(Enumerable.Repeat("a/l1/", depth)) + string.Concat(Enumerable.Repeat("../", depth)) + "etc/shadow";
        _repo.Write("Layerfile",
            $"FROM vm/busybox\nENV RUN_ID={_token}\nWORKDIR /build\n" +
            "RUN mkdir -p out/a out/node_modules/typescript/bin out/node_modules/.bin && ln -s .. out/a/l1 && " +
            $"ln -s {chain} out/chain && echo tsc-$RUN_ID > out/node_modules/typescript/bin/tsc && ln -s ../typescript/bin/tsc out/node_modules/.bin/tsc\n" +
            "ARTIFACT out\n");

        var (report, observer) = await Run();
        Assert.True(report.Succeeded, Why(report, observer));
        var artifact = report.Layerfiles.Single().Artifacts!.Single();
        Assert.Equal("copied", artifact.Status);
        Assert.Contains(artifact.Notes, n => n.Contains("chain: link to " + chain) && n.Contains("outside"));
        Assert.False(Path.Exists(Path.Combine(folder, "build/out/chain")) || new FileInfo(Path.Combine(folder, "build/out/chain")).LinkTarget is not null);
        Assert.Equal("..", new FileInfo(Path.Combine(folder, "build/out/a/l1")).LinkTarget);
        Assert.Equal($"tsc-{_token}\n", File.ReadAllText(Path.Combine(folder, "build/out/node_modules/.bin/tsc")));
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task A_failed_layerfile_still_hands_over_what_its_guest_has()
    {
        _repo.Write("Layerfile", $"FROM vm/busybox\nENV RUN_ID={_token}\nARTIFACT /logs\nRUN mkdir /logs && echo partial-$RUN_ID > /logs/test.log && exit 3\n");
        var (report, observer) = await Run();
        var layerfile = report.Layerfiles.Single();
        Assert.Equal("failed", layerfile.Status);
        Assert.Equal("copied", layerfile.Artifacts!.Single().Status);
        var log = Path.Combine(Artifacts, _repo.Name, "logs/test.log");
        Assert.True(File.Exists(log), Why(report, observer));
        Assert.Equal($"partial-{_token}\n", File.ReadAllText(log));
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task A_button_stops_as_waiting_without_approval_and_asks_every_run_without_booting_to_stop()
    {
        _repo.Write("Layerfile", $"FROM vm/busybox\nENV RUN_ID={_token}\nRUN echo before\nBUTTON ship it?\nRUN echo after-$RUN_ID\n");

        var (waiting, observer) = await Run();
        var layerfile = waiting.Layerfiles.Single();
        Assert.Equal("waiting", layerfile.Status);
        Assert.True(waiting.Waiting);
        Assert.Contains("ship it?", layerfile.WaitingFor);
        Assert.Contains("--approve", layerfile.Error);
        Assert.Equal([StepStatus.Ran, StepStatus.NotRun], layerfile.Steps.Select(s => s.Status));
        Assert.Equal("waiting at the BUTTON of line 4", layerfile.Steps[1].Reason);
        Assert.DoesNotContain("after-", observer.AllOutput);

        // Someone at a terminal says yes: the rest runs.
        var asked = new List<ButtonQuestion>();
        var (approved, approvedObserver) = await Run(o => o with
        {
            Ask = (question, _) =>
            {
                asked.Add(question);
                return Task.FromResult(true);
            },
        });
        Assert.True(approved.Succeeded, Why(approved, approvedObserver));
        Assert.Equal([new ButtonQuestion("Layerfile", 4, "ship it?")], asked);
        Assert.Equal([StepStatus.Cached, StepStatus.Ran], approved.Layerfiles.Single().Steps.Select(s => s.Status));
        Assert.Contains($"after-{_token}", approvedObserver.OutputOf(5));

        // Everything is cached now, yet an unapproved run still stops, and boots nothing to do so.
        var (again, againObserver) = await Run();
        Assert.Equal("waiting", again.Layerfiles.Single().Status);
        Assert.Equal([StepStatus.Cached, StepStatus.NotRun], again.Layerfiles.Single().Steps.Select(s => s.Status));
        Assert.DoesNotContain(againObserver.Messages, m => m.Contains("booting"));

        var (declined, _) = await Run(o => o with { Ask = (_, _) => Task.FromResult(false) });
        Assert.Equal("waiting", declined.Layerfiles.Single().Status);
        Assert.Contains("not approved", declined.Layerfiles.Single().Error);

        var (flag, flagObserver) = await Run(o => o with { Approve = true });
        Assert.True(flag.Succeeded, Why(flag, flagObserver));
        Assert.Equal([StepStatus.Cached, StepStatus.Cached], flag.Layerfiles.Single().Steps.Select(s => s.Status));
        Assert.DoesNotContain(flagObserver.Messages, m => m.Contains("booting"));
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task Exposed_websites_and_tcp_ports_answer_from_the_host_also_when_every_step_was_cached()
    {
        // The third website serves a CACHE folder: the serving machine mounts it as the steps had it.
        _repo.Write("Layerfile",
            $"FROM vm/busybox\nENV RUN_ID={_token}\nCACHE /cached\n" +
            "RUN mkdir -p /www /www2/other && echo hello-$RUN_ID > /www/index.html && echo other-$RUN_ID > /www2/other/page.html\n" +
            "RUN echo cached-$RUN_ID > /cached/page.html\n" +
            "RUN BACKGROUND httpd -f -p 8080 -h /www\n" +
            "RUN BACKGROUND httpd -f -p 8081 -h /www2\n" +
            "RUN BACKGROUND httpd -f -p 8082 -h /cached\n" +
            "EXPOSE WEBSITE localhost:8080 /app /\n" +
            "EXPOSE WEBSITE http://localhost:8081 /other\n" +
            "EXPOSE WEBSITE http://localhost:8082 /cache /\n" +
            "EXPOSE TCP 8080\n");

        foreach (var round in new[] { "ran", "cached" })
        {
            var answers = new List<string>();
            var (report, observer) = await Run(o => o with
            {
                WhileServing = async (endpoints, cancellationToken) =>
                {
                    var app = endpoints.Single(e => e.Path == "/app");
                    var other = endpoints.Single(e => e.Path == "/other");
                    var cached = endpoints.Single(e => e.Path == "/cache");
                    var tcp = endpoints.Single(e => e.Kind == "tcp");
                    Assert.Equal(app.HostPort, other.HostPort); // one router for both websites
                    answers.Add(await Get(app.Url + "index.html", cancellationToken));
                    answers.Add(await Get(other.Url + "page.html", cancellationToken));
                    answers.Add(await Get(cached.Url + "page.html", cancellationToken));
                    answers.Add(await Get($"http://{tcp.Url}/index.html", cancellationToken));
                },
            });
            Assert.True(report.Succeeded, round + "\n" + Why(report, observer) + "\n" + string.Join("\n", answers));
            Assert.Equal([$"hello-{_token}\n", $"other-{_token}\n", $"cached-{_token}\n", $"hello-{_token}\n"], answers);
            Assert.Equal(4, report.Layerfiles.Single().Exposed!.Count);
            if (round == "cached")
            {
                Assert.All(report.Layerfiles.Single().Steps, s => Assert.Equal(StepStatus.Cached, s.Status));
                Assert.Contains(observer.Messages, m => m.Contains("booting its final snapshot to serve what it exposes"));
            }
        }
    }

    /// <summary>GET with retries: the guest's servers start a moment after the machine is up.</summary>
    private static async Task<string> Get(string url, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var last = "";
        for (var attempt = 0; attempt < 60; attempt++)
        {
            try
            {
                using var response = await http.GetAsync(url, cancellationToken);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}";
                if (response.IsSuccessStatusCode) return await response.Content.ReadAsStringAsync(cancellationToken);
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }

            await Task.Delay(1000, cancellationToken);
        }

        return $"{url}: no answer ({last})";
    }
}
