namespace Layer.Engine.Sources;

/// <summary>
/// Which git transport a repository URL uses, and whether this host lets a build use it. A CLONE's URL
/// comes from a Layerfile, that is from whoever opened the pull request, and git runs as root next to the
/// CI host's secrets and other checkouts:
/// <list type="bullet">
/// <item>network transports (https, http, ssh, git) are allowed: they are what CLONE is for, with the
/// host's credentials as documented;</item>
/// <item>a local path or file:// URL would hand the guest any repository on the host (another team's
/// checkout, the cache's own mirrors), so it is allowed only under the folder LAYER_GITHUB_URL names (the
/// operator's own mirror) or anywhere when the operator sets LAYER_ALLOW_LOCAL_CLONES=1;</item>
/// <item>everything else is refused, remote helpers first (<c>ext::CMD</c> runs CMD).</item>
/// </list>
/// Git is told the same: every git command runs with GIT_ALLOW_PROTOCOL set to the one transport its URL
/// uses, so a redirect or a config rewrite cannot switch to another.
/// </summary>
internal sealed class GitRemote
{
    public const string AllowLocalVariable = "LAYER_ALLOW_LOCAL_CLONES";

    private static readonly string[] NetworkSchemes = ["https", "http", "ssh", "git"];

    private readonly IReadOnlyList<string>? _localRoots;

    /// <param name="localRoots">Folders local repositories may be in; null: anywhere.</param>
    private GitRemote(IReadOnlyList<string>? localRoots) => _localRoots = localRoots;

    /// <summary>The policy the host's environment sets (LAYER_ALLOW_LOCAL_CLONES, LAYER_GITHUB_URL).</summary>
    public static GitRemote FromEnvironment(Func<string, string?> environment)
    {
        if (environment(AllowLocalVariable) is "1" or "true" or "yes") return new GitRemote(null);
        var roots = new List<string>();
        if (environment(GitHubSource.BaseUrlVariable) is { Length: > 0 } github && LocalPath(github.Trim()) is { } folder) roots.Add(folder);
        return new GitRemote(roots);
    }

    /// <summary>The transport git must be limited to for <paramref name="url"/> (https, http, ssh, git or file).</summary>
    /// <exception cref="CloneException">This host does not let a build use that URL; the message says why and what to do.</exception>
    public string Transport(string url)
    {
        if (Refusal(url) is { } why) throw new CloneException($"{url}: {why}");
        return Classify(url).Transport;
    }

    /// <summary>Why a build on this host may not use <paramref name="url"/>, or null when it may.</summary>
    public string? Refusal(string url)
    {
        var (transport, problem) = Classify(url);
        if (problem is not null) return problem;
        if (transport != "file") return null;
        var path = LocalPath(url)!;
        if (_localRoots is null || _localRoots.Any(root => path == root || path.StartsWith(root + "/", StringComparison.Ordinal))) return null;
        return $"a repository on this host's own disk; a Layerfile may clone only over the network (https://, ssh://, git://), " +
               $"unless the host's operator sets {AllowLocalVariable}=1 (only where every Layerfile built here is trusted)";
    }

    /// <summary>git's own reading of a repository argument (see git's url.c and connect.c).</summary>
    private static (string Transport, string? Problem) Classify(string url)
    {
        if (url.Length == 0) return ("", "an empty repository URL");
        if (url.StartsWith('-')) return ("", "starts with '-', which git would take as an option");
        if (url.Any(char.IsControl)) return ("", "holds a control character");
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var helper = url.IndexOf("::", StringComparison.Ordinal);
        if (helper > 0 && (scheme < 0 || helper < scheme)) return ("", $"uses git's remote-helper syntax ({url[..helper]}::), which can run commands on the host");
        if (scheme > 0)
        {
            var name = url[..scheme].ToLowerInvariant();
            if (name is "git+ssh" or "ssh+git") name = "ssh";
            if (name == "file") return ("file", null);
            if (!NetworkSchemes.Contains(name)) return ("", $"uses the transport '{url[..scheme]}'; CLONE takes https://, http://, ssh://, git:// or user@host:path");
            var authority = url[(scheme + 3)..];
            var end = authority.IndexOf('/');
            if (end >= 0) authority = authority[..end];
            // git refuses these itself (CVE-2017-1000117); a second wall costs nothing.
            if (authority.Split('@').Any(part => part.StartsWith('-'))) return ("", "names a host or user starting with '-', which ssh would take as an option");
            return (name, null);
        }

        // scp-like user@host:path: a colon before the first slash (git's rule for "ssh" over a local path).
        var colon = url.IndexOf(':');
        var slash = url.IndexOf('/');
        if (colon > 0 && (slash < 0 || colon < slash))
        {
            if (url[..colon].Split('@').Any(part => part.Length == 0 || part.StartsWith('-'))) return ("", "names a host or user starting with '-' (or none), which ssh would take as an option");
            return ("ssh", null);
        }

        return ("file", null);
    }

    /// <summary>The full host path a local URL or path names, or null when it is not local.</summary>
    private static string? LocalPath(string url)
    {
        if (url.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = url["file://".Length..];
            // file://host/path: only the local host is served by git's file transport.
            if (rest.StartsWith("localhost/", StringComparison.OrdinalIgnoreCase)) rest = rest["localhost".Length..];
            return rest.StartsWith('/') ? Path.TrimEndingDirectorySeparator(Path.GetFullPath(Uri.UnescapeDataString(rest))) : null;
        }

        var (transport, _) = Classify(url);
        return transport == "file" && !url.Contains("://", StringComparison.Ordinal) ? Path.TrimEndingDirectorySeparator(Path.GetFullPath(url)) : null;
    }
}
