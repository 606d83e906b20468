using Layer.Vm.Host;

namespace Layer.Vm.Images;

/// <summary>
/// vm/busybox: static busybox with all its applet links, the agent and the libraries it needs, and a
/// minimal /etc. Built from host files in seconds, without network: the image tests boot.
/// </summary>
internal sealed class BusyboxRecipe : ImageRecipe
{
    public override string Name => "vm/busybox";

    public override string RecipeText => "layer.image.busybox.v1 applets=--list-full etc=root,nobody libraries=ldd";

    public override string DiskSize => "1G";

    public override void Populate(string root, ImageInputs inputs, Action<string> progress)
    {
        foreach (var folder in new[] { "bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "root", "tmp", "var/tmp", "home" })
        {
            Directory.CreateDirectory(Path.Combine(root, folder));
        }

        File.SetUnixFileMode(Path.Combine(root, "tmp"), (UnixFileMode)0x3FF /* 1777 */);
        File.SetUnixFileMode(Path.Combine(root, "root"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.Copy(inputs.BusyboxPath, Path.Combine(root, "bin/busybox"), overwrite: true);
        File.SetUnixFileMode(Path.Combine(root, "bin/busybox"), CacheDirectory.ReachableByQemu);

        var applets = HostCommand.Run(inputs.BusyboxPath, ["--list-full"])
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var applet in applets)
        {
            var link = Path.Combine(root, applet);
            if (applet == "bin/busybox" || File.Exists(link)) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            File.CreateSymbolicLink(link, "/bin/busybox");
        }

        Staging.WriteFile(root, "etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n");
        Staging.WriteFile(root, "etc/group", "root:x:0:\nnogroup:x:65534:\n");
        Staging.WriteFile(root, "etc/hosts", "127.0.0.1 localhost\n");
        Staging.WriteFile(root, "etc/hostname", "layer\n");
        if (inputs.AgentBinary is not null)
        {
            Staging.AddAgent(root, inputs.AgentBinary, AgentLibraries.System);
        }
        else
        {
            Directory.CreateDirectory(Path.Combine(root, Staging.SharePath));
        }

        progress($"{Name}: {applets.Length} busybox applets");
    }
}
