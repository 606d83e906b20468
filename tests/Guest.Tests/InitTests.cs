using System.Diagnostics;
using System.Text;
using Layer.Vm.Agent;

namespace Layer.Guest.Tests;

/// <summary>
/// The agent as PID 1, the way it runs in a VM, without a VM: in a new PID
/// namespace (unshare --pid --fork --mount-proc) it is that namespace's init.
/// </summary>
[Collection("agent")]
public sealed class InitTests
{
    private static readonly string[] NewPidNamespace = ["unshare", "--pid", "--fork", "--mount-proc"];

    [HostFact(Needs.Root)]
    public async Task As_pid_1_it_says_so_reaps_orphans_ignores_sigterm_and_powers_off()
    {
        await using var agent = await AgentProcess.StartAsync(wrapper: NewPidNamespace);
        var hello = await agent.Client.WaitForHelloAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, hello.Pid);

        // An orphan re-parented to init must not stay a zombie.
        var (result, stdout, _) = await agent.ShellAsync("sleep 0.2 >/dev/null 2>&1 & echo $!");
        Assert.Equal(0, result.ExitCode);
        var orphan = stdout.Trim();
        var gone = await RunTests.Eventually(() =>
            !agent.ShellAsync($"test -e /proc/{orphan}").Result.Result.Succeeded);
        Assert.True(gone, $"orphan {orphan} stayed in the namespace's /proc");

        // SIGTERM from outside (as a host tool might send) does not end init.
        var initHostPid = ChildOf(agent.Process.Id);
        Process.Start("kill", ["-TERM", initHostPid.ToString()])!.WaitForExit();
        await Task.Delay(300);
        Assert.Equal("still here\n", (await agent.ShellAsync("echo still here")).Stdout);

        // Power off as PID 1 is reboot(RB_POWER_OFF), which in a PID namespace ends its init.
        await agent.Client.PowerOffAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(agent.Process.WaitForExit(15_000), "the namespace's init did not end on power-off");
    }

    [Fact]
    public async Task Stdio_link_works_too()
    {
        var start = new ProcessStartInfo(PublishedAgent.BinaryPath, ["--stdio"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var client = new AgentClient(new DuplexStream(process.StandardOutput.BaseStream, process.StandardInput.BaseStream));
        try
        {
            await client.WaitForHelloAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var output = new StringBuilder();
            var result = await client.RunAsync(RunSpec.ShellCommand("echo over stdio"), c => output.Append(Encoding.UTF8.GetString(c.Span)));
            Assert.Equal(0, result.ExitCode);
            Assert.Equal("over stdio\n", output.ToString());
        }
        finally
        {
            await client.DisposeAsync();
            Assert.True(process.WaitForExit(10_000));
        }
    }

    private static int ChildOf(int pid)
    {
        var children = File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return int.Parse(Assert.Single(children));
    }

    /// <summary>Reads from one stream and writes to another: a child's stdout and stdin as one link.</summary>
    private sealed class DuplexStream(Stream read, Stream write) : Stream
    {
        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => read.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => read.ReadAsync(buffer, cancellationToken);
        public override void Write(byte[] buffer, int offset, int count) => write.Write(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => write.WriteAsync(buffer, cancellationToken);
        public override void Flush() => write.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => write.FlushAsync(cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) { write.Dispose(); read.Dispose(); }
            base.Dispose(disposing);
        }
    }
}
