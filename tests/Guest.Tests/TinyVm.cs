using System.Diagnostics;
using System.Net.Sockets;

namespace Layer.Guest.Tests;

/// <summary>
/// The smallest VM that runs the agent the way images do: QEMU under TCG,
/// direct kernel boot, an initramfs of busybox + the virtio modules + the
/// agent and its three libraries, whose init execs the agent as PID 1 on a
/// virtio-serial port named org.layer.agent. No libvirt, no disk: this tests
/// the agent's port handling, not the machine layer (tests/Vm.Tests does that).
/// </summary>
internal sealed class TinyVm : IAsyncDisposable
{
    private static readonly string[] Modules = ["virtio/virtio_ring", "virtio/virtio", "virtio/virtio_pci_legacy_dev", "virtio/virtio_pci_modern_dev", "virtio/virtio_pci", "char/virtio_console"];

    public required Process Qemu { get; init; }
    public required string Folder { get; init; }
    public required string SocketPath { get; init; }
    public required string KernelRelease { get; init; }
    public string ConsoleLog => Path.Combine(Folder, "console.log");

    public static (string Kernel, string Release)? FindKernel()
    {
        string[] kernels = Directory.Exists("/boot") ? [.. Directory.GetFiles("/boot", "vmlinuz-*").Order()] : [];
        foreach (var kernel in kernels)
        {
            var release = Path.GetFileName(kernel)["vmlinuz-".Length..];
            if (Directory.Exists($"/lib/modules/{release}/kernel/drivers/virtio")) return (kernel, release);
        }
        return null;
    }

    public static async Task<TinyVm> BootAsync(string agentBinary)
    {
        var (kernel, release) = FindKernel() ?? throw new InvalidOperationException("no kernel with modules");
        var folder = Directory.CreateTempSubdirectory("layer-tinyvm-").FullName;
        var root = Path.Combine(folder, "root");
        foreach (var dir in new[] { "bin", "proc", "sys", "dev", "tmp", "root", "etc", "mods", "layer", "lib/x86_64-linux-gnu", "lib64" })
            Directory.CreateDirectory(Path.Combine(root, dir));
        File.Copy("/bin/busybox", Path.Combine(root, "bin/busybox"));
        foreach (var applet in new[] { "sh", "mount", "insmod", "id", "cat", "head", "echo", "sleep" })
            File.CreateSymbolicLink(Path.Combine(root, "bin", applet), "busybox");
        foreach (var module in Modules)
            File.Copy($"/lib/modules/{release}/kernel/drivers/{module}.ko", Path.Combine(root, "mods", Path.GetFileName(module) + ".ko"));
        foreach (var library in new[] { "/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libm.so.6", "/lib64/ld-linux-x86-64.so.2" })
            File.Copy(library, Path.Combine(root, library.TrimStart('/')));
        File.Copy(agentBinary, Path.Combine(root, "layer/agent"));
        File.WriteAllText(Path.Combine(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n");
        File.WriteAllText(Path.Combine(root, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
        var init = Path.Combine(root, "init");
        File.WriteAllText(init, $"""
            #!/bin/sh
            mount -t proc proc /proc
            mount -t sysfs sys /sys
            mount -t devtmpfs dev /dev
            for m in {string.Join(' ', Modules.Select(Path.GetFileName))}; do insmod /mods/$m.ko; done
            exec /layer/agent
            """.Replace("\r", "") + "\n");
        File.SetUnixFileMode(init, (UnixFileMode)Convert.ToInt32("755", 8));

        var initrd = Path.Combine(folder, "initrd.cpio");
        var cpio = Process.Start("/bin/sh", ["-c", $"cd '{root}' && find . | cpio -o -H newc --quiet > '{initrd}'"])!;
        await cpio.WaitForExitAsync();
        if (cpio.ExitCode != 0) throw new InvalidOperationException("cpio failed");

        var socketPath = Path.Combine(folder, "agent.sock");
        var qemu = Process.Start(new ProcessStartInfo("/usr/bin/qemu-system-x86_64",
        [
            "-machine", "q35,accel=tcg", "-m", "512", "-nographic", "-no-reboot", "-nodefaults",
            "-kernel", kernel, "-initrd", initrd, "-append", "console=ttyS0 panic=-1 quiet",
            "-serial", $"file:{Path.Combine(folder, "console.log")}",
            "-device", "virtio-serial-pci",
            "-chardev", $"socket,id=agent,path={socketPath},server=on,wait=off",
            "-device", "virtserialport,chardev=agent,name=org.layer.agent",
        ]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        return new TinyVm { Qemu = qemu, Folder = folder, SocketPath = socketPath, KernelRelease = release };
    }

    /// <summary>Connects to QEMU's end of the agent channel (retrying while QEMU creates the socket).</summary>
    public async Task<NetworkStream> ConnectAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException) when (attempt < 100 && !Qemu.HasExited)
            {
                socket.Dispose();
                await Task.Delay(100);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!Qemu.HasExited) Qemu.Kill();
        await Qemu.WaitForExitAsync();
        Qemu.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
