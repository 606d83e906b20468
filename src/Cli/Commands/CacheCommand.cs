using System.CommandLine;
using System.Globalization;
using Layer.Engine.Cache;
using Layer.Vm.Disks;
using Layer.Vm.Host;
using Layer.Vm.Images;

namespace Layer.Cli.Commands;

/// <summary>`layer cache ls | du | prune`: look at and trim the step cache.</summary>
internal static class CacheCommand
{
    public static Command Create()
    {
        var command = new Command("cache", "Look at and trim the step cache (LAYER_CACHE_DIR, default /var/lib/layer for root).");
        var ls = new Command("ls", "List cached steps, most recently used first: when, where from, and the layer each left; then the CACHE disks.\n" +
                                   "A cached step's last use is written when it is older than an hour (a no-change run writes nothing else).");
        ls.SetAction(_ => List());
        var du = new Command("du", "Disk used by the cache: base images, snapshot layers, CACHE disks, the index.");
        du.SetAction(_ => Usage());
        var keep = new Option<string?>("--keep-size")
        {
            Description = "Keep at most this much of snapshot layers and CACHE disks together (e.g. 20G, 500M): least recently used\n" +
                          "CACHE disks go first, then least recently used steps",
        };
        var prune = new Command(
            "prune",
            "Remove cached steps whose layer is gone, layers no cached step needs, and CACHE disks of Layerfiles that no\n" +
            "longer exist. With --keep-size, also drop least recently used CACHE disks, then least recently used steps,\n" +
            "until layers and disks fit; a layer another kept step is built on is never removed.");
        prune.Options.Add(keep);
        prune.SetAction(result => Prune(result.GetValue(keep)));
        command.Subcommands.Add(ls);
        command.Subcommands.Add(du);
        command.Subcommands.Add(prune);
        return command;
    }

    private static ICacheStore OpenStore(CacheDirectory cache) => LiteDbCacheStore.OpenIn(cache);

    private static int List()
    {
        var cache = CacheDirectory.Default();
        using var store = OpenStore(cache);
        var entries = store.All().OrderByDescending(e => e.LastUsed).ToList();
        if (entries.Count == 0)
        {
            Console.WriteLine($"no cached steps in {cache.Root}");
            ListCacheDisks(cache);
            return 0;
        }

        Console.WriteLine($"{"last used",-19}  {"ran",6}  {"layer",-20}  step");
        foreach (var e in entries)
        {
            var instruction = e.Instruction.ReplaceLineEndings(" ; ");
            if (instruction.Length > 60) instruction = instruction[..57] + "...";
            Console.WriteLine($"{e.LastUsed.ToLocalTime():yyyy-MM-dd HH:mm:ss}  {e.Seconds,5:0.0}s  {e.LayerId,-20}  {e.Layerfile}:{e.Line} {instruction}");
        }

        Console.WriteLine($"{entries.Count} cached steps in {cache.Root}");
        ListCacheDisks(cache);
        return 0;
    }

    /// <summary>The CACHE disks (one per Layerfile with CACHE folders), most recently used first.</summary>
    private static void ListCacheDisks(CacheDirectory cache)
    {
        var disks = new CacheDisks(cache).List();
        if (disks.Count == 0) return;
        Console.WriteLine();
        Console.WriteLine($"{"last used",-19}  {"size",10}  CACHE disk of");
        foreach (var d in disks) Console.WriteLine($"{d.LastUsedUtc.ToLocalTime():yyyy-MM-dd HH:mm:ss}  {ByteSize.Format(d.Bytes),10}  {d.Owner}");
        Console.WriteLine($"{disks.Count} CACHE disks (each up to {ByteSize.Format(CacheDisks.Capacity)}) in {new CacheDisks(cache).Folder}");
    }

    private static int Usage()
    {
        var cache = CacheDirectory.Default();
        long Folder(string path) => Directory.Exists(path) ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;
        var layers = LayerCatalog.List(cache);
        var disks = new CacheDisks(cache).List();
        var rows = new (string Name, long Bytes)[]
        {
            ("base images", Folder(cache.Images)),
            ($"snapshot layers ({layers.Count})", layers.Sum(l => l.Bytes)),
            ($"CACHE disks ({disks.Count})", disks.Sum(d => d.Bytes)),
            ("index", File.Exists(LiteDbCacheStore.PathIn(cache)) ? new FileInfo(LiteDbCacheStore.PathIn(cache)).Length : 0),
        };
        foreach (var (name, bytes) in rows) Console.WriteLine($"{ByteSize.Format(bytes),10}  {name}");
        Console.WriteLine($"{ByteSize.Format(rows.Sum(r => r.Bytes)),10}  total in {cache.Root}");
        return 0;
    }

    private static int Prune(string? keepText)
    {
        long? keep = null;
        if (keepText is not null)
        {
            keep = ParseSize(keepText);
            if (keep is null)
            {
                Console.Error.WriteLine($"layer cache prune: --keep-size {keepText}: expected a size such as 500M, 20G or 1T");
                return 1;
            }
        }

        var cache = CacheDirectory.Default();
        if (LayerCatalog.OtherRunsAlive(cache))
        {
            Console.Error.WriteLine("layer cache prune: a `layer` run is using this cache now; prune when it has finished");
            return 1;
        }

        using var store = OpenStore(cache);
        var entries = store.All();
        var layers = LayerCatalog.List(cache);
        var cacheDisks = new CacheDisks(cache);
        // CACHE disks go first under a limit; the layers get what the kept disks leave.
        var diskPlan = CacheDiskPruner.Plan(cacheDisks.List(), CachePruner.Plan(entries, layers, null).KeptBytes, keep);
        var removedDisks = diskPlan.Deleted.Where(d => cacheDisks.TryDelete(d.Name)).ToList();
        cacheDisks.DeleteAbandonedThrowaways();
        var plan = CachePruner.Plan(entries, layers, keep is null ? null : Math.Max(0, keep.Value - diskPlan.KeptBytes));
        // Entries first: a crash in between leaves layers without entries (pruned next time), never entries without layers.
        store.Remove(plan.RemovedEntries.Select(e => e.Id));
        foreach (var layer in plan.DeletedLayers) LayerCatalog.Delete(cache, layer.Id);
        var images = PruneImages(cache);
        Console.WriteLine($"removed {plan.RemovedEntries.Count} cached steps, {plan.DeletedLayers.Count} layers ({ByteSize.Format(plan.FreedBytes)}) " +
                          $"and {images.Count} old base images ({ByteSize.Format(images.Sum(i => i.Bytes))}); {ByteSize.Format(plan.KeptBytes)} of layers kept");
        Console.WriteLine($"removed {removedDisks.Count} CACHE disks ({ByteSize.Format(removedDisks.Sum(d => d.Bytes))}); {ByteSize.Format(diskPlan.KeptBytes)} of CACHE disks kept");
        var stamps = StatHashCache.PruneGone(Path.Combine(cache.Root, "stathash"));
        Console.WriteLine($"removed {stamps.Count} file-stamp caches of folders that are gone ({ByteSize.Format(stamps.Bytes)})");
        StepClaims.In(cache).RemoveIdle();
        // Damaged indexes were moved aside for a look; what they referenced is gone from the new index anyway.
        var damaged = Directory.GetFiles(cache.Root, "index.db.damaged-*");
        foreach (var file in damaged) File.Delete(file);
        if (damaged.Length > 0) Console.WriteLine($"removed {damaged.Length} damaged index copies (index.db.damaged-*)");
        return 0;
    }

    /// <summary>
    /// Base images no remaining layer was taken on, except the newest build of each name (the one the next
    /// run uses). An image rebuilt after an agent or kernel change leaves the old one behind otherwise.
    /// </summary>
    private static List<(string Name, long Bytes)> PruneImages(CacheDirectory cache)
    {
        var inUse = LayerCatalog.List(cache).Select(l => l.ImageId).ToHashSet(StringComparer.Ordinal);
        var removed = new List<(string, long)>();
        foreach (var group in new ImageStore(cache).List().GroupBy(i => i.Image.Name))
        {
            foreach (var (image, _, bytes) in group.OrderByDescending(i => i.Built).Skip(1))
            {
                if (inUse.Contains(image.Id)) continue;
                Directory.Delete(image.Folder, recursive: true);
                removed.Add((image.Id, bytes));
            }
        }

        return removed;
    }

    internal static long? ParseSize(string text)
    {
        text = text.Trim();
        var unit = text.Length > 0 ? char.ToUpperInvariant(text[^1]) : ' ';
        var factor = unit switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, 'T' => 1L << 40, _ => 1L };
        var number = factor == 1 ? text : text[..^1];
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 ? (long)(value * factor) : null;
    }
}
