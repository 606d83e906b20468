using Layer.Engine.Planning;
using Layer.Engine.Sources;
using Layer.Fs.Tracking;
using Layer.Parser;

namespace Layer.Engine.Tests;

/// <summary>CLONE and FROM github/... without a VM: reference parsing, cache paths, branch choice, trees, read-set mapping.</summary>
public sealed class CloneSourcesTests : IDisposable
{
    private readonly DirectoryInfo _cache = Directory.CreateTempSubdirectory("layer-clones-");
    private readonly TempRepository _remote = new("layer-clone-remote-");
    private readonly TempRepository _upstream = new("layer-clone-upstream-");

    public void Dispose()
    {
        _cache.Delete(recursive: true);
        _remote.Dispose();
        _upstream.Dispose();
    }

    /// <summary>The host policy these tests need: their remotes are local bare repositories.</summary>
    private static readonly GitRemote AnyLocal = GitRemote.FromEnvironment(name => name == GitRemote.AllowLocalVariable ? "1" : null);

    private static FromTarget Target(string from)
    {
        var parsed = LayerfileParser.Parse($"FROM {from}\n", "Layerfile");
        Assert.False(parsed.HasErrors, string.Join("\n", parsed.Errors));
        return parsed.Layerfile.From!.Target;
    }

    [Fact]
    public void A_github_reference_becomes_a_url_under_the_base_url_a_path_and_a_commit()
    {
        var source = GitHubSource.From(Target("github/acme/base/ci/web@1A2b3c4d"), null);
        Assert.Equal("https://github.com/acme/base", source.Url);
        Assert.Equal("ci/web", source.PathInRepository);
        Assert.Equal("1a2b3c4d", source.Commit);
        Assert.Equal("github/acme/base/ci/web@1a2b3c4d", source.Display);

        var local = GitHubSource.From(Target("github/acme/base@abcdef0"), "file:///srv/git/");
        Assert.Equal("file:///srv/git/acme/base", local.Url);
        Assert.Equal("", local.PathInRepository);

        var unpinned = GitHubSource.From(Target("github/acme/base/Layerfile"), " ");
        Assert.Null(unpinned.Commit);
        Assert.Equal("https://github.com/acme/base", unpinned.Url);
    }

    [Theory]
    [InlineData("github/acme")]
    [InlineData("github/acme/base@main")]
    [InlineData("github/acme/base/../x@abcdef0")]
    [InlineData("github/ac!me/base@abcdef0")]
    public void Malformed_github_references_are_refused_with_a_message(string from)
    {
        var target = Target(from);
        var error = Assert.Throws<ArgumentException>(() => GitHubSource.From(target, null));
        Assert.Contains("FROM github/", error.Message);
    }

    [Fact]
    public void Clone_ids_depend_on_url_and_default_only_and_paths_are_laid_out_by_url_and_commit()
    {
        var a = new CloneSource("https://example.com/r.git", "main");
        Assert.Equal(a.Id, new CloneSource("https://example.com/r.git", "main").Id);
        Assert.NotEqual(a.Id, new CloneSource("https://example.com/r.git", null).Id);
        Assert.NotEqual(a.Id, new CloneSource("https://example.com/other.git", "main").Id);
        Assert.Matches("^[0-9a-f]{16}$", a.Id);

        var store = new CloneStore(_cache.FullName, () => "main", AnyLocal);
        var key = CloneSource.UrlKey(a.Url);
        Assert.Equal(Path.Combine(_cache.FullName, "trees", key, "c0ffee"), store.TreePath(a.Url, "c0ffee"));
        Assert.Equal(Path.Combine(_cache.FullName, "repos", key + ".git"), store.MirrorPath(a.Url));
        Assert.Equal(key + "/c0ffee", CloneStore.TreeInShare(a.Url, "c0ffee"));

        Assert.Null(store.Find(a.Id));
        store.Register(a);
        Assert.Equal(a, store.Find(a.Id));
        Assert.Null(store.Find("../../etc/passwd"));
    }

    [Fact]
    public void Ls_remote_output_gives_branches_and_where_HEAD_points()
    {
        var refs = RemoteRefs.Parse("ref: refs/heads/trunk\tHEAD\n1111\tHEAD\n1111\trefs/heads/trunk\n2222\trefs/heads/feature/x\n");
        Assert.Equal("1111", refs.Head);
        Assert.Equal("trunk", refs.HeadBranch);
        Assert.Equal("2222", refs.Branches["feature/x"]);
        Assert.Equal(2, refs.Branches.Count);
    }

    private string Push(string branch, params (string Path, string Text)[] files)
    {
        foreach (var (path, text) in files) _upstream.Write(path, text);
        _upstream.Git("checkout", "-q", "-B", branch);
        _upstream.Git("add", ".");
        _upstream.Git("commit", "-qm", branch);
        _upstream.Git("push", "-q", "--force", _remote.Root, branch);
        return _upstream.Git("rev-parse", "HEAD");
    }

    [Fact]
    public void The_branch_named_like_the_checkouts_wins_then_DEFAULT_then_HEAD_and_a_missing_DEFAULT_is_an_error()
    {
        _remote.Git("init", "-q", "--bare");
        _upstream.Git("init", "-q", "-b", "trunk");
        var trunk = Push("trunk", ("a.txt", "trunk\n"));
        _remote.Git("symbolic-ref", "HEAD", "refs/heads/trunk");
        var develop = Push("develop", ("a.txt", "develop\n"));
        var feature = Push("feature", ("a.txt", "feature\n"));
        var url = "file://" + _remote.Root;

        Assert.Equal(new CloneResolution(url, "feature", feature), new CloneStore(_cache.FullName, () => "feature", AnyLocal).Resolve(new CloneSource(url, "develop")));
        Assert.Equal(new CloneResolution(url, "develop", develop), new CloneStore(_cache.FullName, () => "elsewhere", AnyLocal).Resolve(new CloneSource(url, "develop")));
        Assert.Equal(new CloneResolution(url, "trunk", trunk), new CloneStore(_cache.FullName, () => null, AnyLocal).Resolve(new CloneSource(url, null)));
        var error = Assert.Throws<CloneException>(() => new CloneStore(_cache.FullName, () => "elsewhere", AnyLocal).Resolve(new CloneSource(url, "nope")));
        Assert.Contains("no branch 'nope'", error.Message);
        Assert.Contains("develop, feature, trunk", error.Message);
    }

    [Fact]
    public void A_tree_holds_the_commits_files_without_git_and_is_written_once()
    {
        _remote.Git("init", "-q", "--bare");
        _upstream.Git("init", "-q", "-b", "main");
        var first = Push("main", ("src/a.txt", "one\n"), ("run.sh", "#!/bin/sh\n"));
        var url = "file://" + _remote.Root;
        var store = new CloneStore(_cache.FullName, () => "main", AnyLocal);
        var resolution = store.Resolve(new CloneSource(url, null));
        Assert.Equal(first, resolution.Commit);

        var tree = store.Tree(resolution);
        Assert.Equal(store.TreePath(url, first), tree);
        Assert.Equal("one\n", File.ReadAllText(Path.Combine(tree, "src/a.txt")));
        Assert.False(Path.Exists(Path.Combine(tree, ".git")));
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(tree)!, ".tmp-*"));

        // Written once: a later call returns the same folder untouched.
        File.WriteAllText(Path.Combine(tree, "marker"), "");
        Assert.Equal(tree, store.Tree(resolution));
        Assert.True(File.Exists(Path.Combine(tree, "marker")));

        // A short commit id is expanded (fetched when the mirror lacks it).
        var second = Push("main", ("src/a.txt", "two\n"));
        var pinned = new CloneStore(_cache.FullName, () => null, AnyLocal).Pin(url, second[..10]);
        Assert.Equal(second, pinned.Commit);
        Assert.Equal("two\n", File.ReadAllText(Path.Combine(store.Tree(pinned), "src/a.txt")));
        Assert.Throws<CloneException>(() => store.Pin(url, "0123456789abcdef"));
    }

    [Fact]
    public void An_unreachable_url_says_which_command_failed_and_what_to_check()
    {
        var store = new CloneStore(_cache.FullName, () => "main", AnyLocal);
        var error = Assert.Throws<CloneException>(() => store.Resolve(new CloneSource("file:///nonexistent/layer-repo", null)));
        Assert.Contains("git ls-remote", error.Message);
        Assert.Contains("Check the URL", error.Message);
    }

    [Fact]
    public void Reads_of_the_clone_share_are_recorded_per_clone_id_and_split_back_for_validation()
    {
        var share = new ReadSet([
            new Observation(ObservationKind.Listing, ".") { Hash = "root" },
            new Observation(ObservationKind.Metadata, "u1") { Metadata = new FileMetadata(EntryType.Directory, 0x1ed, 0, null) },
            new Observation(ObservationKind.Metadata, "u1/c1") { Metadata = new FileMetadata(EntryType.Directory, 0x1ed, 0, null) },
            new Observation(ObservationKind.Content, "u1/c1/src/a.txt") { Hash = "h1" },
            new Observation(ObservationKind.Content, "u2/c9/x") { Hash = "h2" },
        ]);
        var ids = new Dictionary<string, string[]> { ["u1/c1"] = ["id1", "id2"] };
        var translated = CloneReads.FromShare(share, tree => ids.GetValueOrDefault(tree, [])).ToList();
        Assert.Equal(["/clone/id1", "/clone/id1/src/a.txt", "/clone/id2", "/clone/id2/src/a.txt"], translated.Select(o => o.Path).Order(StringComparer.Ordinal));

        var workspace = new ReadSet([new Observation(ObservationKind.Content, "package.json") { Hash = "p" }]);
        var merged = CloneReads.Merge(workspace, translated);
        Assert.Equal(5, merged.Observations.Count);
        Assert.Equal(merged.Observations.OrderBy(o => o.Path, StringComparer.Ordinal).ThenBy(o => o.Kind), merged.Observations);

        var (back, clones) = CloneReads.Split(merged);
        Assert.Equal(["package.json"], back.Observations.Select(o => o.Path));
        Assert.Equal(["id1", "id2"], clones.Keys);
        Assert.Equal([".", "src/a.txt"], clones["id1"].Observations.Select(o => o.Path));
        Assert.Equal("h1", clones["id1"].Observations[1].Hash);
    }

    [Fact]
    public void Clone_plans_a_step_with_sources_inside_the_cloned_repository_and_a_guest_target()
    {
        var text = "FROM vm/busybox\nWORKDIR /work\nCLONE https://example.com/r.git DEFAULT=main ./docs/ tool.sh out\n";
        var parsed = LayerfileParser.Parse(text, Path.Combine(_cache.FullName, "Layerfile"));
        var plan = Planner.Make(parsed.Layerfile, _cache.FullName, StepEnvironment.Initial, _ => null);
        var step = plan.Units.Single().Steps.Single();
        Assert.IsType<CloneInstruction>(step.Instruction);
        Assert.Equal(["docs", "tool.sh"], step.Copy!.Sources);
        Assert.Equal("/work/out", step.Copy.Destination);

        var escaping = LayerfileParser.Parse("FROM vm/busybox\nCLONE https://example.com/r.git ../x /app\n", Path.Combine(_cache.FullName, "Layerfile"));
        var error = Assert.Throws<PlanException>(() => Planner.Make(escaping.Layerfile, _cache.FullName, StepEnvironment.Initial, _ => null));
        Assert.Contains("leaves the cloned repository", error.Message);
    }
}
