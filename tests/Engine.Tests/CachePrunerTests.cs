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
