using System.Formats.Tar;

namespace Layer.Engine.Artifacts;

/// <summary>
/// Unpacks a tar stream made in the guest into a host folder without ever writing outside it. The guest
/// is build code, so every name is checked: absolute names and names that climb out with <c>..</c> are
/// refused; nothing is written through a symbolic link (an existing link on the way to a target refuses
/// that entry, an existing link at the target is replaced, not followed); a link entry is kept only when
/// it points inside the folder; hard links copy a file already unpacked inside the folder; devices and
/// fifos are left out. What was left out is returned as notes.
/// </summary>
internal static class ConfinedExtraction
{
    /// <param name="tar">The archive.</param>
    /// <param name="root">The folder nothing may leave (the Layerfile's artifact folder); created when missing.</param>
    /// <param name="into">Where entry names start, relative to <paramref name="root"/> ("" for the root itself).</param>
    /// <param name="replace">A name under <paramref name="into"/> to remove first (what an earlier run left there).</param>
    /// <returns>Entries written and notes about those left out.</returns>
    public static (int Entries, List<string> Notes) Extract(Stream tar, string root, string into, string? replace = null)
    {
        var rootFull = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        Directory.CreateDirectory(rootFull);
        var notes = new List<string>();
        if (replace is not null && Inside(rootFull, into, replace) is { } old && old != rootFull && ParentsAreFolders(rootFull, old)) Clear(old);
        var written = 0;
        using var reader = new TarReader(tar);
        while (reader.GetNextEntry() is { } entry)
        {
            var name = entry.Name;
            var destination = Inside(rootFull, into, name);
            if (destination is null || destination == rootFull)
            {
                if (destination is null) notes.Add($"{name}: left out (its name leads outside the artifact folder)");
                continue;
            }

            if (!ParentsAreFolders(rootFull, destination))
            {
                notes.Add($"{name}: left out (a symbolic link stands on its way)");
                continue;
            }

            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    if (IsLink(destination)) File.Delete(destination);
                    else if (File.Exists(destination)) File.Delete(destination);
                    Directory.CreateDirectory(destination);
                    written++;
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    Clear(destination);
                    using (var file = new FileStream(destination, FileMode.CreateNew, FileAccess.Write))
                    {
                        entry.DataStream?.CopyTo(file);
                    }

                    if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(destination, Mode(entry));
                    written++;
                    break;
                case TarEntryType.SymbolicLink:
                    var target = entry.LinkName;
                    var resolved = Path.IsPathRooted(target) ? null : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(destination)!, target));
                    if (resolved is null || !Within(rootFull, resolved))
                    {
                        notes.Add($"{name}: link to {target} left out (it points outside the artifact)");
                        continue;
                    }

                    Clear(destination);
                    File.CreateSymbolicLink(destination, target);
                    written++;
                    break;
                case TarEntryType.HardLink:
                    var source = Inside(rootFull, into, entry.LinkName);
                    if (source is null || !ParentsAreFolders(rootFull, source) || IsLink(source) || !File.Exists(source))
                    {
                        notes.Add($"{name}: hard link to {entry.LinkName} left out (no such file unpacked inside the artifact)");
                        continue;
                    }

                    Clear(destination);
                    File.Copy(source, destination);
                    written++;
                    break;
                default:
                    notes.Add($"{name}: {entry.EntryType} left out (only files, folders and links are copied)");
                    break;
            }
        }

        return (written, notes);
    }

    /// <summary>The full host path of an entry name, or null when it is absolute or climbs out of the root.</summary>
    internal static string? Inside(string rootFull, string into, string name)
    {
        if (name.Length == 0 || name.StartsWith('/') || name.Contains('\0')) return null;
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Combine(rootFull, into, name)));
        return Within(rootFull, full) ? full : null;
    }

    internal static bool Within(string rootFull, string full) =>
        full == rootFull || full.StartsWith(rootFull + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>Every existing folder from the root down to the target's parent is a real folder, not a link.</summary>
    private static bool ParentsAreFolders(string rootFull, string destination)
    {
        var relative = Path.GetRelativePath(rootFull, Path.GetDirectoryName(destination)!);
        if (relative == ".") return true;
        var current = rootFull;
        foreach (var part in relative.Split(Path.DirectorySeparatorChar))
        {
            current = Path.Combine(current, part);
            if (IsLink(current)) return false;
            if (File.Exists(current)) File.Delete(current); // a file where a folder must be: the new archive wins
            if (!Directory.Exists(current)) Directory.CreateDirectory(current);
        }

        return true;
    }

    /// <summary>Removes what sits at the target (a link itself, never what it points to).</summary>
    internal static void Clear(string path)
    {
        if (IsLink(path) || File.Exists(path)) File.Delete(path);
        else if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
    }

    /// <summary>readlink(2) succeeds: a link, dangling or not (nothing is followed).</summary>
    internal static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    /// <summary>The permission bits only: no set-uid, set-gid or sticky bit comes out of the guest.</summary>
    private static UnixFileMode Mode(TarEntry entry) => entry.Mode & (UnixFileMode)0x1FF;
}
