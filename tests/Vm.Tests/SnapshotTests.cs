using System.Text;
using Layer.Vm.Agent;
using Layer.Vm.Machines;

namespace Layer.Vm.Tests;

[Collection(BusyboxMachineCollection.Name)]
public sealed class SnapshotTests(BusyboxMachineFixture vm)
{
    private static async Task<(int Exit, string Stdout)> Sh(Machine machine, string command)
    {
        var stdout = new StringBuilder();
        var result = await machine.RunAsync(RunSpec.ShellCommand(command), chunk => stdout.Append(Encoding.UTF8.GetString(chunk.Span)));
        return (result.ExitCode, stdout.ToString());
    }

    [HostFact(Needs.Root, Needs.Libvirt)]
    public async Task A_restored_machine_sees_what_was_written_before_the_snapshot_and_nothing_after()
    {
        var token = Guid.NewGuid().ToString("N");
        Assert.Equal(0, (await Sh(vm.Machine, $"mkdir -p /data && echo {token} > /data/marker")).Exit);
        await vm.Machine.CallAsync(agent => agent.MountOverlayAsync(new OverlayMount("snap", ".", "/snap")), "mounting an overlay");
        Assert.Equal(0, (await Sh(vm.Machine, "echo generated > /snap/generated.txt")).Exit);

        var layer = await vm.Machine.SnapshotAsync();

        Assert.True(Layer.Vm.Disks.LayerCatalog.Exists(vm.Host.Cache, layer));
        Assert.Equal(layer, vm.Machine.ParentLayerId);
        Assert.Equal(0, (await Sh(vm.Machine, "echo later > /data/marker && touch /data/later")).Exit);
        Assert.Equal((0, "later\n"), await Sh(vm.Machine, "cat /data/marker"));

        using var restored = await vm.Host.BootAsync(BootSource.Layer(layer), new MachineSpec { MemoryMiB = 512, WorkspaceFolder = vm.Workspace });
        Assert.Equal(layer, restored.ParentLayerId);
        Assert.Equal((0, token + "\n"), await Sh(restored, "cat /data/marker"));
        Assert.Equal((1, ""), await Sh(restored, "test -e /data/later"));
        // The workspace overlay is back: the lower from the share, the upper from the snapshot.
        Assert.Equal((0, "hello from the host\ngenerated\n"), await Sh(restored, "cat /snap/hello.txt /snap/generated.txt"));
        Assert.False(File.Exists(Path.Combine(vm.Workspace, "generated.txt")));

        // The original goes on: a second snapshot is a child of the first.
        var second = await vm.Machine.SnapshotAsync();
        Assert.NotEqual(layer, second);
        Assert.Equal(second, vm.Machine.ParentLayerId);
        Assert.Equal((0, "later\n"), await Sh(vm.Machine, "cat /data/marker"));
    }

    [HostFact(Needs.Root, Needs.Libvirt)]
    public async Task A_machine_boots_on_a_layer_deeper_than_the_flattening_depth_and_sees_every_generation()
    {
        // Build a chain past LayerStore.MaxDepth on a machine of its own, one file per generation.
        using var deep = await vm.Host.BootAsync(BootSource.Image("vm/busybox"), new MachineSpec { MemoryMiB = 512 });
        string last = "";
        for (var generation = 0; generation <= Layer.Vm.Disks.LayerStore.MaxDepth; generation++)
        {
            Assert.Equal(0, (await Sh(deep, $"mkdir -p /gen && echo {generation} > /gen/{generation}")).Exit);
            last = await deep.SnapshotAsync();
        }

        // Booting the deepest layer goes through a flattened copy; every generation's file is there.
        using var restored = await vm.Host.BootAsync(BootSource.Layer(last), new MachineSpec { MemoryMiB = 512 });
        var expected = string.Concat(Enumerable.Range(0, Layer.Vm.Disks.LayerStore.MaxDepth + 1).Select(g => $"{g}\n"));
        Assert.Equal((0, expected), await Sh(restored, $"for g in $(seq 0 {Layer.Vm.Disks.LayerStore.MaxDepth}); do cat /gen/$g; done"));
        Assert.NotEqual(last, restored.ParentLayerId);
    }
}
