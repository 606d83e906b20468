using System.Security.Cryptography;
using Layer.Vm.Host;

namespace Layer.Vm.Machines;

/// <summary>
/// <c>runs/layer-RUN/</c>: everything one `layer` process owns. <c>owner</c> holds its pid and start time
/// (so a recycled pid is not mistaken for it), <c>N-agent.sock</c> and <c>N-console.log</c> belong to the
/// machine named <c>layer-RUN-N</c>, and <c>overlays/ID</c> marks each overlay a machine of this run writes.
/// </summary>
internal sealed class RunDirectory
{
    private const string OwnerFile = "owner";
    private const string OverlayMarkers = "overlays";

    private RunDirectory(string runId, string path)
    {
        RunId = runId;
        Path = path;
    }

    /// <summary>8 hex digits; domain names are <c>layer-RUN-N</c>.</summary>
    public string RunId { get; }

    public string Path { get; }

    public string DomainPrefix => $"layer-{RunId}-";

    public static RunDirectory Create(CacheDirectory cache)
    {
        cache.EnsureCreated();
        var runId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var path = System.IO.Path.Combine(cache.Runs, "layer-" + runId);
        Directory.CreateDirectory(System.IO.Path.Combine(path, OverlayMarkers));
        CloseToOthers(path);
        File.WriteAllText(System.IO.Path.Combine(path, OwnerFile), $"{Environment.ProcessId} {StartTime(Environment.ProcessId)}\n");
        return new RunDirectory(runId, path);
    }

    /// <summary>
    /// root:QEMU's group, 0750. QEMU reaches its sockets and the workspace mirror mounted here; nobody
    /// else does. The mirror serves files QEMU could not read on the host, and it lets the kernel cache
    /// lookups within a step only when no other user can reach its mountpoint. Without a known QEMU
    /// group (or not root), the folder stays open as the rest of the cache is.
    /// </summary>
    private static void CloseToOthers(string path)
    {
        if (Interop.Libc.geteuid() == 0 && QemuAccount.Find() is { } qemu && Interop.Libc.chown(path, 0, qemu.Gid) == 0)
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                       UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
            return;
        }

        File.SetUnixFileMode(path, CacheDirectory.ReachableByQemu);
    }

    /// <summary>Every run folder in the cache whose owning process is gone.</summary>
    public static IEnumerable<RunDirectory> Abandoned(CacheDirectory cache)
    {
        if (!Directory.Exists(cache.Runs)) yield break;
        foreach (var path in Directory.GetDirectories(cache.Runs, "layer-*"))
        {
            var run = new RunDirectory(System.IO.Path.GetFileName(path)["layer-".Length..], path);
            if (!run.OwnerIsAlive()) yield return run;
        }
    }

    public string AgentSocket(int machine) => System.IO.Path.Combine(Path, $"{machine}-agent.sock");

    public string ConsoleLog(int machine) => System.IO.Path.Combine(Path, $"{machine}-console.log");

    public string VirtioFsSocket(int machine, string tag) => System.IO.Path.Combine(Path, $"{machine}-virtiofsd-{tag}.sock");

    public string VirtioFsLog(int machine, string tag) => System.IO.Path.Combine(Path, $"{machine}-virtiofsd-{tag}.log");

    public string VirtioFsPid(int machine, string tag) => System.IO.Path.Combine(Path, $"{machine}-virtiofsd-{tag}.pid");

    public void MarkOverlay(string layerId) => File.WriteAllText(System.IO.Path.Combine(Path, OverlayMarkers, layerId), "");

    public void UnmarkOverlay(string layerId) => File.Delete(System.IO.Path.Combine(Path, OverlayMarkers, layerId));

    public IReadOnlyList<string> MarkedOverlays() =>
        Directory.Exists(System.IO.Path.Combine(Path, OverlayMarkers))
            ? Directory.GetFiles(System.IO.Path.Combine(Path, OverlayMarkers)).Select(System.IO.Path.GetFileName).OfType<string>().ToList()
            : [];

    public void Delete()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }

    private bool OwnerIsAlive()
    {
        try
        {
            var words = File.ReadAllText(System.IO.Path.Combine(Path, OwnerFile)).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (words.Length != 2 || !int.TryParse(words[0], out var pid)) return false;
            return StartTime(pid) == words[1];
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Field 22 of /proc/PID/stat (start time in clock ticks since boot), or "" when no such process.</summary>
    private static string StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may contain spaces: count from the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[19];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
