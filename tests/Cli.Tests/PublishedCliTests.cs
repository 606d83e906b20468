using System.Text.Json;

namespace Layer.Cli.Tests;

/// <summary>
/// The program users run: `./layer` publishes the CLI with NativeAOT, where reflection the compiler could
/// not see fails only at run time. The other CLI tests run the JIT build; these run the published binary
/// through the paths that serialise JSON, read and write the LiteDB index, mount FUSE and boot a VM.
/// </summary>
public sealed class PublishedCliTests : IDisposable
{
    /// <summary>Shared with the Vm and Engine tests: images and the published agent are built once per machine.</summary>
    private const string CacheRoot = "/var/lib/layer-test";

    private readonly string _repo = Directory.CreateTempSubdirectory("layer-aot-").FullName;

    public void Dispose() => Directory.Delete(_repo, recursive: true);

    [Fact]
    public async Task Parse_json_covers_every_instruction_type()
    {
        var layerfile = Path.Combine(_repo, "Layerfile");
        File.WriteAllText(layerfile, """
            FROM vm/busybox
            MEMORY 2G
            ENV A=1 B="two words"
            BUILD ENV MODE
            SECRET ENV TOKEN
            WORKDIR /app
            USER root
            LABEL team=core
            COPY a.txt /app/
            CLONE https://example.com/r.git DEFAULT=main /src
            RUN echo hi
            RUN BACKGROUND sleep 100
            RUN REPEATABLE make
            CACHE /root/.cache
            CHECKPOINT
            SKIP REMAINING IF MODE=fast AND A!=2
            SPLIT 2
            WAIT /other
            EXPOSE WEBSITE http://localhost:8080 /api
            EXPOSE TCP 5432
            BUTTON deploy?
            ARTIFACT PUBLIC /app/out
            SETUP FILE setup.sh
            """);

        var (exit, stdout, stderr) = await Layer("parse", "--json", layerfile);
        Assert.True(exit == 0, stderr);
        using var tree = JsonDocument.Parse(stdout);
        var instructions = tree.RootElement.GetProperty("instructions").EnumerateArray().ToList();
        Assert.Equal(23, instructions.Count);
        Assert.All(instructions, i => Assert.Equal(JsonValueKind.Object, i.GetProperty("arguments").ValueKind));
        var from = instructions[0].GetProperty("arguments").GetProperty("target");
        Assert.Equal("baseImage", from.GetProperty("kind").GetString());
        var skip = instructions.Single(i => i.GetProperty("kind").GetString() == "SKIP REMAINING IF");
        Assert.Equal(2, skip.GetProperty("arguments").GetProperty("conditions").GetArrayLength());
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task Run_report_cache_and_shell_work_in_the_published_binary()
    {
        var id = Guid.NewGuid().ToString("N");
        File.WriteAllText(Path.Combine(_repo, "a.txt"), "alpha\n");
        File.WriteAllText(Path.Combine(_repo, "Layerfile"), $"FROM vm/busybox\nENV RUN_ID={id}\nCOPY . /app\nRUN cat /app/a.txt > /seen\n");
        var report = Path.Combine(_repo, "report.json");

        var first = await Layer("run", _repo, "--report", report);
        Assert.True(first.Exit == 0, first.Stdout + first.Stderr);
        Assert.Equal(["ran", "ran"], Statuses(report));

        var second = await Layer("run", _repo, "--report", report);
        Assert.True(second.Exit == 0, second.Stdout + second.Stderr);
        Assert.Equal(["cached", "cached"], Statuses(report));
        using (var json = JsonDocument.Parse(File.ReadAllText(report)))
        {
            var reads = json.RootElement.GetProperty("layerfiles")[0].GetProperty("steps")[1].GetProperty("reads").EnumerateArray().Select(r => r.GetString());
            Assert.Contains("a.txt", reads);
        }

        File.WriteAllText(Path.Combine(_repo, "a.txt"), "beta\n");
        var third = await Layer("run", _repo, "--report", report);
        Assert.True(third.Exit == 0, third.Stdout + third.Stderr);
        Assert.Equal(["cached", "ran"], Statuses(report));
        Assert.Contains("a.txt changed", third.Stdout);

        var shell = await Layer("shell", _repo, "-c", "cat /seen");
        Assert.True(shell.Exit == 0, shell.Stderr);
        Assert.Equal("beta\n", shell.Stdout);

        var list = await Layer("cache", "ls");
        Assert.True(list.Exit == 0, list.Stderr);
        Assert.Contains("RUN cat /app/a.txt > /seen", list.Stdout);
        var usage = await Layer("cache", "du");
        Assert.True(usage.Exit == 0, usage.Stderr);
    }

    [HostFact(Needs.Root, Needs.Fuse)]
    public async Task Trace_json_in_the_published_binary()
    {
        File.WriteAllText(Path.Combine(_repo, "a.txt"), "alpha\n");
        var (exit, stdout, stderr) = await Layer("trace", "--root", _repo, "--json", "--", "cat", "a.txt");
        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var content = json.RootElement.GetProperty("observations").EnumerateArray()
            .Single(o => o.GetProperty("path").GetString() == "a.txt");
        Assert.Equal("content", content.GetProperty("kind").GetString());
    }

    private static List<string?> Statuses(string report)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        return json.RootElement.GetProperty("layerfiles")[0].GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("status").GetString()).ToList();
    }

    private Task<(int Exit, string Stdout, string Stderr)> Layer(params string[] args) => PublishedCli.Run(_repo, CacheRoot, args);
}
