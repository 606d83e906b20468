using System.Text;
using Layer.Vm.Agent;

namespace Layer.Vm.Tests;

[Collection(BusyboxMachineCollection.Name)]
public sealed class RunCommandTests(BusyboxMachineFixture vm)
{
    private async Task<(RunResult Result, string Stdout, string Stderr)> Run(RunSpec spec)
    {
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var result = await vm.Machine.RunAsync(spec, chunk => stdout.Write(chunk.Span), chunk => stderr.Write(chunk.Span));
        return (result, Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray()));
    }

    [HostFact(Needs.Root, Needs.Libvirt)]
    public async Task Reports_exit_codes_and_stderr()
    {
        var (result, stdout, stderr) = await Run(RunSpec.ShellCommand("echo out; echo oops >&2; exit 3"));
        Assert.Equal(3, result.ExitCode);
        Assert.False(result.Succeeded);
        Assert.Equal("out\n", stdout);
        Assert.Equal("oops\n", stderr);

        Assert.True((await Run(RunSpec.Exec("true"))).Result.Succeeded);
    }

    [HostFact(Needs.Root, Needs.Libvirt)]
    public async Task Passes_environment_working_directory_and_user()
    {
        var (result, stdout, _) = await Run(new RunSpec
        {
            Shell = "echo \"$GREETING\"; pwd; id -u",
            Environment = new Dictionary<string, string> { ["GREETING"] = "hi there" },
            WorkingDirectory = "/tmp",
            User = "nobody",
        });
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("hi there\n/tmp\n65534\n", stdout);

        var asRoot = await Run(RunSpec.ShellCommand("id -u; pwd"));
        Assert.Equal("0\n/\n", asRoot.Stdout);
    }

    [HostFact(Needs.Root, Needs.Libvirt)]
    public async Task Streams_ten_mebibytes_of_output_intact()
    {
        const int size = 10 * 1024 * 1024;
        long received = 0;
        var nonX = 0;
        var result = await vm.Machine.RunAsync(RunSpec.ShellCommand($"head -c {size} /dev/zero | tr '\\0' x"), chunk =>
        {
            received += chunk.Length;
            foreach (var b in chunk.Span) if (b != (byte)'x') nonX++;
        });
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(size, received);
        Assert.Equal(0, nonX);
    }

    [HostFact(Needs.Root, Needs.Libvirt)]
    public async Task A_command_over_its_timeout_is_killed_and_reported()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (result, stdout, _) = await Run(new RunSpec { Shell = "echo started; sleep 60; echo never", Timeout = TimeSpan.FromSeconds(2) });
        Assert.True(result.TimedOut);
        Assert.False(result.Succeeded);
        Assert.Equal("started\n", stdout);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.True(vm.Machine.IsRunning);
    }

    [HostFact(Needs.Root, Needs.Libvirt)]
    public async Task The_guest_reaches_the_network_through_user_mode_networking()
    {
        // QEMU's user-mode network maps 10.0.2.2 to the host's loopback: serve one HTTP answer there.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var serve = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var buffer = new byte[4096];
            _ = await stream.ReadAsync(buffer);
            await stream.WriteAsync("HTTP/1.0 200 OK\r\nContent-Length: 13\r\nConnection: close\r\n\r\nfrom the host"u8.ToArray());
        });

        var (result, stdout, _) = await Run(RunSpec.ShellCommand($"grep -c 10.0.2.3 /etc/resolv.conf; wget -q -O - http://10.0.2.2:{port}/"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("1\nfrom the host", stdout);
        await serve.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
