namespace Layer.Parser;

/// <summary>
/// Finds Layerfiles under a folder, as webapp.io does: every file named <c>Layerfile</c> (case-sensitive),
/// skipping <c>.git</c>, <c>node_modules</c> and what gitignore rules ignore (see <see cref="GitIgnore"/>
/// for the supported subset). Folder links are not followed, so a link cycle cannot trap the walk.
/// </summary>
public static class LayerfileDiscovery
{
    /// <summary>
    /// Paths relative to <paramref name="root"/>, with '/' separators, in ordinal order.
    /// <paramref name="isLayerfile"/> decides by file name (default: exactly <c>Layerfile</c>).
    /// </summary>
    public static IReadOnlyList<string> Find(string root, Func<string, bool>? isLayerfile = null)
    {
        isLayerfile ??= name => name == "Layerfile";
        var found = new List<string>();
        var ignore = GitIgnore.Empty.With(Path.Combine(root, ".git", "info", "exclude"), "");
        Walk(root, "", ignore, isLayerfile, found);
        found.Sort(StringComparer.Ordinal);
        return found;
    }

    /// <summary>The repository root of <paramref name="path"/>: the nearest folder at or above it holding <c>.git</c>, else the folder itself.</summary>
    public static string FindRepositoryRoot(string path)
    {
        var start = Path.GetFullPath(Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git"))) return dir.FullName;
        }

        return start;
    }

    private static void Walk(string folder, string relative, GitIgnore ignore, Func<string, bool> isLayerfile, List<string> found)
    {
        ignore = ignore.With(Path.Combine(folder, ".gitignore"), relative);
        IEnumerable<FileSystemInfo> entries;
        try
        {
            entries = new DirectoryInfo(folder).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return; // an unreadable folder holds nothing we can build
        }

        foreach (var entry in entries)
        {
            var path = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
            if (entry is DirectoryInfo directory)
            {
                if (entry.Name is ".git" or "node_modules" || directory.LinkTarget is not null || ignore.IsIgnored(path, isFolder: true)) continue;
                Walk(entry.FullName, path, ignore, isLayerfile, found);
            }
            else if (isLayerfile(entry.Name) && !ignore.IsIgnored(path, isFolder: false))
            {
                found.Add(path);
            }
        }
    }
}
