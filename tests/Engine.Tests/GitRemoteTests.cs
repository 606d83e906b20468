using Layer.Engine.Sources;

namespace Layer.Engine.Tests;

/// <summary>
/// A CLONE's URL is written by whoever opened the pull request and reaches git as root on the host: what it
/// may name (GitRemote) and that git never runs what it names (CloneStore).
/// </summary>
public sealed class GitRemoteTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("layer-git-remote-");

    public void Dispose() => _folder.Delete(recursive: true);

    private static GitRemote Policy(string? allowLocal = null, string? github = null) =>
        GitRemote.FromEnvironment(name => name switch
        {
            GitRemote.AllowLocalVariable => allowLocal,
            GitHubSource.BaseUrlVariable => github,
            _ => null,
        });

    [Theory]
    [InlineData("https://github.com/a/b.git", "https")]
    [InlineData("http://mirror.local/a/b", "http")]
    [InlineData("ssh://git@github.com:22/a/b.git", "ssh")]
    [InlineData("git+ssh://git@github.com/a/b.git", "ssh")]
    [InlineData("git://example.com/a.git", "git")]
    [InlineData("git@github.com:a/b.git", "ssh")]
    [InlineData("git@github.com:hello/my repo has spaces.git", "ssh")]
    public void Network_urls_are_allowed_with_their_own_transport_only(string url, string transport)
    {
        Assert.Null(Policy().Refusal(url));
        Assert.Equal(transport, Policy().Transport(url));
    }

    [Theory]
    [InlineData("--upload-pack=touch /tmp/x")]
    [InlineData("-uevil")]
    [InlineData("ext::sh -c touch% /tmp/x")]
    [InlineData("fd::3")]
    [InlineData("ssh://-oProxyCommand=touch%20x/a")]
    [InlineData("ssh://-user@host/a")]
    [InlineData("-oProxyCommand=x:a/b")]
    [InlineData("ftp://example.com/a.git")]
    [InlineData("https://example.com/\u001b]0;title\u0007")]
    [InlineData("")]
    public void What_git_would_run_or_read_as_an_option_is_refused_whatever_the_host_allows(string url)
    {
        Assert.NotNull(Policy().Refusal(url));
        Assert.NotNull(Policy(allowLocal: "1").Refusal(url));
        Assert.Throws<CloneException>(() => Policy(allowLocal: "1").Transport(url));
    }

    [Fact]
    public void A_repository_on_the_hosts_disk_needs_the_operators_consent()
    {
        foreach (var url in new[] { "file:///root/secrets.git", "/var/lib/layer/clones/repos/x.git", "../other-team", "file://localhost/etc" })
        {
            Assert.Contains(GitRemote.AllowLocalVariable, Policy().Refusal(url));
            Assert.Null(Policy(allowLocal: "1").Refusal(url));
        }
    }

    [Fact]
    public void The_github_mirror_folder_is_the_only_local_place_allowed_without_consent()
    {
        var policy = Policy(github: "file:///srv/git/");
        Assert.Null(policy.Refusal("file:///srv/git/acme/base"));
        Assert.Equal("file", policy.Transport("file:///srv/git/acme/base"));
        Assert.NotNull(policy.Refusal("file:///srv/git/../etc"));
        Assert.NotNull(policy.Refusal("file:///srv/git/%2e%2e/%2e%2e/root/x.git"));
        Assert.NotNull(policy.Refusal("file:///srv/gitother/x"));
        Assert.NotNull(policy.Refusal("/root/x.git"));
        // An https mirror allows no local folder at all.
        Assert.NotNull(Policy(github: "https://ghe.example.com").Refusal("file:///srv/git/acme/base"));
    }

    [Theory]
    [InlineData("--upload-pack=touch {0}")]
    [InlineData("ext::sh -c touch% {0}")]
    [InlineData("-oProxyCommand=touch {0}:x/y")]
    [InlineData("ssh://-oProxyCommand=touch%20{0}/a")]
    public void Git_never_runs_a_command_a_clone_url_names(string template)
    {
        var marker = Path.Combine(_folder.FullName, "pwned");
        var url = string.Format(template, marker);
        // The host's most permissive setting, so that only the checks themselves stand in the way.
        var store = new CloneStore(Path.Combine(_folder.FullName, "cache"), () => "main", Policy(allowLocal: "1"));
        Assert.Throws<CloneException>(() => store.Resolve(new CloneSource(url, null)));
        Assert.Throws<CloneException>(() => store.Pin(url, "abcdef0"));
        Assert.Throws<CloneException>(() => store.Tree(new CloneResolution(url, "main", "abcdef0123")));
        Assert.False(File.Exists(marker), $"git ran a command from {url}");
    }

    [Fact]
    public void A_local_repository_is_not_read_without_consent_even_when_its_tree_is_cached()
    {
        var store = new CloneStore(Path.Combine(_folder.FullName, "cache"), () => "main", Policy());
        var url = "file://" + _folder.FullName;
        var error = Assert.Throws<CloneException>(() => store.Resolve(new CloneSource(url, null)));
        Assert.Contains(GitRemote.AllowLocalVariable, error.Message);
        Directory.CreateDirectory(store.TreePath(url, "abcdef0123"));
        Assert.Throws<CloneException>(() => store.Tree(new CloneResolution(url, "main", "abcdef0123")));
    }
}
