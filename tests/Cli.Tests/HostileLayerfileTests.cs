namespace Layer.Cli.Tests;

/// <summary>
/// Layerfiles written by an attacker (they arrive with pull requests and run as root on a CI host), through
/// the published binary: what they try must fail with a file:line:col error before anything runs, and leave
/// nothing on the host.
/// </summary>
public sealed class HostileLayerfileTests : IDisposable
{
    private const string CacheRoot = "/var/lib/layer-test";
    private readonly string _repo = Directory.CreateTempSubdirectory("layer-hostile-").FullName;
    private readonly string _marker = Path.Combine(Path.GetTempPath(), "layer-pwned-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        Directory.Delete(_repo, recursive: true);
        File.Delete(_marker);
    }

    private Task<(int Exit, string Stdout, string Stderr)> Layer(string[] args, IReadOnlyDictionary<string, string?>? environment = null) =>
        PublishedCli.Run(_repo, CacheRoot, args, environment);

    [Theory]
    [InlineData("\"--upload-pack=touch {0}\"")]
    [InlineData("\"ext::sh -c touch% {0}\"")]
    public async Task A_clone_url_git_would_run_is_an_error_in_check_and_run_and_runs_nothing(string url)
    {
        File.WriteAllText(Path.Combine(_repo, "Layerfile"), $"FROM vm/busybox\nCLONE {string.Format(url, _marker)} /src\nRUN true\n");

        var check = await Layer(["check", _repo]);
        Assert.Equal(1, check.Exit);
        Assert.Contains("Layerfile:2:7: error", check.Stdout);

        // Even a host that allows local clones: the URL is refused before git sees it.
        var run = await Layer(["run", _repo], new Dictionary<string, string?> { ["LAYER_ALLOW_LOCAL_CLONES"] = "1" });
        Assert.NotEqual(0, run.Exit);
        Assert.Contains("Layerfile:2:7", run.Stdout + run.Stderr);
        Assert.DoesNotContain("booting", run.Stdout + run.Stderr);
        Assert.False(File.Exists(_marker), "git ran the command the CLONE line named");
    }

    [HostFact(Needs.Root)]
    public async Task A_layerfile_that_is_a_fifo_or_a_link_out_of_the_repository_is_refused_at_once()
    {
        var layerfile = Path.Combine(_repo, "Layerfile");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", ["--", layerfile])!)
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var run = await Layer(["run", _repo]);
        Assert.Equal(1, run.Exit);
        Assert.Contains("Layerfile", run.Stderr);

        // A pull request's `Layerfile -> /etc/shadow` must not have the host file's lines echoed in errors.
        File.Delete(layerfile);
        var secret = Path.Combine(Path.GetTempPath(), "layer-secret-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(secret, "FROM root:$6$secret-hash:19000\n");
        try
        {
            File.CreateSymbolicLink(layerfile, secret);
            var linked = await Layer(["run", _repo]);
            Assert.Equal(1, linked.Exit);
            Assert.DoesNotContain("secret-hash", linked.Stdout + linked.Stderr);
            var check = await Layer(["check", _repo]);
            Assert.Equal(1, check.Exit);
            Assert.DoesNotContain("secret-hash", check.Stdout + check.Stderr);
        }
        finally
        {
            File.Delete(secret);
        }
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task Control_sequences_from_the_layerfile_and_the_guest_are_shown_not_obeyed()
    {
        // The RUN line itself holds a raw OSC (retitle the window), and the guest prints a clipboard write
        // (OSC 52), a screen clear and a carriage return that would hide what came before it on the line.
        File.WriteAllText(Path.Combine(_repo, "Layerfile"),
            $"FROM vm/busybox\nENV RUN_ID={Guid.NewGuid():N}\nRUN echo 'step \e]0;layerfile-title\a' && printf '\\033]52;c;c2VjcmV0\\007\\033[2Jcover\\rforged\\n'\n");
        var run = await Layer(["run", _repo]);
        Assert.True(run.Exit == 0, run.Stdout + run.Stderr);
        var output = run.Stdout + run.Stderr;
        Assert.DoesNotContain("\e]", output);
        Assert.DoesNotContain("\e[2J", output);
        Assert.DoesNotContain("\a", output);
        Assert.DoesNotContain("\r", output);
        Assert.Contains("\\x1b]0;layerfile-title\\x07", output);
        // (Step output drops carriage returns altogether: a guest's CRLF line ends are plain line ends.)
        Assert.Contains("\\x1b]52;c;c2VjcmV0\\x07\\x1b[2Jcoverforged", output);
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task An_unreachable_ubuntu_mirror_fails_at_the_FROM_line_saying_what_to_set_before_anything_boots()
    {
        File.WriteAllText(Path.Combine(_repo, "Layerfile"), "FROM vm/ubuntu:18.04\nRUN true\n");
        var run = await Layer(["run", _repo], new Dictionary<string, string?> { ["LAYER_UBUNTU_MIRROR"] = "http://127.0.0.1:9/ubuntu" });
        var output = run.Stdout + run.Stderr;
        Assert.Equal(1, run.Exit);
        Assert.Contains("Layerfile:1:6", output);
        Assert.Contains("LAYER_UBUNTU_MIRROR", output);
        Assert.Contains("http://127.0.0.1:9/ubuntu", output);
        Assert.DoesNotContain("booting", output);
    }
}
