using System.Reflection;

namespace Layer.Vm.Images;

/// <summary>
/// The initramfs every base image boots with: static busybox, our init script (init.sh, embedded), the
/// kernel modules the guest needs and /modules.order, the order init loads them in. No tool but our
/// <see cref="CpioWriter"/> is involved, so the archive is the same bytes for the same inputs.
/// </summary>
internal static class Initramfs
{
    public const string BusyboxPath = "/bin/busybox";

    /// <summary>The init script's text (also part of every image id).</summary>
    public static string InitScript()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Layer.Vm.Images.init.sh")
                           ?? throw new InvalidOperationException("init.sh is not embedded in Layer.Vm");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static void Write(string outputPath, GuestKernel kernel, string busyboxPath = BusyboxPath)
    {
        var order = kernel.ModuleLoadOrder();
        var paths = kernel.ModulePaths();
        using var file = File.Create(outputPath);
        using var cpio = new CpioWriter(file);
        foreach (var folder in new[] { "bin", "dev", "proc", "sys", "newroot", "lib", "lib/modules" })
        {
            cpio.AddDirectory(folder);
        }

        cpio.AddFile("bin/busybox", File.ReadAllBytes(busyboxPath), mode: 0x1ED);
        cpio.AddFile("init", System.Text.Encoding.UTF8.GetBytes(InitScript()), mode: 0x1ED);
        foreach (var module in order)
        {
            var source = Path.Combine(kernel.ModulesDirectory, paths[module]);
            if (!source.EndsWith(".ko", StringComparison.Ordinal))
            {
                throw new ImageBuildException($"{source} is compressed; the busybox initramfs needs uncompressed modules");
            }

            cpio.AddFile($"lib/modules/{module}.ko", File.ReadAllBytes(source));
        }

        cpio.AddFile("modules.order", System.Text.Encoding.UTF8.GetBytes(string.Join('\n', order) + "\n"));
    }
}
