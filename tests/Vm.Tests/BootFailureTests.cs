using Layer.Vm.Images;
using Layer.Vm.Machines;

namespace Layer.Vm.Tests;

public sealed class BootFailureTests
{
    [HostFact(Needs.Root, Needs.Libvirt)]
    public async Task A_guest_that_dies_while_booting_is_reported_with_its_console_lines()
    {
        // An image built without the agent boots through our init, which then finds no /layer/agent
        // and powers the machine off: the host must notice and quote the console.
        var cache = VmTestCache.Open();
        var withoutAgent = new ImageStore(cache, agentBinary: () => null);
        Assert.False(withoutAgent.Ensure("vm/busybox").HasAgent);
        using var host = VmHost.Open(null, cache, withoutAgent, progress: null);

        var failure = await Assert.ThrowsAsync<GuestFailedException>(() =>
            host.BootAsync(BootSource.Image("vm/busybox"), new MachineSpec { BootTimeout = TimeSpan.FromMinutes(2) }));

        Assert.Contains(failure.ConsoleTail, l => l.Contains("layer-init: root disk mounted"));
        Assert.Contains(failure.ConsoleTail, l => l.Contains("has no /layer/agent"));
        Assert.Contains("stopped while booting", failure.Message);
        Assert.DoesNotContain(host.RunningDomainNames(), n => n.StartsWith($"layer-{host.RunId}-"));
    }
}
