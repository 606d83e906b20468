using Layer.Vm.Disks;
using Layer.Vm.Host;
using Layer.Vm.Libvirt;

namespace Layer.Vm.Machines;

/// <summary>
/// Cleans up after `layer` processes that were killed: their domains (normally already autodestroyed by
/// libvirt when the connection dropped), the overlays they were writing and their run folders.
/// </summary>
internal static class Reaper
{
    public static void ReapAbandonedRuns(LibvirtConnection connection, CacheDirectory cache)
    {
        var abandoned = RunDirectory.Abandoned(cache).ToList();
        if (abandoned.Count == 0) return;
        var running = connection.ListDomainNames(activeOnly: true);
        var layers = new LayerStore(cache);
        foreach (var run in abandoned)
        {
            foreach (var name in running.Where(n => n.StartsWith(run.DomainPrefix, StringComparison.Ordinal)))
            {
                using var domain = connection.Lookup(name);
                domain?.Destroy();
            }

            foreach (var overlay in run.MarkedOverlays()) layers.DeleteUncommitted(overlay);
            run.Delete();
        }
    }
}
