using System.Collections.Concurrent;

namespace Layer.Engine.Sources;

/// <summary>
/// Other repositories, fetched with git into the cache, one checkout per commit:
/// <code>
/// clones/repos/URLKEY.git          a bare mirror of the URL, grown by `git fetch`
/// clones/trees/URLKEY/COMMIT/      the files of that commit (no .git), never changed once renamed in place
/// clones/ids/CLONEID                the url and DEFAULT (one line each) behind a clone id met in read sets and guest records
/// </code>
/// A tree is built in a temporary folder beside its final place and renamed, so a tree that exists is
/// whole. Branch resolution asks the remote (`git ls-remote`) once per URL per build: a moved branch is
/// seen by the next build, and one build uses one commit per branch throughout.
/// </summary>
internal sealed class CloneStore
{
    private readonly ConcurrentDictionary<string, Lazy<RemoteRefs>> _remotes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, object> _repoLocks = new(StringComparer.Ordinal);
    private readonly Lazy<string?> _currentBranch;
    private readonly GitRemote _remotePolicy;

    /// <param name="root">The clones folder of the cache.</param>
    /// <param name="currentBranch">Asked once, when a CLONE is first resolved (finding the trees does not need it).</param>
    /// <param name="remotePolicy">Which URLs git may be handed (every URL is checked again here, whoever checked it before).</param>
    public CloneStore(string root, Func<string?> currentBranch, GitRemote remotePolicy)
    {
        Root = Path.GetFullPath(root);
        _currentBranch = new Lazy<string?>(() => currentBranch() is { Length: > 0 } branch ? branch : null);
        _remotePolicy = remotePolicy;
    }

    /// <summary>Why this host does not let a build clone <paramref name="url"/>, or null when it does.</summary>
    public string? Refusal(string url) => _remotePolicy.Refusal(url);

    public string Root { get; }

    /// <summary>What the guest's clone share serves: every tree, as URLKEY/COMMIT/...</summary>
    public string Trees => Path.Combine(Root, "trees");

    /// <summary>The local branch name (GIT_BRANCH); a CLONE tries the remote branch of that name first.</summary>
    public string? CurrentBranch => _currentBranch.Value;

    public string MirrorPath(string url) => Path.Combine(Root, "repos", CloneSource.UrlKey(url) + ".git");

    public string TreePath(string url, string commit) => Path.Combine(Trees, CloneSource.UrlKey(url), commit);

    /// <summary>The tree path relative to <see cref="Trees"/> (how the clone share names it).</summary>
    public static string TreeInShare(string url, string commit) => CloneSource.UrlKey(url) + "/" + commit;

    /// <summary>
    /// The commit a CLONE uses: the remote branch named like <see cref="CurrentBranch"/> when it exists,
    /// else DEFAULT (which must exist), else what the remote's HEAD points to.
    /// </summary>
    /// <exception cref="CloneException">The remote cannot be read, or DEFAULT names no branch there.</exception>
    public CloneResolution Resolve(CloneSource source)
    {
        var refs = Refs(source.Url);
        if (CurrentBranch is { } current && refs.Branches.TryGetValue(current, out var commit)) return new CloneResolution(source.Url, current, commit);
        if (source.DefaultBranch is { } fallback)
        {
            if (refs.Branches.TryGetValue(fallback, out commit)) return new CloneResolution(source.Url, fallback, commit);
            throw new CloneException($"{source.Url} has no branch '{fallback}' (DEFAULT={fallback}); its branches: {Names(refs)}");
        }

        if (refs.Head is { } head) return new CloneResolution(source.Url, refs.HeadBranch, head);
        throw new CloneException(refs.Branches.Count == 0
            ? $"{source.Url} has no branches (an empty repository?)"
            : $"{source.Url} has {(CurrentBranch is null ? "" : $"no branch '{CurrentBranch}' and ")}no HEAD branch; name one with DEFAULT=branch (its branches: {Names(refs)})");
    }

    /// <summary>A commit given by id (FROM github/...@commit): fetched when missing, expanded to its full id.</summary>
    public CloneResolution Pin(string url, string commit)
    {
        _remotePolicy.Transport(url);
        var mirror = EnsureMirror(url);
        lock (Lock(url))
        {
            var full = FullCommit(mirror, commit);
            if (full is null)
            {
                Fetch(url, mirror, ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"]);
                full = FullCommit(mirror, commit);
            }

            if (full is null)
            {
                // A commit on no branch or tag: servers that allow it hand it out by id.
                try
                {
                    GitCli.Run(null, Transport(url), "--git-dir", mirror, "fetch", "-q", "--", url, commit);
                }
                catch (GitException)
                {
                    // Reported below as a commit that is not there.
                }

                full = FullCommit(mirror, commit);
            }

            return new CloneResolution(url, null, full ?? throw new CloneException($"{url} has no commit {commit} (fetched its branches and tags; check the id)"));
        }
    }

    /// <summary>The checked-out files of a resolved commit, fetched and written on first use.</summary>
    /// <exception cref="CloneException">git failed (the message has the command and git's words).</exception>
    public string Tree(CloneResolution resolution)
    {
        // Also for a tree fetched earlier: the host's policy may have changed since.
        _remotePolicy.Transport(resolution.Url);
        var final = TreePath(resolution.Url, resolution.Commit);
        if (Directory.Exists(final)) return final;
        var mirror = EnsureMirror(resolution.Url);
        lock (Lock(resolution.Url))
        {
            if (Directory.Exists(final)) return final;
            if (FullCommit(mirror, resolution.Commit) is null)
            {
                Fetch(resolution.Url, mirror, resolution.Branch is { } branch
                    ? [$"+refs/heads/{branch}:refs/heads/{branch}"]
                    : ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"]);
                if (FullCommit(mirror, resolution.Commit) is null)
                {
                    throw new CloneException($"fetching {resolution.Url} did not bring commit {resolution.Commit} (the branch moved while fetching? run again)");
                }
            }

            var parent = Path.GetDirectoryName(final)!;
            Directory.CreateDirectory(parent);
            var temporary = Path.Combine(parent, ".tmp-" + Guid.NewGuid().ToString("N"));
            var index = temporary + ".index";
            try
            {
                // Fixed mode: the tree's root is observed like any folder, and the umask must not change it.
                Directory.CreateDirectory(temporary);
                if (OperatingSystem.IsLinux()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                                UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
                // A private index: the mirror's own stays untouched, and checkout-index applies the
                // repository's attributes (eol, filters) as a normal clone would.
                var environment = new Dictionary<string, string> { ["GIT_INDEX_FILE"] = index };
                Git(environment, "--git-dir", mirror, "read-tree", "--end-of-options", resolution.Commit);
                Git(environment, "--git-dir", mirror, "--work-tree", temporary, "checkout-index", "-a", "-f");
                try
                {
                    Directory.Move(temporary, final);
                }
                catch (IOException) when (Directory.Exists(final))
                {
                    // Another build wrote the same tree first; theirs is as good.
                    Directory.Delete(temporary, recursive: true);
                }
            }
            catch
            {
                if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
                throw;
            }
            finally
            {
                File.Delete(index);
            }

            return final;
        }
    }

    /// <summary>Remembers what a clone id stands for, so a read set naming it can be checked by later builds.</summary>
    public void Register(CloneSource source)
    {
        var path = Path.Combine(Root, "ids", source.Id);
        if (File.Exists(path)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + "." + Guid.NewGuid().ToString("N");
        File.WriteAllText(temporary, source.Url + "\n" + source.DefaultBranch + "\n");
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The source registered under <paramref name="id"/>, or null when this cache never saw it.</summary>
    public CloneSource? Find(string id)
    {
        if (id.Length == 0 || !id.All(char.IsAsciiHexDigitLower)) return null;
        try
        {
            var lines = File.ReadAllText(Path.Combine(Root, "ids", id)).Split('\n');
            if (lines.Length < 2 || lines[0].Length == 0) return null;
            var source = new CloneSource(lines[0], lines[1].Length == 0 ? null : lines[1]);
            return source.Id == id ? source : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private RemoteRefs Refs(string url) => _remotes.GetOrAdd(url, u => new Lazy<RemoteRefs>(() => ListRemote(u))).Value;

    /// <summary>GIT_ALLOW_PROTOCOL for a command that reaches <paramref name="url"/>: its own transport only.</summary>
    /// <exception cref="CloneException">This host does not let a build use the URL.</exception>
    private Dictionary<string, string> Transport(string url) => new() { ["GIT_ALLOW_PROTOCOL"] = _remotePolicy.Transport(url) };

    private RemoteRefs ListRemote(string url)
    {
        var transport = Transport(url);
        string output;
        try
        {
            output = GitCli.Run(null, transport, "ls-remote", "--symref", "--", url, "HEAD", "refs/heads/*");
        }
        catch (GitException e)
        {
            throw new CloneException($"cannot read {url}: {e.Message.TrimEnd('.')}. Check the URL, the network, and that git can read it as this user (credentials, ssh keys)");
        }

        return RemoteRefs.Parse(output);
    }

    private string EnsureMirror(string url)
    {
        var mirror = MirrorPath(url);
        lock (Lock(url))
        {
            if (Directory.Exists(mirror)) return mirror;
            var temporary = mirror + ".tmp-" + Guid.NewGuid().ToString("N");
            Directory.CreateDirectory(Path.GetDirectoryName(mirror)!);
            Git(null, "init", "-q", "--bare", temporary);
            try
            {
                Directory.Move(temporary, mirror);
            }
            catch (IOException) when (Directory.Exists(mirror))
            {
                Directory.Delete(temporary, recursive: true);
            }

            return mirror;
        }
    }

    private void Fetch(string url, string mirror, string[] refspecs)
    {
        var transport = Transport(url);
        try
        {
            GitCli.Run(null, transport, ["--git-dir", mirror, "fetch", "-q", "--no-tags", "--", url, .. refspecs]);
        }
        catch (GitException e)
        {
            throw new CloneException($"cannot fetch {url}: {e.Message.TrimEnd('.')}. Check the URL, the network, and that git can read it as this user");
        }
    }

    private static string? FullCommit(string mirror, string commit)
    {
        try
        {
            return GitCli.Run(null, "--git-dir", mirror, "rev-parse", "-q", "--verify", "--end-of-options", commit + "^{commit}").Trim() is { Length: > 0 } full ? full : null;
        }
        catch (GitException)
        {
            return null;
        }
    }

    private static void Git(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        try
        {
            GitCli.Run(null, environment, arguments);
        }
        catch (GitException e)
        {
            throw new CloneException(e.Message);
        }
    }

    private object Lock(string url) => _repoLocks.GetOrAdd(url, _ => new object());

    private static string Names(RemoteRefs refs) => refs.Branches.Count == 0 ? "none" : string.Join(", ", refs.Branches.Keys.Order(StringComparer.Ordinal).Take(10)) + (refs.Branches.Count > 10 ? ", ..." : "");
}

/// <summary>What `git ls-remote --symref URL HEAD refs/heads/*` said: the branches, and where HEAD points.</summary>
internal sealed record RemoteRefs(IReadOnlyDictionary<string, string> Branches, string? Head, string? HeadBranch)
{
    public static RemoteRefs Parse(string output)
    {
        var branches = new Dictionary<string, string>(StringComparer.Ordinal);
        string? head = null, headBranch = null;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var tab = line.IndexOf('\t');
            if (tab < 0) continue;
            var (left, name) = (line[..tab], line[(tab + 1)..]);
            if (left.StartsWith("ref: ", StringComparison.Ordinal))
            {
                if (name == "HEAD" && left["ref: ".Length..].StartsWith("refs/heads/", StringComparison.Ordinal)) headBranch = left["ref: refs/heads/".Length..];
                continue;
            }

            if (name == "HEAD") head = left;
            else if (name.StartsWith("refs/heads/", StringComparison.Ordinal)) branches[name["refs/heads/".Length..]] = left;
        }

        return new RemoteRefs(branches, head, headBranch);
    }
}

/// <summary>A CLONE or FROM github source that cannot be fetched or resolved; the message says what and how to fix it.</summary>
internal sealed class CloneException(string message) : Exception(message);
