using Layer.Vm.Agent.Protocol;

namespace Layer.Guest;

/// <summary>
/// Workspace overlays: lower = a folder of the read-only share, upper and work
/// on the guest disk under &lt;state&gt;/overlays/&lt;id&gt;/, so what a step
/// writes lands in the disk snapshot and never on the host. Every overlay
/// mounted is recorded in &lt;state&gt;/overlays.list (one "id TAB lower TAB
/// target" line each); a VM booted from a snapshot has the upper folders but
/// no mounts, and RemountOverlays mounts the recorded ones again.
/// </summary>
internal sealed class OverlayStore(string shareRoot, string stateDir)
{
    private readonly Lock _gate = new();
    private string ListFile => Path.Combine(stateDir, "overlays.list");

    public void Mount(OverlayRecord overlay)
    {
        Validate(overlay);
        lock (_gate)
        {
            var records = Load();
            var existing = records.FirstOrDefault(r => r.Id == overlay.Id);
            if (existing is not null && existing != overlay)
                throw new ArgumentException($"overlay '{overlay.Id}' is already recorded with lower '{existing.Lower}' at {existing.Target}");
            if (records.Any(r => r.Id != overlay.Id && r.Target == overlay.Target))
                throw new ArgumentException($"another overlay is already recorded at {overlay.Target}");
            MountOne(overlay);
            if (existing is null) Save([.. records, overlay]);
        }
    }

    public List<OverlayRecord> RemountAll()
    {
        lock (_gate)
        {
            var records = Load();
            foreach (var record in records) MountOne(record);
            return records;
        }
    }

    /// <summary>Mounts unless the target already carries an overlay (idempotent for Remount after a plain reconnect).</summary>
    private void MountOne(OverlayRecord overlay)
    {
        var target = Path.GetFullPath(overlay.Target);
        if (IsOverlayMounted(target)) return;
        var lower = Path.GetFullPath(Path.Combine(shareRoot, overlay.Lower));
        if (!Directory.Exists(lower))
            throw new SyscallException(Interop.Sys.ENOENT, $"overlay '{overlay.Id}': lower folder {lower} (share path '{overlay.Lower}')");
        var upper = Path.Combine(stateDir, "overlays", overlay.Id, "upper");
        var work = Path.Combine(stateDir, "overlays", overlay.Id, "work");
        Directory.CreateDirectory(upper);
        Directory.CreateDirectory(work);
        Directory.CreateDirectory(target);
        // COPY merges into what the target already holds (Docker's rule): the folder under the mount
        // point becomes the lowest layer, below the share. Mount resolves it before covering it.
        var lowers = Directory.EnumerateFileSystemEntries(target).Any() ? $"{lower}:{target}" : lower;
        SyscallException.Check(
            Interop.Sys.mount("overlay", target, "overlay", 0, $"lowerdir={lowers},upperdir={upper},workdir={work}"),
            $"mount overlay '{overlay.Id}' at {target}");
    }

    private static bool IsOverlayMounted(string target)
    {
        // /proc/self/mountinfo: field 5 is the mount point (octal escapes for
        // space, tab, newline, backslash); the fs type follows the " - " separator.
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            var dash = Array.IndexOf(fields, "-");
            if (fields.Length < 5 || dash < 0 || dash + 1 >= fields.Length) continue;
            if (fields[dash + 1] == "overlay" && Unescape(fields[4]) == target) return true;
        }
        return false;
    }

    private static string Unescape(string field) =>
        field.Replace("\\040", " ").Replace("\\011", "\t").Replace("\\012", "\n").Replace("\\134", "\\");

    private static void Validate(OverlayRecord overlay)
    {
        if (overlay.Id.Length == 0 || overlay.Id[0] == '.' || !overlay.Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw new ArgumentException($"overlay id '{overlay.Id}' must be letters, digits, '-', '_' or '.'");
        if (overlay.Lower.StartsWith('/') || overlay.Lower.Split('/').Contains(".."))
            throw new ArgumentException($"overlay lower '{overlay.Lower}' must be a path inside the share (relative, no '..')");
        if (!overlay.Target.StartsWith('/'))
            throw new ArgumentException($"overlay target '{overlay.Target}' must be an absolute guest path");
        // overlayfs splits its options on ',' and lowerdir on ':'; the list file on tabs and newlines.
        foreach (var path in new[] { overlay.Lower, overlay.Target })
            if (path.IndexOfAny([',', ':', '\t', '\n', '\\']) >= 0)
                throw new ArgumentException($"overlay path '{path}' contains a character overlayfs options cannot carry (, : \\ tab newline)");
    }

    private List<OverlayRecord> Load()
    {
        if (!File.Exists(ListFile)) return [];
        return File.ReadAllLines(ListFile)
            .Where(line => line.Length > 0)
            .Select(line => line.Split('\t'))
            .Select(f => f.Length == 3 ? new OverlayRecord(f[0], f[1], f[2]) : throw new InvalidDataException($"{ListFile}: bad line"))
            .ToList();
    }

    /// <summary>Write-then-rename and fsync, so a snapshot taken right after never holds a half-written list.</summary>
    private void Save(List<OverlayRecord> records)
    {
        Directory.CreateDirectory(stateDir);
        var temp = ListFile + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            var text = string.Concat(records.Select(r => $"{r.Id}\t{r.Lower}\t{r.Target}\n"));
            stream.Write(System.Text.Encoding.UTF8.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, ListFile, overwrite: true);
    }
}
