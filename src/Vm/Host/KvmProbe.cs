using System.Diagnostics;
using Layer.Vm.Domains;
using Layer.Vm.Images;
using Layer.Vm.Libvirt;
using Layer.Vm.Machines;

namespace Layer.Vm.Host;

/// <summary>
/// Decides the libvirt domain type. /dev/kvm existing is not enough: under nested virtualization KVM may
/// be present yet hang or abort the guest (as on these CI machines). So the first time, a tiny guest (our
/// kernel and initramfs, no disk) is booted with type kvm and must print "layer-init: probe ok" within
/// a few seconds; otherwise TCG ("qemu") it is. The answer is cached in <c>$LAYER_CACHE_DIR/domain-type</c>.
/// </summary>
internal static class KvmProbe
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public static string DomainType(LibvirtConnection connection, CacheDirectory cache, Func<BaseImage> probeImage, RunDirectory run)
    {
        if (!File.Exists("/dev/kvm")) return "qemu";
        var cached = Path.Combine(cache.Root, "domain-type");
        if (File.Exists(cached))
        {
            var answer = File.ReadAllText(cached).Trim();
            if (answer is "kvm" or "qemu") return answer;
        }

        var type = KvmRunsGuest(connection, probeImage(), run) ? "kvm" : "qemu";
        File.WriteAllText(cached, type + "\n");
        return type;
    }

    private static bool KvmRunsGuest(LibvirtConnection connection, BaseImage image, RunDirectory run)
    {
        var name = run.DomainPrefix + "kvm-probe";
        var console = Path.Combine(run.Path, "kvm-probe-console.log");
        var xml = DomainXml.Build(new DomainSpec
        {
            Name = name,
            DomainType = "kvm",
            MemoryMiB = 256,
            VCpus = 1,
            KernelPath = image.KernelPath,
            InitrdPath = image.InitrdPath,
            KernelCommandLine = "console=ttyS0 loglevel=4 panic=-1 layer.probe",
            DiskPath = null,
            AgentSocketPath = Path.Combine(run.Path, "kvm-probe.sock"),
            ConsoleLogPath = console,
        });
        LibvirtDomain domain;
        try
        {
            domain = connection.CreateTransient(xml, name);
        }
        catch (LibvirtException)
        {
            return false;
        }

        using (domain)
        {
            var log = new Machines.ConsoleLog(console);
            var clock = Stopwatch.StartNew();
            try
            {
                while (clock.Elapsed < Patience)
                {
                    if (log.ReadAll().Contains("layer-init: probe ok", StringComparison.Ordinal)) return true;
                    if (!domain.IsActive) return false;
                    Thread.Sleep(100);
                }

                return false;
            }
            finally
            {
                domain.Destroy();
            }
        }
    }
}
