using Layer.Vm.Host;

namespace Layer.Vm.Disks;

/// <summary>The qemu-img operations Layer needs (offline images only; running disks go through libvirt).</summary>
internal static class QemuImg
{
    private const string Tool = "qemu-img";

    /// <summary>A new empty qcow2 overlay whose backing file is <paramref name="backingPath"/> (itself qcow2).</summary>
    public static void CreateOverlay(string path, string backingPath) =>
        HostCommand.Run(Tool, ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", backingPath, path]);

    /// <summary>
    /// Copies <paramref name="sourcePath"/> with its whole backing chain into one standalone qcow2 (no
    /// backing file). Zero clusters are skipped, so sparse raw images stay small.
    /// </summary>
    public static void Convert(string sourcePath, string sourceFormat, string destinationPath) =>
        HostCommand.Run(Tool, ["convert", "-q", "-f", sourceFormat, "-O", "qcow2", sourcePath, destinationPath]);

    /// <summary>The bytes an image really takes on the host disk (a sparse file takes less than its size).</summary>
    public static long AllocatedBytes(string path)
    {
        var json = HostCommand.Run(Tool, ["info", "-U", "--output=json", "-f", "raw", path]);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty("actual-size", out var size) ? size.GetInt64() : new FileInfo(path).Length;
    }
}
