using System.Text;

namespace Layer.Engine.Cache;

/// <summary>
/// Which cache disk a Layerfile's CACHE folders live on: one per Layerfile of one repository checkout
/// (a SPLIT copy, reported as <c>Layerfile#split=N</c>, has its own, so copies running at once never
/// wait for each other). The repository's path is part of the name: two projects that both have a
/// Layerfile at their root must not share node_modules or compiler caches.
/// </summary>
public static class CacheDiskNames
{
    /// <param name="repositoryRoot">The repository the Layerfile belongs to.</param>
    /// <param name="layerfile">Its path relative to the repository, as reports show it (with <c>#split=N</c> for a copy).</param>
    public static string Of(string repositoryRoot, string layerfile)
    {
        var text = Path.GetFullPath(repositoryRoot).TrimEnd('/') + "\0" + layerfile;
        return Convert.ToHexStringLower(Blake3.Hasher.Hash(Encoding.UTF8.GetBytes(text)).AsSpan()[..16]);
    }

    /// <summary>What <c>layer cache ls</c> shows as the disk's owner: the Layerfile's full path (and split copy).</summary>
    public static string Owner(string repositoryRoot, string layerfile) => Path.Join(Path.GetFullPath(repositoryRoot), layerfile);

    /// <summary>Whether the Layerfile an owner text names is gone (its disk is then only taking space).</summary>
    public static bool OwnerIsGone(string owner)
    {
        var hash = owner.IndexOf('#');
        var path = hash < 0 ? owner : owner[..hash];
        return path.Length > 0 && Path.IsPathRooted(path) && !File.Exists(path);
    }
}
