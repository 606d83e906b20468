using System.Text;
using System.Text.Json;
using Layer.Vm.Agent;
using Layer.Vm.Host;

namespace Layer.Vm.Images;

/// <summary>
/// Finds or builds base images by name. Layout: <c>images/ID/{vmlinuz, initramfs.cpio, rootfs.qcow2,
/// image.json}</c>; a build happens in <c>images/.building-ID-PID</c> and is renamed into place when done,
/// so a half-built image is never used.
/// </summary>
public sealed class ImageStore
{
    private readonly CacheDirectory _cache;
    private readonly Lazy<string?> _agentBinary;
    private readonly Func<string, string> _hashFile;

    /// <summary>Images carry the agent from <see cref="AgentBinary.EnsurePublished"/> (LAYER_AGENT_BINARY, or published from this checkout once).</summary>
    /// <param name="cache">Where images live.</param>
    /// <param name="hashFile">
    /// Hex BLAKE3 of a host file's bytes (kernel, modules, busybox, agent): every lookup needs them for the
    /// image id, so a caller that remembers them by file stamp saves reading ~15 MB per `layer run`.
    /// </param>
    public ImageStore(CacheDirectory cache, Func<string, string>? hashFile = null) : this(cache, () => AgentBinary.EnsurePublished(cache.Root), hashFile)
    {
    }

    internal ImageStore(CacheDirectory cache, Func<string?> agentBinary, Func<string, string>? hashFile = null)
    {
        _cache = cache;
        _hashFile = hashFile ?? ImageInputs.HashFile;
        // Once per store: one process builds every image with the same agent, even if its sources change meanwhile.
        _agentBinary = new Lazy<string?>(agentBinary);
    }

    /// <summary>Hex BLAKE3 of a host file's bytes: what an image id is made of, for callers that memoise it.</summary>
    public static string HashFile(string path) => ImageInputs.HashFile(path);

    /// <summary>Names `FROM` accepts.</summary>
    public static IReadOnlyList<string> KnownNames { get; } = ["vm/busybox", "vm/debian:12", "vm/ubuntu:18.04", "vm/ubuntu:22.04"];

    internal static ImageRecipe Recipe(string name) => name switch
    {
        "vm/busybox" => new BusyboxRecipe(),
        "vm/debian:12" => DebootstrapRecipe.Debian12(),
        "vm/ubuntu:18.04" => DebootstrapRecipe.Ubuntu("18.04", "bionic"),
        "vm/ubuntu:22.04" => DebootstrapRecipe.Ubuntu("22.04", "jammy"),
        _ => throw new ImageBuildException($"unknown base image {name}; known: {string.Join(", ", KnownNames)}"),
    };

    /// <summary>The image for <paramref name="name"/>, built first (with progress lines) when missing.</summary>
    public BaseImage Ensure(string name, Action<string>? progress = null)
    {
        var recipe = Recipe(name);
        var inputs = Inputs();
        var id = IdOf(recipe, inputs);
        var folder = Path.Combine(_cache.Images, id);
        if (Load(folder) is { } ready) return ready;
        _cache.EnsureCreated();
        // One builder per image, across threads and processes; whoever waited finds it built.
        using var buildLock = AcquireLock(Path.Combine(_cache.Images, $".lock-{id}"), progress);
        if (Load(folder) is { } builtMeanwhile) return builtMeanwhile;
        return Build(recipe, inputs, id, progress ?? (_ => { }));
    }

    /// <summary>An exclusive lock file (FileShare.None is an flock on Linux, and also excludes this process).</summary>
    private static FileStream AcquireLock(string path, Action<string>? progress)
    {
        var said = false;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                if (!said) progress?.Invoke($"waiting for another build of {Path.GetFileName(path)[".lock-".Length..]}");
                said = true;
                Thread.Sleep(200);
            }
        }
    }

    /// <summary>Every built image, newest first.</summary>
    public IReadOnlyList<(BaseImage Image, DateTime Built, long Bytes)> List()
    {
        if (!Directory.Exists(_cache.Images)) return [];
        return Directory.GetDirectories(_cache.Images)
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .Select(d => (Image: Load(d), Folder: d))
            .Where(x => x.Image is not null)
            .Select(x => (x.Image!, File.GetLastWriteTimeUtc(Path.Combine(x.Folder, ImageJson)),
                Directory.EnumerateFiles(x.Folder).Sum(f => new FileInfo(f).Length)))
            .OrderByDescending(x => x.Item2)
            .ToList();
    }

    private const string ImageJson = "image.json";

    private ImageInputs Inputs() => new()
    {
        Kernel = GuestKernel.FindOnHost(),
        BusyboxPath = File.Exists(Initramfs.BusyboxPath)
            ? Initramfs.BusyboxPath
            : throw new ImageBuildException("/bin/busybox is missing: install Debian's busybox-static (scripts/host-setup does)"),
        AgentBinary = _agentBinary.Value,
        CacheFolder = _cache.Images,
        Hash = _hashFile,
    };

    /// <summary>"busybox-" + 16 hex of BLAKE3 over the recipe text and every input's content hash.</summary>
    internal static string IdOf(ImageRecipe recipe, ImageInputs inputs)
    {
        var text = new StringBuilder(recipe.RecipeText).Append('\n');
        foreach (var line in inputs.Fingerprint()) text.Append(line).Append('\n');
        var hash = ImageInputs.HashText(text.ToString())[..16];
        var shortName = recipe.Name["vm/".Length..].Replace(':', '-').Replace('.', '-');
        return $"{shortName}-{hash}";
    }

    private BaseImage Build(ImageRecipe recipe, ImageInputs inputs, string id, Action<string> progress)
    {
        _cache.EnsureCreated();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var building = Path.Combine(_cache.Images, $".building-{id}-{Environment.ProcessId}");
        // Stale from a crash of this very pid number long ago, at worst: we hold the image's lock.
        var staging = Path.Combine(building, "rootfs");
        if (Directory.Exists(building)) Directory.Delete(building, recursive: true);
        Directory.CreateDirectory(staging);
        try
        {
            progress($"{recipe.Name}: building image {id}");
            File.SetUnixFileMode(building, CacheDirectory.ReachableByQemu);
            File.Copy(inputs.Kernel.VmlinuzPath, Path.Combine(building, "vmlinuz"));
            File.SetUnixFileMode(Path.Combine(building, "vmlinuz"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            if (PvhKernel.Supported(inputs.Kernel) && PvhKernel.TryExtract(inputs.Kernel.VmlinuzPath, Path.Combine(building, "vmlinux")))
            {
                File.SetUnixFileMode(Path.Combine(building, "vmlinux"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            Initramfs.Write(Path.Combine(building, "initramfs.cpio"), inputs.Kernel, inputs.BusyboxPath);
            recipe.Populate(staging, inputs, progress);
            progress($"{recipe.Name}: making the {recipe.DiskSize} ext4 root disk");
            Ext4Image.Create(staging, Path.Combine(building, "rootfs.qcow2"), recipe.DiskSize);
            Directory.Delete(staging, recursive: true);
            var metadata = new ImageMetadata(recipe.Name, id, inputs.Kernel.Release, inputs.AgentBinary is not null, recipe.RecipeText);
            File.WriteAllText(Path.Combine(building, ImageJson), JsonSerializer.Serialize(metadata, ImageMetadataContext.Default.ImageMetadata));
            var folder = Path.Combine(_cache.Images, id);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); // a half-finished older attempt
            Directory.Move(building, folder);

            progress($"{recipe.Name}: image {id} ready in {started.Elapsed.TotalSeconds:0.0} s");
            return Load(folder)!;
        }
        finally
        {
            if (Directory.Exists(building)) Directory.Delete(building, recursive: true);
        }
    }

    /// <summary>The image in <paramref name="folder"/>, or null unless all its files are there.</summary>
    private static BaseImage? Load(string folder)
    {
        var json = Path.Combine(folder, ImageJson);
        if (!File.Exists(json)) return null;
        var metadata = JsonSerializer.Deserialize(File.ReadAllText(json), ImageMetadataContext.Default.ImageMetadata);
        if (metadata is null) return null;
        var image = new BaseImage(metadata.Name, metadata.Id, folder) { HasAgent = metadata.HasAgent };
        return File.Exists(image.KernelPath) && File.Exists(image.InitrdPath) && File.Exists(image.RootDiskPath) ? image : null;
    }

    /// <summary>Looks an image up by id (layers remember the image they descend from).</summary>
    internal BaseImage? ById(string id) => Load(Path.Combine(_cache.Images, id));
}
