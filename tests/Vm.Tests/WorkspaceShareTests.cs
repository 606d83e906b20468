using System.Text;
using Layer.Vm.Agent;
using Layer.Vm.Machines;

namespace Layer.Vm.Tests;

[Collection(BusyboxMachineCollection.Name)]
public sealed class WorkspaceShareTests(BusyboxMachineFixture vm)
{
    private async Task<(int Exit, string Stdout)> Sh(string command)
    {
        var stdout = new StringBuilder();
        var result = await vm.Machine.RunAsync(RunSpec.ShellCommand(command), chunk => stdout.Append(Encoding.UTF8.GetString(chunk.Span)));
        return (result.ExitCode, stdout.ToString());
    }

    [HostFact(Needs.Root, Needs.Libvirt)]
    public async Task Workspace_files_are_visible_read_only_over_the_hosts_transport()
    {
        // virtiofsd is installed where these tests run (host-setup), so the share is virtio-fs.
        Assert.Equal(VmHost.VirtioFs, vm.Machine.ShareTransport);
        Assert.Contains("virtiofs", (await Sh("grep ' /layer/share ' /proc/mounts")).Stdout);
        Assert.Equal((0, "hello from the host\n"), await Sh("cat /layer/share/hello.txt"));
        var write = await Sh("echo changed > /layer/share/hello.txt 2>/dev/null; echo $?");
        Assert.NotEqual("0\n", write.Stdout);
        Assert.Equal("hello from the host\n", File.ReadAllText(Path.Combine(vm.Workspace, "hello.txt")));
    }

    [HostFact(Needs.Root, Needs.Libvirt)]
    public async Task Nine_p_stays_the_fallback_and_serves_the_same_files()
    {
        using var host = VmHost.Open(cache: VmTestCache.Open());
        host.ShareTransport = VmHost.NineP;
        await using var machine = await host.BootAsync(BootSource.Image("vm/busybox"), new MachineSpec { MemoryMiB = 256, WorkspaceFolder = vm.Workspace });
        Assert.Equal(VmHost.NineP, machine.ShareTransport);
        var output = new StringBuilder();
        var result = await machine.RunAsync(RunSpec.ShellCommand("grep ' /layer/share ' /proc/mounts && cat /layer/share/hello.txt"), c => output.Append(Encoding.UTF8.GetString(c.Span)));
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(" 9p ", output.ToString());
        Assert.EndsWith("hello from the host\n", output.ToString());
    }

    [HostFact(Needs.Root, Needs.Libvirt)]
    public async Task Guest_writes_through_an_overlay_stay_off_the_host()
    {
        await vm.Machine.CallAsync(agent => agent.MountOverlayAsync(new OverlayMount("src", "src", "/work/src")), "mounting an overlay");

        Assert.Equal((0, "int main(void) { return 0; }\n"), await Sh("cat /work/src/main.c"));
        Assert.Equal(0, (await Sh("echo built > /work/src/main.o && echo edit >> /work/src/main.c")).Exit);
        Assert.Equal((0, "built\n"), await Sh("cat /work/src/main.o"));
        Assert.Equal((0, "int main(void) { return 0; }\nedit\n"), await Sh("cat /work/src/main.c"));

        Assert.False(File.Exists(Path.Combine(vm.Workspace, "src", "main.o")));
        Assert.Equal("int main(void) { return 0; }\n", File.ReadAllText(Path.Combine(vm.Workspace, "src", "main.c")));
    }
}
