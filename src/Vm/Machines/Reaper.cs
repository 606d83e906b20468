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
        ReapAbandonedImageBuilds(cache);
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

            VirtioFsDaemon.KillLeftovers(run.Path);
            foreach (var overlay in run.MarkedOverlays()) layers.DeleteUncommitted(overlay);
            run.Delete();
        }
    }

    /// <summary>images/.building-ID-PID folders whose builder is gone.</summary>
    private static void ReapAbandonedImageBuilds(CacheDirectory cache)
    {
        if (!Directory.Exists(cache.Images)) return;
        foreach (var folder in Directory.GetDirectories(cache.Images, ".building-*"))
        {
            var pidText = folder[(folder.LastIndexOf('-') + 1)..];
            if (int.TryParse(pidText, out var pid) && !Directory.Exists($"/proc/{pid}"))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
