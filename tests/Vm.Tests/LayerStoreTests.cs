using System.Diagnostics;
using Layer.Vm.Disks;
using Layer.Vm.Host;

namespace Layer.Vm.Tests;

/// <summary>Layer chains with real qcow2 files made offline by qemu-img / qemu-io (no VM).</summary>
public sealed class LayerStoreTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("layer-layers-");

    public void Dispose() => _root.Delete(recursive: true);

    private static string Tool(string name, params string[] arguments)
    {
        var info = new ProcessStartInfo(name, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{name} {string.Join(' ', arguments)}: {output}");
        return output;
    }

    [Fact]
    public void A_chain_past_the_depth_limit_boots_from_a_flattened_copy_and_every_id_stays_valid()
    {
        var cache = new CacheDirectory(_root.FullName);
        cache.EnsureCreated();
        var store = new LayerStore(cache);
        var basePath = Path.Combine(_root.FullName, "base.qcow2");
        Tool("qemu-img", "create", "-q", "-f", "qcow2", basePath, "4M");
        Tool("qemu-io", "-c", "write -P 0x11 0 64k", basePath);

        var backing = basePath;
        string? parent = null;
        LayerInfo? top = null;
        for (var depth = 1; depth <= LayerStore.MaxDepth; depth++)
        {
            var id = store.CreateOverlay(backing);
            // Each layer writes its own 64 KiB block, so the flat copy must gather every one.
            Tool("qemu-io", "-c", $"write -P {depth} {depth * 65536} 64k", store.PathOf(id));
            top = store.Commit(id, parent, "image-x", depth);
            parent = id;
            backing = store.PathOf(id);
        }

        Assert.Equal(top, store.Find(top!.Id));
        var middle = store.Find(store.Find(top.Id)!.ParentId!)!;
        Assert.Equal(middle, store.Bootable(middle));

        var flat = store.Bootable(top);

        Assert.NotEqual(top.Id, flat.Id);
        Assert.Equal(0, flat.Depth);
        Assert.Equal(top.Id, flat.FlattenedFrom);
        Assert.DoesNotContain("backing file", Tool("qemu-img", "info", store.PathOf(flat.Id)));
        Tool("qemu-io", "-r", "-c", "read -P 0x11 0 64k", store.PathOf(flat.Id));
        Tool("qemu-io", "-r", "-c", $"read -P 1 65536 64k", store.PathOf(flat.Id));
        Tool("qemu-io", "-r", "-c", $"read -P {LayerStore.MaxDepth} {LayerStore.MaxDepth * 65536} 64k", store.PathOf(flat.Id));
        Assert.Equal(flat.Id, store.Bootable(top).Id);
        Assert.NotNull(store.Find(top.Id));
        Assert.True(File.Exists(store.PathOf(top.Id)));
    }

    [Fact]
    public void Only_committed_layers_are_found_and_only_uncommitted_overlays_are_deleted()
    {
        var cache = new CacheDirectory(_root.FullName);
        var store = new LayerStore(cache);
        var basePath = Path.Combine(_root.FullName, "base.qcow2");
        Tool("qemu-img", "create", "-q", "-f", "qcow2", basePath, "1M");
        var committed = store.CreateOverlay(basePath);
        store.Commit(committed, null, "image-x", 1);
        var pending = store.CreateOverlay(basePath);

        Assert.NotNull(store.Find(committed));
        Assert.Null(store.Find(pending));
        Assert.Null(store.Find("../../etc/passwd"));
        store.DeleteUncommitted(committed);
        store.DeleteUncommitted(pending);
        Assert.True(File.Exists(store.PathOf(committed)));
        Assert.False(File.Exists(store.PathOf(pending)));
    }
}
