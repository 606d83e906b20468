using System.Text;

namespace Layer.Vm.Images;

/// <summary>
/// The host's Debian <c>linux-image-amd64</c> kernel, booted directly by QEMU, and the modules the guest
/// init loads from the initramfs. Debian's cloud kernel lacks 9p, so this must be the generic one.
/// </summary>
internal sealed class GuestKernel
{
    /// <summary>
    /// What the guest needs, in the order they are wanted; <see cref="ModuleLoadOrder"/> adds their
    /// dependencies from modules.dep. crc32c_generic provides the crc32c that ext4's checksums ask for
    /// through the crypto API (a soft dependency modules.dep does not list).
    /// </summary>
    internal static readonly string[] WantedModules =
    [
        "virtio_pci", "virtio_blk", "crc32c_generic", "ext4", "virtio_console", "virtio_net",
        "9pnet_virtio", "9p", "virtiofs", "overlay",
    ];

    private Dictionary<string, ModuleLine>? _modules;

    private GuestKernel(string release, string vmlinuzPath, string modulesDirectory)
    {
        Release = release;
        VmlinuzPath = vmlinuzPath;
        ModulesDirectory = modulesDirectory;
    }

    /// <summary>uname -r of the guest, e.g. 6.1.0-56-amd64.</summary>
    public string Release { get; }

    public string VmlinuzPath { get; }

    public string ModulesDirectory { get; }

    /// <summary>The newest kernel under /boot that has its modules (with 9p) installed.</summary>
    public static GuestKernel FindOnHost(string bootDirectory = "/boot", string modulesRoot = "/lib/modules")
    {
        var candidates = Directory.Exists(bootDirectory)
            ? Directory.GetFiles(bootDirectory, "vmlinuz-*")
                .Select(path => Path.GetFileName(path)["vmlinuz-".Length..])
                .Where(release => File.Exists(Path.Combine(modulesRoot, release, "modules.dep")))
                .Where(release => File.Exists(Path.Combine(modulesRoot, release, "kernel/fs/9p/9p.ko")))
                .OrderByDescending(release => release, VersionOrder.Instance)
                .ToList()
            : [];
        if (candidates.Count == 0)
        {
            throw new ImageBuildException(
                $"no guest kernel: {bootDirectory}/vmlinuz-* with uncompressed modules (and 9p) under {modulesRoot} is needed. " +
                "Install Debian's linux-image-amd64 (scripts/host-setup does).");
        }

        var release = candidates[0];
        return new GuestKernel(release, Path.Combine(bootDirectory, "vmlinuz-" + release), Path.Combine(modulesRoot, release));
    }

    /// <summary>Module names (without .ko) so that each comes after everything it depends on.</summary>
    public IReadOnlyList<string> ModuleLoadOrder() => ModuleLoadOrder(Modules(), WantedModules);

    /// <summary>Relative path under <see cref="ModulesDirectory"/> of each module by name.</summary>
    public IReadOnlyDictionary<string, string> ModulePaths() => Modules().ToDictionary(m => m.Key, m => m.Value.Path);

    /// <summary>Depth-first over modules.dep lines ("kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko ...").</summary>
    internal static IReadOnlyList<string> ModuleLoadOrder(IEnumerable<string> modulesDep, IReadOnlyCollection<string> wanted) =>
        ModuleLoadOrder(Lines(Encoding.UTF8.GetBytes(string.Join('\n', modulesDep)), wanted), wanted);

    private static IReadOnlyList<string> ModuleLoadOrder(Dictionary<string, ModuleLine> modules, IEnumerable<string> wanted)
    {
        var order = new List<string>();
        var seen = new HashSet<string>();

        void Visit(string module)
        {
            if (!seen.Add(module)) return;
            if (!modules.TryGetValue(module, out var line))
            {
                throw new ImageBuildException($"kernel module {module} is not in modules.dep: the guest kernel lacks it");
            }

            // modules.dep lists the deepest dependency last; visit from the end so it loads first.
            var needs = line.Needs.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (var i = needs.Length - 1; i >= 0; i--) Visit(NameOf(needs[i]));
            order.Add(module);
        }

        foreach (var module in wanted) Visit(module);
        return order;
    }

    /// <summary>One line of modules.dep: the module's path and the unparsed list of what it needs.</summary>
    private readonly record struct ModuleLine(string Line, int Colon)
    {
        public string Path => Line[..Colon];

        public string Needs => Line[(Colon + 1)..];
    }

    /// <summary>The lines of modules.dep the guest loads, read once per kernel (every `layer run` computes the base image's id from them).</summary>
    private Dictionary<string, ModuleLine> Modules() =>
        _modules ??= Lines(File.ReadAllBytes(Path.Combine(ModulesDirectory, "modules.dep")), WantedModules);

    /// <summary>
    /// The lines of <paramref name="modulesDep"/> for <paramref name="wanted"/> and everything they need, by
    /// module name. The file (4,000 lines, 500 KB of ASCII; every `layer run` needs the base image's id) is
    /// scanned once as bytes, noting where each module's line is by a hash of its name; only the few lines
    /// the guest loads become strings (all of it as a string would be 1.2 MB of UTF-16).
    /// </summary>
    private static Dictionary<string, ModuleLine> Lines(byte[] modulesDep, IEnumerable<string> wanted)
    {
        var where = new Dictionary<ulong, Range>(4096);
        foreach (var range in modulesDep.AsSpan().Split((byte)'\n'))
        {
            var line = modulesDep.AsSpan(range);
            var colon = line.IndexOf((byte)':');
            if (colon > 0) where[NameHash(line[..colon])] = range;   // a later line of the same name wins, as a scan would find it last
        }

        var found = new Dictionary<string, ModuleLine>(StringComparer.Ordinal);
        var sought = new Stack<string>(wanted);
        while (sought.TryPop(out var module))
        {
            if (found.ContainsKey(module) || !where.TryGetValue(NameHash(module), out var range)) continue;   // one found nowhere is ModuleLoadOrder's to report
            var text = Encoding.UTF8.GetString(modulesDep.AsSpan(range));
            var line = new ModuleLine(text, text.IndexOf(':'));
            if (NameOf(line.Path) != module) continue;   // another name with the same hash: as good as absent, and reported so
            found[module] = line;
            foreach (var need in line.Needs.Split(' ', StringSplitOptions.RemoveEmptyEntries)) sought.Push(NameOf(need));
        }

        return found;
    }

    /// <summary>FNV-1a of a module's name as <see cref="NameOf"/> gives it ('-' as '_'), from its path in modules.dep.</summary>
    private static ulong NameHash(ReadOnlySpan<byte> modulePath)
    {
        var file = modulePath[(modulePath.LastIndexOf((byte)'/') + 1)..];
        var dot = file.IndexOf(".ko"u8);
        var hash = FnvOffset;
        foreach (var b in dot > 0 ? file[..dot] : file) hash = (hash ^ (b == (byte)'-' ? (byte)'_' : b)) * FnvPrime;
        return hash;
    }

    /// <summary>The same hash of a module name (ASCII, as every module name is).</summary>
    private static ulong NameHash(string name)
    {
        var hash = FnvOffset;
        foreach (var c in name) hash = (hash ^ (byte)c) * FnvPrime;
        return hash;
    }

    private const ulong FnvOffset = 14695981039346656037, FnvPrime = 1099511628211;

    /// <summary>"kernel/drivers/crc32c-intel.ko" -> "crc32c_intel" (modprobe treats '-' and '_' alike).</summary>
    private static string NameOf(string modulePath)
    {
        var file = Path.GetFileName(modulePath.AsSpan());
        var dot = file.IndexOf(".ko", StringComparison.Ordinal);
        var name = dot > 0 ? file[..dot] : file;
        return name.Contains('-') ? name.ToString().Replace('-', '_') : name.ToString();
    }

    /// <summary>Orders "6.1.0-9-amd64" before "6.1.0-56-amd64": digit runs compare as numbers.</summary>
    internal sealed class VersionOrder : IComparer<string>
    {
        public static readonly VersionOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            var left = Parts(x ?? "");
            var right = Parts(y ?? "");
            for (var i = 0; i < Math.Min(left.Count, right.Count); i++)
            {
                var order = long.TryParse(left[i], out var a) && long.TryParse(right[i], out var b)
                    ? a.CompareTo(b)
                    : string.CompareOrdinal(left[i], right[i]);
                if (order != 0) return order;
            }

            return left.Count.CompareTo(right.Count);
        }

        private static List<string> Parts(string version) =>
            System.Text.RegularExpressions.Regex.Matches(version, @"\d+|[^\d]+").Select(m => m.Value).ToList();
    }
}
