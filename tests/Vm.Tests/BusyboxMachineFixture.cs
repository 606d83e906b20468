using Layer.Vm.Libvirt;
using Layer.Vm.Machines;

namespace Layer.Vm.Tests;

/// <summary>
/// One vm/busybox machine shared by the tests that only run commands in it (TCG boots take seconds), with
/// a workspace folder shared over 9p. The folder lives under the test cache in /var/lib, which the QEMU
/// user can read. Disposing checks through libvirt that no domain of the run is left.
/// </summary>
public sealed class BusyboxMachineFixture : IAsyncLifetime
{
    public VmHost Host { get; private set; } = null!;

    public Machine Machine { get; private set; } = null!;

    public string Workspace { get; } = Path.Combine(VmTestCache.Root, "workspaces", Guid.NewGuid().ToString("N")[..8]);

    private readonly DateTime _started = DateTime.UtcNow;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(Workspace, "src"));
        foreach (var folder in new[] { Path.GetDirectoryName(Workspace)!, Workspace, Path.Combine(Workspace, "src") })
        {
            File.SetUnixFileMode(folder, (UnixFileMode)0x1ED /* 0755 */);
        }

        File.WriteAllText(Path.Combine(Workspace, "hello.txt"), "hello from the host\n");
        File.WriteAllText(Path.Combine(Workspace, "src", "main.c"), "int main(void) { return 0; }\n");
        Host = VmHost.Open(cache: VmTestCache.Open());
        Machine = await Host.BootAsync(BootSource.Image("vm/busybox"), new MachineSpec { MemoryMiB = 512, WorkspaceFolder = Workspace });
    }

    public Task DisposeAsync()
    {
        var run = Host.RunId;
        Host.Dispose();
        Directory.Delete(Workspace, recursive: true);

        // Layers snapshotted by these tests are of no use to later runs (the cache lives across runs).
        foreach (var file in Directory.GetFiles(VmTestCache.Open().Layers).Where(f => File.GetCreationTimeUtc(f) >= _started))
        {
            File.Delete(file);
        }
        using var libvirt = LibvirtConnection.Open(LibvirtConnection.DefaultUri);
        var left = libvirt.ListDomainNames(activeOnly: true).Where(n => n.StartsWith($"layer-{run}-", StringComparison.Ordinal)).ToList();
        return left.Count == 0 ? Task.CompletedTask : throw new InvalidOperationException("domains left running: " + string.Join(", ", left));
    }
}

[CollectionDefinition(Name)]
public sealed class BusyboxMachineCollection : ICollectionFixture<BusyboxMachineFixture>
{
    public const string Name = "busybox machine";
}
