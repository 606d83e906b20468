using System.CommandLine;
using Layer.Vm.Host;
using Layer.Vm.Images;

namespace Layer.Cli.Commands;

/// <summary>`layer images ls` and `layer images build NAME`: the base images machines boot from.</summary>
internal static class ImagesCommand
{
    public static Command Create()
    {
        var images = new Command("images",
            "Base images (vm/busybox, vm/debian:12, vm/ubuntu:18.04, vm/ubuntu:22.04) in the cache directory\n" +
            $"(${CacheDirectory.Variable}, default /var/lib/layer for root). They are built on first use; `build` does it ahead.");

        var list = new Command("ls", "List the built base images: name, id, size on disk, when built.");
        list.SetAction(result => List(result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        images.Subcommands.Add(list);

        var name = new Argument<string>("name") { Description = "vm/busybox, vm/debian:12, vm/ubuntu:18.04 or vm/ubuntu:22.04" };
        var build = new Command("build", "Build a base image now (a no-op when the image for the current inputs exists).");
        build.Arguments.Add(name);
        build.SetAction(result => Build(result.GetRequiredValue(name), result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        images.Subcommands.Add(build);
        return images;
    }

    private static int List(TextWriter output, TextWriter error)
    {
        var cache = CacheDirectory.Default();
        var built = new ImageStore(cache).List();
        if (built.Count == 0)
        {
            output.WriteLine($"no images built in {cache.Images} yet; `layer images build vm/busybox` makes one in seconds");
            return 0;
        }

        output.WriteLine($"{"NAME",-18} {"ID",-30} {"SIZE",9}  BUILT (UTC)");
        foreach (var (image, when, bytes) in built)
        {
            output.WriteLine($"{image.Name,-18} {image.Id,-30} {bytes / (1024.0 * 1024.0),7:0.0}MB  {when:yyyy-MM-dd HH:mm}");
        }

        var missing = ImageStore.KnownNames.Except(built.Select(b => b.Image.Name)).ToList();
        if (missing.Count > 0) output.WriteLine($"not built yet: {string.Join(", ", missing)}");
        return 0;
    }

    private static int Build(string name, TextWriter output, TextWriter error)
    {
        try
        {
            var image = new ImageStore(CacheDirectory.Default()).Ensure(name, line => error.WriteLine(line));
            output.WriteLine($"{image.Name} {image.Id} {image.Folder}");
            return 0;
        }
        catch (Exception e) when (e is ImageBuildException or HostCommandException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"layer images build {name}: {e.Message}");
            return 1;
        }
    }
}
