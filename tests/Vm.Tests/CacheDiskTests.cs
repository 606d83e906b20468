using System.Text;
using Layer.Vm.Agent;
using Layer.Vm.Disks;
using Layer.Vm.Host;
using Layer.Vm.Machines;

namespace Layer.Vm.Tests;

/// <summary>Cache disks: one holder at a time, throwaway disks, and (on a real VM) contents that no snapshot holds.</summary>
public sealed class CacheDiskTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "layer-cachedisk-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void A_disk_has_one_holder_at_a_time_and_a_throwaway_one_goes_away_with_its_lease()
    {
        var disks = new CacheDisks(new CacheDirectory(_root));
        using (var first = disks.TryAcquire("abc", "/repo/Layerfile"))
        {
            Assert.NotNull(first);
            Assert.False(first.IsThrowaway);
            Assert.Equal(CacheDisks.Capacity, new FileInfo(first.ImagePath).Length);
            Assert.Null(disks.TryAcquire("abc", "/repo/Layerfile"));
            Assert.False(disks.TryDelete("abc"));

            using var other = disks.Throwaway();
            Assert.True(other.IsThrowaway);
            Assert.True(File.Exists(other.ImagePath));
            Assert.Equal(0, disks.DeleteAbandonedThrowaways());
            other.Dispose();
            Assert.False(File.Exists(other.ImagePath));
        }

        var record = Assert.Single(disks.List());
        Assert.Equal(("abc", "/repo/Layerfile"), (record.Name, record.Owner));
        Assert.InRange(record.Bytes, 1, 256L << 20);   // sparse: the 10 GiB filesystem takes a few MiB
        using (var again = disks.TryAcquire("abc", "/repo/Layerfile")) Assert.NotNull(again);
        Assert.True(disks.TryDelete("abc"));
        Assert.Empty(disks.List());
    }

    [Fact]
    public void A_name_that_is_not_a_plain_identifier_is_refused()
    {
        var disks = new CacheDisks(new CacheDirectory(_root));
        Assert.Throws<ArgumentException>(() => disks.TryAcquire("../x", "o"));
    }
}

/// <summary>The cache disk on real machines: written in one, seen by the next, absent from snapshots.</summary>
[Collection(BusyboxMachineCollection.Name)]
public sealed class CacheDiskMachineTests(BusyboxMachineFixture vm)
{
    private static async Task<(int Exit, string Output)> Sh(Machine machine, string command)
    {
        var output = new StringBuilder();
        var result = await machine.RunAsync(RunSpec.ShellCommand(command), c => output.Append(Encoding.UTF8.GetString(c.Span)), c => output.Append(Encoding.UTF8.GetString(c.Span)));
        return (result.ExitCode, output.ToString());
    }

    private const string Mount =
        "for s in /sys/block/vd*/serial; do [ \"$(cat $s)\" = " + CacheDisks.GuestSerial + " ] && d=${s%/serial} && dev=/dev/${d##*/}; done; " +
        "mkdir -p /mnt/cache && mount -t ext4 -o noinit_itable $dev /mnt/cache";

    [HostFact(Needs.Root, Needs.Libvirt)]
    public async Task What_a_machine_writes_on_its_cache_disk_reaches_the_next_machine_but_no_snapshot()
    {
        var disks = new CacheDisks(vm.Host.Cache);
        var name = Guid.NewGuid().ToString("N");
        var token = Guid.NewGuid().ToString("N");
        try
        {
            string layer;
            using (var lease = disks.TryAcquire(name, "vm test")!)
            {
                using var writer = await vm.Host.BootAsync(BootSource.Image("vm/busybox"), new MachineSpec { MemoryMiB = 512, CacheDiskPath = lease.ImagePath });
                Assert.Equal(0, (await Sh(writer, Mount)).Exit);
                Assert.Equal(0, (await Sh(writer, $"echo {token} > /mnt/cache/kept && echo on-root > /root-file")).Exit);
                layer = await writer.SnapshotAsync();
            }

            // The snapshot holds the root disk only: booted without the cache disk, the mount point is empty.
            using (var restored = await vm.Host.BootAsync(BootSource.Layer(layer), new MachineSpec { MemoryMiB = 512 }))
            {
                Assert.Equal((0, "on-root\n"), await Sh(restored, "cat /root-file"));
                Assert.Equal((0, ""), await Sh(restored, "ls -A /mnt/cache"));
                Assert.Equal(1, (await Sh(restored, "ls /sys/block/vdb")).Exit);
            }

            // The next machine with the disk (after a restore) finds what the first wrote.
            using (var lease = disks.TryAcquire(name, "vm test")!)
            {
                using var reader = await vm.Host.BootAsync(BootSource.Layer(layer), new MachineSpec { MemoryMiB = 512, CacheDiskPath = lease.ImagePath });
                Assert.Equal(0, (await Sh(reader, Mount)).Exit);
                Assert.Equal((0, token + "\n"), await Sh(reader, "cat /mnt/cache/kept"));
            }
        }
        finally
        {
            disks.TryDelete(name);
        }
    }
}
