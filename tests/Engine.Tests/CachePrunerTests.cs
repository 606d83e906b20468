using Layer.Engine.Cache;
using Layer.Vm.Disks;

namespace Layer.Engine.Tests;

public sealed class CachePrunerTests
{
    private static readonly DateTime T = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    private static LayerRecord Layer(string id, string? parent, long bytes, string? flattenedFrom = null) =>
        new(id, parent, "image", bytes, T, flattenedFrom);

    private static CacheEntry Entry(string id, string layer, int hoursAgo) =>
        CacheStoreContract.Entry(id, "k-" + id, T.AddHours(-hoursAgo), layer);

    // a <- b <- c (a chain), d on its own.
    private static readonly LayerRecord[] Layers = [Layer("a", null, 100), Layer("b", "a", 10), Layer("c", "b", 1), Layer("d", null, 50)];

    [Fact]
    public void Without_a_size_every_entry_with_its_layer_stays_and_orphans_go()
    {
        var plan = CachePruner.Plan([Entry("e1", "c", 1), Entry("gone", "zzz", 0)], Layers, keepBytes: null);
        Assert.Equal(["gone"], plan.RemovedEntries.Select(e => e.Id));
        Assert.Equal(["d"], plan.DeletedLayers.Select(l => l.Id));
        Assert.Equal(111, plan.KeptBytes);
    }

    [Fact]
    public void Least_recently_used_entries_go_first_and_kept_ones_keep_their_whole_chain()
    {
        var entries = new[] { Entry("old", "d", 10), Entry("new", "c", 1), Entry("middle", "b", 5) };
        var plan = CachePruner.Plan(entries, Layers, keepBytes: 120);
        Assert.Equal(["old"], plan.RemovedEntries.Select(e => e.Id));
        Assert.Equal(["d"], plan.DeletedLayers.Select(l => l.Id));
        Assert.Equal(111, plan.KeptBytes);
    }

    [Fact]
    public void A_parent_layer_is_never_deleted_under_a_kept_child_even_if_its_own_entry_goes()
    {
        var entries = new[] { Entry("child", "c", 1), Entry("parent", "a", 9) };
        var plan = CachePruner.Plan(entries, Layers, keepBytes: 111);
        Assert.Empty(plan.RemovedEntries);
        Assert.DoesNotContain(plan.DeletedLayers, l => l.Id == "a");
    }

    [Fact]
    public void A_flattened_copy_is_kept_with_the_deep_layer_it_stands_in_for()
    {
        LayerRecord[] layers = [.. Layers, Layer("flat", null, 120, flattenedFrom: "c")];
        var plan = CachePruner.Plan([Entry("e", "c", 1)], layers, keepBytes: null);
        Assert.DoesNotContain(plan.DeletedLayers, l => l.Id == "flat");
    }
}

public sealed class CacheDiskPrunerTests
{
    private static readonly DateTime T = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    private static CacheDiskRecord Disk(string name, long bytes, int hoursAgo, string owner = "?") => new(name, owner, bytes, T.AddHours(-hoursAgo));

    [Fact]
    public void Without_a_size_only_disks_of_vanished_layerfiles_go()
    {
        var disks = new[] { Disk("kept", 10, 1), Disk("orphan", 10, 0, owner: "/nonexistent-" + Guid.NewGuid().ToString("N") + "/Layerfile") };
        var plan = CacheDiskPruner.Plan(disks, layerBytes: 1000, keepBytes: null);
        Assert.Equal(["orphan"], plan.Deleted.Select(d => d.Name));
        Assert.Equal(10, plan.KeptBytes);
    }

    [Fact]
    public void Under_a_size_disks_go_least_recently_used_first_until_layers_and_disks_fit()
    {
        var disks = new[] { Disk("new", 30, 1), Disk("old", 30, 9), Disk("middle", 30, 5) };
        Assert.Equal(["old"], CacheDiskPruner.Plan(disks, layerBytes: 40, keepBytes: 100).Deleted.Select(d => d.Name));
        Assert.Equal(["old", "middle"], CacheDiskPruner.Plan(disks, layerBytes: 40, keepBytes: 70).Deleted.Select(d => d.Name));
        // Layers alone past the limit: every disk goes (the layers are then pruned with what is left).
        var all = CacheDiskPruner.Plan(disks, layerBytes: 500, keepBytes: 100);
        Assert.Equal(3, all.Deleted.Count);
        Assert.Equal(0, all.KeptBytes);
        Assert.Empty(CacheDiskPruner.Plan(disks, layerBytes: 0, keepBytes: 90).Deleted);
    }
}
