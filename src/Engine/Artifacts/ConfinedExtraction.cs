using System.Formats.Tar;
using Layer.Fs.Host;

namespace Layer.Engine.Artifacts;

/// <summary>
/// Unpacks a tar stream made in the guest into the Layerfile's artifact folder. The guest is build code (it
/// may replace its own tar), so every entry is hostile: absolute names and names with <c>..</c> are left
/// out; everything is written through <see cref="ConfinedFolder"/>, which follows no link while writing (a
/// link on the way to an entry leaves that entry out, a link at the entry itself is replaced); hard links
/// copy a file already unpacked inside the folder; devices and fifos are left out; set-uid bits are dropped.
/// Links are made after the files and folders, in the archive's order, and the extraction ends with a sweep
/// that removes every link resolving outside the folder on the host (a chain such as <c>a/l1 -> ..</c>,
/// <c>x -> a/l1/a/l1/../../../etc/shadow</c> reads as inside but is not). What was left out is returned as notes.
/// </summary>
internal static class ConfinedExtraction
{
    /// <param name="tar">The archive.</param>
    /// <param name="folder">The Layerfile's artifact folder.</param>
    /// <param name="into">Where entry names start, relative to <paramref name="folder"/> ("" for the folder itself).</param>
    /// <param name="replace">A name under <paramref name="into"/> to remove first (what an earlier run left there).</param>
    /// <returns>Entries written and kept, and notes about those left out.</returns>
    public static (int Entries, List<string> Notes) Extract(Stream tar, ConfinedFolder folder, string into, string? replace = null)
    {
        var notes = new List<string>();
        var links = new Dictionary<string, (string Name, string Target)>(StringComparer.Ordinal);
        var written = 0;
        try
        {
            written = Unpack(tar, folder, into, replace, notes, links);
        }
        finally
        {
            // Whatever stopped the writes (a bad entry, a damaged archive), the links written so far are judged.
            foreach (var removed in folder.RemoveEscapingLinks())
            {
                if (links.Remove(removed.Path, out var link)) notes.Add($"{link.Name}: link to {link.Target} left out (it resolves outside the artifact folder)");
                else notes.Add($"{removed.Path}: link to {removed.Target} removed (it resolved outside its artifact folder once this artifact was unpacked)");
            }
        }

        return (written + links.Count, notes);
    }

    /// <summary>Writes the entries; returns how many files and folders were written, and adds the links made to <paramref name="made"/> (by full path).</summary>
    private static int Unpack(Stream tar, ConfinedFolder folder, string into, string? replace, List<string> notes, Dictionary<string, (string Name, string Target)> made)
    {
        if (replace is not null && Relative(into, replace) is { Length: > 0 } old) folder.Remove(old);
        var written = 0;

        // Links wait until the files and folders are written, so that none is on the way while they are; a
        // later entry at the same path replaces a waiting link, as it would a written one.
        var links = new List<(string Path, string Name, string Target)>();
        var waiting = new HashSet<string>(StringComparer.Ordinal);
        using (var reader = new TarReader(tar))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                var name = entry.Name;
                var path = Relative(into, name);
                if (path is null)
                {
                    notes.Add($"{name}: left out (its name leads outside the artifact folder)");
                    continue;
                }

                if (path.Length == 0) continue; // the folder itself
                if (UnderWaitingLink(waiting, path))
                {
                    notes.Add($"{name}: left out (a symbolic link stands on its way)");
                    continue;
                }

                if (waiting.Remove(path)) links.RemoveAll(l => l.Path == path);
                if (entry.EntryType == TarEntryType.SymbolicLink)
                {
                    links.Add((path, name, entry.LinkName));
                    waiting.Add(path);
                }
                else if (Write(entry, path, into, folder, waiting) is { } note)
                {
                    notes.Add($"{name}: {note}");
                }
                else
                {
                    written++;
                }
            }
        }

        foreach (var link in links)
        {
            if (folder.CreateLink(link.Path, link.Target)) made[folder.Path + "/" + link.Path] = (link.Name, link.Target);
            else notes.Add($"{link.Name}: left out (a symbolic link stands on its way)");
        }

        return written;
    }

    /// <summary>Writes a file, folder or hard link entry; null when written, else why not.</summary>
    private static string? Write(TarEntry entry, string path, string into, ConfinedFolder folder, HashSet<string> waiting)
    {
        const string linkOnTheWay = "left out (a symbolic link stands on its way)";
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                return folder.CreateFolder(path) ? null : linkOnTheWay;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                return folder.WriteFile(path, entry.DataStream ?? Stream.Null, entry.Mode) ? null : linkOnTheWay;
            case TarEntryType.HardLink:
                var source = Relative(into, entry.LinkName);
                using (var copied = source is { Length: > 0 } && !waiting.Contains(source) && !UnderWaitingLink(waiting, source) ? folder.OpenFile(source) : null)
                {
                    if (copied is null) return $"hard link to {entry.LinkName} left out (no such file unpacked inside the artifact)";
                    return folder.WriteFile(path, copied, entry.Mode) ? null : linkOnTheWay;
                }

            default:
                return $"{entry.EntryType} left out (only files, folders and links are copied)";
        }
    }

    /// <summary>The entry's path relative to the folder ("" for the folder itself), or null when it is absolute or has a <c>..</c>.</summary>
    internal static string? Relative(string into, string name)
    {
        if (name.Length == 0 || name.StartsWith('/') || name.Contains('\0')) return null;
        var names = (into + "/" + name).Split('/', StringSplitOptions.RemoveEmptyEntries).Where(n => n != ".").ToList();
        return names.Contains("..") ? null : string.Join('/', names);
    }

    private static bool UnderWaitingLink(HashSet<string> waiting, string path)
    {
        for (var slash = path.IndexOf('/'); slash >= 0; slash = path.IndexOf('/', slash + 1))
        {
            if (waiting.Contains(path[..slash])) return true;
        }

        return false;
    }
}
