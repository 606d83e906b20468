using Layer.Vm.Host;

namespace Layer.Vm.Images;

/// <summary>
/// vm/debian:12 and vm/ubuntu:*: <c>debootstrap --variant=minbase</c> plus a few packages, then our agent.
/// The guest boots the same Debian kernel and initramfs as every image, so no kernel goes on the disk.
/// </summary>
internal sealed class DebootstrapRecipe : ImageRecipe
{
    public const string UbuntuMirrorVariable = "LAYER_UBUNTU_MIRROR";

    private static readonly string[] Packages = ["bash", "coreutils", "ca-certificates", "curl", "git", "procps"];

    private readonly string _suite;
    private readonly Func<string> _mirror;
    private readonly string _keyring;

    private DebootstrapRecipe(string name, string suite, Func<string> mirror, string keyring)
    {
        Name = name;
        _suite = suite;
        _mirror = mirror;
        _keyring = keyring;
    }

    public override string Name { get; }

    public override string RecipeText =>
        $"layer.image.debootstrap.v2 variant=minbase suite={_suite} mirror={_mirror()} include={string.Join(',', Packages)}";

    public override string DiskSize => "16G";

    public static DebootstrapRecipe Debian12() => new("vm/debian:12", "bookworm", DebianMirror, "/usr/share/keyrings/debian-archive-keyring.gpg");

    /// <summary>Ubuntu's own archive, where no mirror is configured.</summary>
    public const string UbuntuArchive = "http://archive.ubuntu.com/ubuntu";

    /// <summary>Where Debian's (and Ubuntu's) ubuntu-keyring package puts the archive's signing keys.</summary>
    private const string UbuntuKeyring = "/usr/share/keyrings/ubuntu-archive-keyring.gpg";

    public static DebootstrapRecipe Ubuntu(string version, string suite) => new($"vm/ubuntu:{version}", suite,
        () => Environment.GetEnvironmentVariable(UbuntuMirrorVariable) is { } mirror && !string.IsNullOrWhiteSpace(mirror) ? mirror.Trim() : UbuntuArchive,
        UbuntuKeyring);

    /// <summary>
    /// Says what is missing before anything is downloaded: the archive's keys (a package to install), and
    /// the mirror itself (its Release file for the suite, asked with wget within 15 s), naming the variable that picks another.
    /// </summary>
    internal void CheckSources(string mirror)
    {
        if (!File.Exists(_keyring))
        {
            var package = Name.StartsWith("vm/ubuntu", StringComparison.Ordinal) ? "ubuntu-keyring" : "debian-archive-keyring";
            throw new ImageBuildException($"{Name} is checked against its archive's signing keys, and {_keyring} is missing: install {package} " +
                                          "(scripts/host-setup does; on Debian 12 ubuntu-keyring comes from bookworm-backports)");
        }

        var release = mirror.TrimEnd('/') + "/dists/" + _suite + "/Release";
        string? problem = null;
        // wget, which debootstrap itself downloads with (an HTTP client in this binary would add 3 MB to every
        // `layer` start); the last line it says is why it failed.
        try
        {
            HostCommand.Run("wget", ["--spider", "--timeout=15", "--tries=1", "--", release]);
        }
        catch (HostCommandException e)
        {
            var said = e.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            problem = $"{release}: {said ?? $"wget exit {e.ExitCode}"}";
        }

        if (problem is null) return;
        var variable = Name.StartsWith("vm/ubuntu", StringComparison.Ordinal)
            ? $"set {UbuntuMirrorVariable} to an Ubuntu mirror this host can reach, or use FROM vm/debian:12"
            : "make the Debian mirror in /etc/apt/sources.list.d/debian.sources reachable";
        throw new ImageBuildException($"{Name} is built from the archive at {mirror}, which this host cannot reach ({problem}): {variable}");
    }

    /// <summary>The Debian mirror apt on this host uses (deb822 debian.sources or sources.list), else deb.debian.org.</summary>
    internal static string DebianMirror()
    {
        const string sources = "/etc/apt/sources.list.d/debian.sources";
        if (File.Exists(sources)) return MirrorFromDeb822(File.ReadAllText(sources)) ?? "http://deb.debian.org/debian";
        const string list = "/etc/apt/sources.list";
        if (File.Exists(list))
        {
            foreach (var line in File.ReadLines(list))
            {
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words.Length >= 3 && words[0] == "deb" && !words[1].Contains("security", StringComparison.Ordinal)) return words[1];
            }
        }

        return "http://deb.debian.org/debian";
    }

    /// <summary>The URIs of the first stanza that is not the security archive.</summary>
    internal static string? MirrorFromDeb822(string text)
    {
        foreach (var stanza in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var uris = stanza.Split('\n').Select(l => l.Trim())
                .FirstOrDefault(l => l.StartsWith("URIs:", StringComparison.OrdinalIgnoreCase));
            if (uris is null) continue;
            var uri = uris["URIs:".Length..].Trim().Split(' ')[0];
            if (!uri.Contains("security", StringComparison.Ordinal)) return uri;
        }

        return null;
    }

    public override void Populate(string root, ImageInputs inputs, Action<string> progress)
    {
        // The debootstrap result depends on the recipe only, not on the agent or kernel: keep it as a tar
        // so that a new agent costs an extraction, not another download and install.
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(RecipeText)))[..16];
        var tarball = Path.Combine(inputs.CacheFolder, $".debootstrap-{hash}.tar");
        if (File.Exists(tarball))
        {
            progress($"{Name}: unpacking the cached debootstrap result");
            HostCommand.Run("tar", ["-x", "-p", "--numeric-owner", "-f", tarball, "-C", root]);
        }
        else
        {
            Debootstrap(root, progress);
            HostCommand.Run("tar", ["-c", "--numeric-owner", "-f", tarball + ".tmp", "-C", root, "."]);
            File.Move(tarball + ".tmp", tarball, overwrite: true);
        }

        Staging.WriteFile(root, "etc/hostname", "layer\n");
        if (inputs.AgentBinary is not null) Staging.AddAgent(root, inputs.AgentBinary, AgentLibraries.Private);
        else Directory.CreateDirectory(Path.Combine(root, Staging.SharePath));
    }

    private void Debootstrap(string root, Action<string> progress)
    {
        var mirror = _mirror();
        CheckSources(mirror);
        progress($"{Name}: debootstrap {_suite} from {mirror} (a minute or more)");
        // What is downloaded is always checked against the archive's keys: an image is every later step's base.
        // (debootstrap takes no "--"; the suite and root are ours and the mirror is the host's configuration.)
        string[] arguments = ["--variant=minbase", "--include=" + string.Join(',', Packages), "--keyring=" + _keyring, _suite, root, mirror];
        try
        {
            HostCommand.Run("debootstrap", arguments, line =>
            {
                // I: lines are debootstrap's own progress (Retrieving, Validating, Unpacking, Configuring).
                if (line.StartsWith("I: ", StringComparison.Ordinal)) progress($"{Name}: {line[3..]}");
            });
        }
        catch (HostCommandException e)
        {
            var alternative = Name.StartsWith("vm/ubuntu", StringComparison.Ordinal) ? ", or use FROM vm/debian:12" : "";
            throw new ImageBuildException($"building {Name} failed: {e.Message}\nCheck that {mirror} is reachable{alternative}.", e);
        }

        // Package caches only make the disk bigger.
        foreach (var cache in new[] { "var/cache/apt/archives", "var/lib/apt/lists" })
        {
            var folder = Path.Combine(root, cache);
            if (!Directory.Exists(folder)) continue;
            foreach (var file in Directory.EnumerateFiles(folder)) File.Delete(file);
        }
    }
}
