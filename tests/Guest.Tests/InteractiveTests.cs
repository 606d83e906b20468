using System.Text;
using Layer.Vm.Agent;

namespace Layer.Guest.Tests;

/// <summary>Interactive sessions (pseudo-terminal or pipes, input, resize, end of input) against the real agent.</summary>
[Collection("agent")]
public sealed class InteractiveTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Terminal_session_has_a_pts_as_controlling_terminal_of_the_given_size()
    {
        await using var agent = await AgentProcess.StartAsync();
        var output = new Output();
        await using var session = await agent.Client.StartInteractiveAsync(
            new InteractiveSpec { Shell = "tty; stty size; echo via-dev-tty > /dev/tty; echo \"TERM=$TERM\"", Terminal = new(24, 91), Environment = new Dictionary<string, string> { ["TERM"] = "xterm-test" } },
            output.Add);
        Assert.True(session.HasTerminal);
        Assert.True(session.Pid > 0);
        var result = await session.Completion.WaitAsync(Patience);
        Assert.Equal(0, result.ExitCode);
        var lines = output.Text.Split("\r\n");   // the terminal turns \n into \r\n (ONLCR)
        Assert.Matches(@"^/dev/pts/\d+$", lines[0]);
        Assert.Equal("24 91", lines[1]);
        Assert.Equal("via-dev-tty", lines[2]);
        Assert.Equal("TERM=xterm-test", lines[3]);
    }

    [HostFact(Needs.Root)]
    public async Task Another_users_session_owns_its_terminal()
    {
        await using var agent = await AgentProcess.StartAsync();
        var output = new Output();
        await using var session = await agent.Client.StartInteractiveAsync(
            new InteractiveSpec { Shell = "id -un; stat -c %U \"$(tty)\"; echo reopened > /dev/tty", User = "nobody", WorkingDirectory = "/", Terminal = new(24, 80) }, output.Add);
        Assert.Equal(0, (await session.Completion.WaitAsync(Patience)).ExitCode);
        Assert.Equal("nobody\r\nnobody\r\nreopened\r\n", output.Text);
    }

    [Fact]
    public async Task Resize_reaches_the_terminal_and_sends_sigwinch()
    {
        await using var agent = await AgentProcess.StartAsync();
        var output = new Output();
        await using var session = await agent.Client.StartInteractiveAsync(
            new InteractiveSpec { Shell = "trap 'stty size; exit 7' WINCH; echo ready; while :; do sleep 0.05; done", Terminal = new(10, 40) },
            output.Add);
        await output.WaitForAsync("ready");
        await session.ResizeAsync(new TerminalSize(33, 120));
        var result = await session.Completion.WaitAsync(Patience);
        Assert.Equal(7, result.ExitCode);
        Assert.Contains("33 120", output.Text);
    }

    [Fact]
    public async Task Typed_input_reaches_a_terminal_program_and_ctrl_c_interrupts_it()
    {
        await using var agent = await AgentProcess.StartAsync();
        var output = new Output();
        await using var session = await agent.Client.StartInteractiveAsync(
            new InteractiveSpec { Shell = "read line; echo \"got <$line>\"; echo waiting; sleep 60", Terminal = new(24, 80) }, output.Add);
        await session.WriteInputAsync("hello there\r"u8.ToArray());
        await output.WaitForAsync("waiting");
        Assert.Contains("got <hello there>", output.Text);
        await session.WriteInputAsync(new byte[] { 0x03 });   // the terminal's line discipline turns it into SIGINT
        var result = await session.Completion.WaitAsync(Patience);
        Assert.Equal(2, result.Signal);
        Assert.Equal(130, result.ExitCode);
    }

    [Fact]
    public async Task Login_shell_on_a_terminal_returns_the_exit_code_and_ends_on_end_of_input()
    {
        await using var agent = await AgentProcess.StartAsync();
        var output = new Output();
        await using (var session = await agent.Client.StartInteractiveAsync(InteractiveSpec.LoginShell(new(24, 80)), output.Add))
        {
            await session.WriteInputAsync("echo $((6 * 7)); exit 3\r"u8.ToArray());
            var result = await session.Completion.WaitAsync(Patience);
            Assert.Equal(3, result.ExitCode);
            Assert.Contains("42\r\n", output.Text);
        }

        await using (var session = await agent.Client.StartInteractiveAsync(new InteractiveSpec { Argv = ["/bin/sh"], Terminal = new(24, 80) }, _ => { }))
        {
            await session.CloseInputAsync();   // Ctrl-D at an empty prompt
            Assert.Equal(0, (await session.Completion.WaitAsync(Patience)).ExitCode);
        }
    }

    [Fact]
    public async Task Piped_session_reads_stdin_keeps_stderr_apart_and_ends_when_input_closes()
    {
        await using var agent = await AgentProcess.StartAsync();
        var stdout = new Output();
        var stderr = new Output();
        await using var session = await agent.Client.StartInteractiveAsync(InteractiveSpec.LoginShell(), stdout.Add, stderr.Add);
        Assert.False(session.HasTerminal);
        // The shell reads its script from the same stdin as `read` does, one line at a time.
        await session.WriteInputAsync("read a\none\nread b\ntwo\necho \"$b-$a\"; [ -t 0 ] || echo no-tty\n"u8.ToArray());
        await session.WriteInputAsync("echo oops >&2; pwd\n"u8.ToArray());
        await session.CloseInputAsync();
        var result = await session.Completion.WaitAsync(Patience);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("two-one\nno-tty\n/root\n", stdout.Text);
        Assert.Equal("oops\n", stderr.Text);
    }

    [Fact]
    public async Task Large_input_arrives_whole_at_the_programs_pace_and_late_input_is_dropped()
    {
        await using var agent = await AgentProcess.StartAsync();
        var stdout = new Output();
        var data = new byte[3 * 1024 * 1024 + 17];
        new Random(5).NextBytes(data);
        await using var session = await agent.Client.StartInteractiveAsync(new InteractiveSpec { Shell = "sleep 0.5; sha256sum" }, stdout.Add);
        await session.WriteInputAsync(data).WaitAsync(Patience);
        await session.CloseInputAsync();
        var result = await session.Completion.WaitAsync(Patience);
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data)), stdout.Text);

        // The program is gone: more input is dropped at once instead of waiting for acknowledgements.
        await session.WriteInputAsync(data).WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Early_exit_and_missing_program_report_their_codes()
    {
        await using var agent = await AgentProcess.StartAsync();
        await using (var session = await agent.Client.StartInteractiveAsync(new InteractiveSpec { Shell = "exit 9" }, _ => { }))
        {
            await session.WriteInputAsync(new byte[200_000]).WaitAsync(Patience);   // more than the window, to a program that never reads
            Assert.Equal(9, (await session.Completion.WaitAsync(Patience)).ExitCode);
        }

        var output = new Output();
        await using var missing = await agent.Client.StartInteractiveAsync(new InteractiveSpec { Argv = ["no-such-program-here"], Terminal = new(24, 80) }, output.Add);
        Assert.Equal(127, (await missing.Completion.WaitAsync(Patience)).ExitCode);
        Assert.Contains("no-such-program-here: command not found", output.Text);

        var error = await Assert.ThrowsAsync<AgentRequestException>(() =>
            agent.Client.StartInteractiveAsync(new InteractiveSpec { WorkingDirectory = "/no/such/dir" }, _ => { }));
        Assert.Equal(2, error.Errno);
    }

    /// <summary>Output collected from the read loop, with a way to wait for a piece of it.</summary>
    private sealed class Output
    {
        private readonly MemoryStream _bytes = new();

        public void Add(ReadOnlyMemory<byte> chunk)
        {
            lock (_bytes) _bytes.Write(chunk.Span);
        }

        public string Text
        {
            get { lock (_bytes) return Encoding.UTF8.GetString(_bytes.ToArray()); }
        }

        public async Task WaitForAsync(string text)
        {
            var deadline = DateTime.UtcNow + Patience;
            while (!Text.Contains(text, StringComparison.Ordinal))
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"no '{text}' in the output: {Text}");
                await Task.Delay(20);
            }
        }
    }
}
