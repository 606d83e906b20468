using Layer.Vm.Agent;
using Layer.Vm.Libvirt;
using Layer.Vm.Machines;

namespace Layer.Vm.Tests;

public sealed class MachineLifecycleTests
{
    [HostFact(Needs.Root, Needs.Libvirt)]
    public async Task A_domain_destroyed_mid_command_is_reported_and_disposing_the_host_leaves_nothing()
    {
        var cache = VmTestCache.Open();
        var host = VmHost.Open(cache: cache);
        var run = host.RunId;
        var runFolder = Path.Combine(cache.Runs, "layer-" + run);
        string overlayFiles;
        try
        {
            var machine = await host.BootAsync(BootSource.Image("vm/busybox"), new MachineSpec { MemoryMiB = 512 });
            overlayFiles = string.Join(",", Directory.GetFiles(Path.Combine(runFolder, "overlays")).Select(Path.GetFileName));
            Assert.NotEmpty(overlayFiles);

            var started = new TaskCompletionSource();
            var running = machine.RunAsync(RunSpec.ShellCommand("echo started; sleep 600"), _ => started.TrySetResult());
            await started.Task.WaitAsync(TimeSpan.FromSeconds(60));

            // Pulled from outside, as an operator or the OOM killer would.
            using (var libvirt = LibvirtConnection.Open(host.LibvirtUri))
            using (var domain = libvirt.Lookup(machine.Name))
            {
                Assert.NotNull(domain);
                Assert.True(domain.Destroy());
            }

            var failure = await Assert.ThrowsAsync<GuestFailedException>(() => running.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(machine.Name, failure.Machine);
            Assert.Contains("stopped while running a command", failure.Message);
            Assert.IsType<AgentDisconnectedException>(failure.InnerException);
            Assert.False(machine.IsRunning);
        }
        finally
        {
            host.Dispose();
        }

        using var check = LibvirtConnection.Open(LibvirtConnection.DefaultUri);
        Assert.DoesNotContain(check.ListDomainNames(activeOnly: true), n => n.StartsWith($"layer-{run}-", StringComparison.Ordinal));
        Assert.False(Directory.Exists(runFolder));
        foreach (var overlay in overlayFiles.Split(','))
        {
            Assert.False(File.Exists(Path.Combine(cache.Layers, overlay + ".qcow2")), $"overlay {overlay} left behind");
        }
    }

    [HostFact(Needs.Root, Needs.Libvirt)]
    public void Opening_a_host_reaps_the_domains_and_overlays_of_a_run_whose_process_is_gone()
    {
        var cache = VmTestCache.Open();
        cache.EnsureCreated();

        var deadRun = "dead" + Guid.NewGuid().ToString("N")[..4];
        // A domain of that run still running (one that was not autodestroyed: an idle BIOS). Started before
        // its run folder exists: a host opened meanwhile by a test running in parallel reaps abandoned runs too,
        // and would kill this domain while it starts.
        var domainName = $"layer-{deadRun}-1";
        using (var libvirt = LibvirtConnection.Open(LibvirtConnection.DefaultUri))
        {
            libvirt.CreateTransient(
                $"<domain type='qemu'><name>{domainName}</name><memory unit='MiB'>32</memory><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>",
                domainName, autodestroy: false).Dispose();
            Assert.Contains(domainName, libvirt.ListDomainNames(activeOnly: true));
        }

        // Then its run folder, as a killed `layer` leaves it: its owner pid is a process that has exited.
        using var exited = System.Diagnostics.Process.Start("true")!;
        exited.WaitForExit();
        // Written aside and moved into place whole, so a parallel reaper never sees half of it.
        var runFolder = Path.Combine(cache.Runs, "layer-" + deadRun);
        var staging = Path.Combine(cache.Root, "staging-" + deadRun);
        Directory.CreateDirectory(Path.Combine(staging, "overlays"));
        File.WriteAllText(Path.Combine(staging, "owner"), $"{exited.Id} 1\n");
        var overlayId = Disks.LayerStore.NewId();
        var overlayPath = Path.Combine(cache.Layers, overlayId + ".qcow2");
        File.WriteAllText(overlayPath, "stand-in for an overlay being written");
        File.WriteAllText(Path.Combine(staging, "overlays", overlayId), "");
        Directory.Move(staging, runFolder);

        using (var host = VmHost.Open(cache: cache))
        {
            Assert.DoesNotContain(domainName, host.RunningDomainNames());
        }

        Assert.False(Directory.Exists(runFolder));
        Assert.False(File.Exists(overlayPath));
    }

    [HostFact(Needs.Root, Needs.Libvirt)]
    public void Machines_die_with_the_connection_that_started_them()
    {
        // What keeps a killed `layer` (no signal handler ran) from leaving machines: the kernel closes its
        // libvirt socket and libvirtd destroys every domain started with AUTODESTROY on it.
        var name = $"layer-autodestroy{Guid.NewGuid().ToString("N")[..6]}-1";
        using var observer = LibvirtConnection.Open(LibvirtConnection.DefaultUri);
        using (var owner = LibvirtConnection.Open(LibvirtConnection.DefaultUri))
        {
            owner.CreateTransient(
                $"<domain type='qemu'><name>{name}</name><memory unit='MiB'>32</memory><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>",
                name).Dispose();
            Assert.Contains(name, observer.ListDomainNames(activeOnly: true));
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (observer.ListDomainNames(activeOnly: true).Contains(name) && DateTime.UtcNow < deadline) Thread.Sleep(100);
        Assert.DoesNotContain(name, observer.ListDomainNames(activeOnly: true));
    }
}
