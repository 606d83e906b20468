using System.Diagnostics;

namespace Layer.Vm.Images;

/// <summary>
/// The uncompressed ELF kernel QEMU can boot directly through the PVH entry point (CONFIG_PVH). Debian
/// ships an XZ-compressed bzImage, and under TCG the guest spends seconds decompressing itself on every
/// boot (measured here: about 3 s of 7-9 s). So images carry the kernel decompressed once, at build time,
/// and fall back to the bzImage where the kernel has no PVH entry or is not XZ-compressed.
/// </summary>
internal static class PvhKernel
{
    private static readonly byte[] XzMagic = [0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00];
    private static readonly byte[] ElfMagic = [0x7F, (byte)'E', (byte)'L', (byte)'F'];

    /// <summary>Whether the kernel's config (/boot/config-RELEASE beside it) says CONFIG_PVH=y.</summary>
    public static bool Supported(GuestKernel kernel)
    {
        var config = Path.Combine(Path.GetDirectoryName(kernel.VmlinuzPath)!, "config-" + kernel.Release);
        return File.Exists(config) && File.ReadLines(config).Any(line => line == "CONFIG_PVH=y");
    }

    /// <summary>Writes the ELF vmlinux inside <paramref name="vmlinuzPath"/> to <paramref name="outputPath"/>; false if it cannot.</summary>
    public static bool TryExtract(string vmlinuzPath, string outputPath)
    {
        var image = File.ReadAllBytes(vmlinuzPath);
        var start = image.AsSpan().IndexOf(XzMagic);
        if (start < 0) return false;

        var info = new ProcessStartInfo("xz", ["--decompress", "--stdout", "--single-stream"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info) ?? throw new ImageBuildException("could not start xz to unpack the kernel");
        var feed = Task.Run(() =>
        {
            // The bzImage may carry data after the XZ stream: xz --single-stream stops at its end, and
            // then no longer reads stdin, so a broken pipe here is expected.
            try
            {
                process.StandardInput.BaseStream.Write(image, start, image.Length - start);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
            }
        });
        var stderr = process.StandardError.ReadToEndAsync();
        using (var output = File.Create(outputPath))
        {
            process.StandardOutput.BaseStream.CopyTo(output);
        }

        process.WaitForExit();
        feed.Wait();
        if (process.ExitCode != 0)
        {
            File.Delete(outputPath);
            throw new ImageBuildException($"`xz --decompress` of the kernel in {vmlinuzPath} failed: {stderr.Result.Trim()}");
        }

        using var check = File.OpenRead(outputPath);
        var head = new byte[4];
        if (check.Read(head) == 4 && head.AsSpan().SequenceEqual(ElfMagic)) return true;
        check.Dispose();
        File.Delete(outputPath);
        return false;
    }
}
