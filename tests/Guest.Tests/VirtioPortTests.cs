using System.Text;
using Layer.Vm.Agent;

namespace Layer.Guest.Tests;

/// <summary>The published agent as PID 1 of a real (TCG) guest, on a real virtio-serial port.</summary>
[Collection("agent")]
public sealed class VirtioPortTests
{
    [QemuFact]
    public async Task Agent_serves_on_the_virtio_port_as_pid_1_survives_a_reconnect_opens_a_terminal_and_powers_off()
    {
        await using var vm = await TinyVm.BootAsync(PublishedAgent.BinaryPath);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            var client = new AgentClient(await vm.ConnectAsync());
            var hello = await client.WaitForHelloAsync(timeout.Token);
            Assert.Equal((1, vm.KernelRelease), (hello.Pid, hello.KernelRelease));

            var output = new MemoryStream();
            var result = await client.RunAsync(RunSpec.ShellCommand("cat /proc/1/cmdline; echo; id -u; head -c 1048576 /dev/zero"), c => output.Write(c.Span), null, timeout.Token);
            Assert.Equal(0, result.ExitCode);
            var text = output.ToArray();
            Assert.StartsWith("/layer/agent\0\n0\n", Encoding.ASCII.GetString(text, 0, 16));
            Assert.Equal(16 + 1048576, text.Length);

            // The port stays open in the guest while the host goes away and comes back.
            await client.DisposeAsync();
            await using var again = new AgentClient(await vm.ConnectAsync());
            await again.WaitForHelloAsync(timeout.Token);
            var user = new StringBuilder();
            var asNobody = await again.RunAsync(RunSpec.ShellCommand("id -u") with { User = "nobody" }, c => user.Append(Encoding.UTF8.GetString(c.Span)), null, timeout.Token);
            Assert.Equal(0, asNobody.ExitCode);
            Assert.Equal("65534\n", user.ToString());

            // A terminal session: the guest's init mounts no devpts, the agent does when it needs one.
            var terminal = new StringBuilder();
            await using (var session = await again.StartInteractiveAsync(
                new InteractiveSpec { Shell = "tty; stty size; exit 6", Terminal = new(20, 70) }, c => { lock (terminal) terminal.Append(Encoding.UTF8.GetString(c.Span)); }, null, timeout.Token))
            {
                Assert.Equal(6, (await session.Completion.WaitAsync(timeout.Token)).ExitCode);
            }
            Assert.Matches(@"^/dev/pts/\d+\r\n20 70\r\n$", terminal.ToString());

            await again.PowerOffAsync(timeout.Token);
            await vm.Qemu.WaitForExitAsync(timeout.Token);
            Assert.Contains("reboot: Power down", File.ReadAllText(vm.ConsoleLog));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Exception($"{e.Message}\nconsole:\n{(File.Exists(vm.ConsoleLog) ? File.ReadAllText(vm.ConsoleLog) : "(none)")}", e);
        }
    }
}
