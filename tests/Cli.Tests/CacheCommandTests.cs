using System.Diagnostics;
using Layer.Engine.Cache;
using Layer.Fs.Tracking;

namespace Layer.Cli.Tests;

/// <summary>`layer cache ls` and `layer cache prune` as the real program, on a cache folder of the test's own whose index is damaged.</summary>
public sealed class CacheCommandTests : IDisposable
{
    private static readonly DateTime T = new(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly string[] LayerIds = ["aaa1", "bbb2", "ccc3"];

    private readonly string _cache = Directory.CreateTempSubdirectory("layer-cache-cli-").FullName;

    public CacheCommandTests()
    {
        Directory.CreateDirectory(Layers);
        using (var store = LiteDbCacheStore.Open(IndexPath))
        {
            foreach (var id in LayerIds)
            {
                File.WriteAllText(Path.Combine(Layers, id + ".json"), $$"""{"Id":"{{id}}","ParentId":null,"ImageId":"image","Depth":1,"CreatedUtc":"2026-06-01T00:00:00Z"}""");
                File.WriteAllBytes(Path.Combine(Layers, id + ".qcow2"), new byte[4096]);
                store.Add(Entry(id));
            }
        }

        // The collection page (the file's second) overwritten: every operation meets it.
        var garbage = new byte[8192];
        new Random(1).NextBytes(garbage);
        using var file = new FileStream(IndexPath, FileMode.Open, FileAccess.Write);
        file.Position = 8192;
        file.Write(garbage);
    }

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    private string IndexPath => Path.Combine(_cache, "index.db");

    private string Layers => Path.Combine(_cache, "layers");

    private static CacheEntry Entry(string layer) => new()
    {
        Id = "entry-" + layer,
        Key = "key-" + layer,
        Parent = "image",
        LayerId = layer,
        ReadSet = ReadSetCodec.Encode(ReadSet.Empty),
        Instruction = "RUN make " + layer,
        Layerfile = "Layerfile",
        Line = 2,
        Created = T,
        LastUsed = T,
    };

    [Fact]
    public async Task Listing_a_damaged_index_says_so_in_one_line_moves_it_aside_and_lists_an_empty_cache()
    {
        var (exit, stdout, stderr) = await Layer("cache", "ls");

        Assert.True(exit == 0, stderr);
        var copy = Assert.Single(Directory.GetFiles(_cache, "index.db.damaged-*"));
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("layer: ", line);
        Assert.Contains(copy, line);
        Assert.Contains($"no cached steps in {_cache}", stdout);

        var again = await Layer("cache", "ls");
        Assert.True(again.Exit == 0, again.Stderr);
        Assert.Equal("", again.Stderr);
    }

    [Fact]
    public async Task Pruning_after_a_damaged_index_deletes_the_layers_no_entry_of_the_fresh_index_needs()
    {
        var said = new List<string>();
        using (var store = LiteDbCacheStore.Open(IndexPath, said.Add))
        {
            store.Add(Entry("bbb2"));   // the one step run again since
        }

        Assert.Single(said);
        var (exit, stdout, stderr) = await Layer("cache", "prune");

        Assert.True(exit == 0, stderr);
        Assert.Equal("", stderr);
        Assert.Contains("removed 0 cached steps, 2 layers", stdout);
        Assert.Equal(["bbb2.json", "bbb2.qcow2"], Directory.GetFiles(Layers).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task Pruning_a_damaged_index_says_so_once_and_deletes_every_layer()
    {
        var (exit, stdout, stderr) = await Layer("cache", "prune");

        Assert.True(exit == 0, stderr);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("removed 0 cached steps, 3 layers", stdout);
        Assert.Empty(Directory.GetFiles(Layers));
        // The damaged copy was moved aside for a look; pruning reclaims it too, and says so.
        Assert.Contains("removed 1 damaged index copies", stdout);
        Assert.Empty(Directory.GetFiles(_cache, "index.db.damaged-*"));
    }

    private async Task<(int Exit, string Stdout, string Stderr)> Layer(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["LAYER_CACHE_DIR"] = _cache, ["NO_COLOR"] = "1" },
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "layer.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
