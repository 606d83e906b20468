using System.Security.Cryptography;
using System.Text;
using Layer.Vm.Agent;

namespace Layer.Guest.Tests;

/// <summary>Run requests against the real NativeAOT agent over a unix socket.</summary>
[Collection("agent")]
public sealed class RunTests
{
    [Fact]
    public async Task Hello_reports_protocol_kernel_and_pid()
    {
        await using var agent = await AgentProcess.StartAsync();
        var hello = await agent.Client.WaitForHelloAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, hello.ProtocolVersion);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), hello.KernelRelease);
        Assert.Equal(agent.Process.Id, hello.Pid);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(42)]
    [InlineData(255)]
    public async Task Exit_code_is_reported(int code)
    {
        await using var agent = await AgentProcess.StartAsync();
        var (result, _, _) = await agent.ShellAsync($"exit {code}");
        Assert.Equal(code, result.ExitCode);
        Assert.Equal(0, result.Signal);
        Assert.False(result.TimedOut);
        Assert.Equal(code == 0, result.Succeeded);
    }

    [Fact]
    public async Task Stdout_and_stderr_arrive_separately()
    {
        await using var agent = await AgentProcess.StartAsync();
        var (result, stdout, stderr) = await agent.ShellAsync("echo to-out; echo to-err >&2; echo more-out");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("to-out\nmore-out\n", stdout);
        Assert.Equal("to-err\n", stderr);
    }

    [Fact]
    public async Task Killed_by_signal_reports_the_signal()
    {
        await using var agent = await AgentProcess.StartAsync();
        var (result, _, _) = await agent.ShellAsync("kill -TERM $$");
        Assert.Equal(15, result.Signal);
        Assert.Equal(128 + 15, result.ExitCode);
        Assert.False(result.Succeeded);
    }

    [Fact]
    public async Task Environment_is_the_base_plus_the_request_and_nothing_of_the_agent()
    {
        await using var agent = await AgentProcess.StartAsync(environment: new() { ["AGENT_OWN_VARIABLE"] = "leak" });
        var (result, stdout, _) = await agent.ShellAsync(
            "printf '%s|%s|%s|%s|%s' \"$GREETING\" \"$PATH\" \"$HOME\" \"$USER\" \"${AGENT_OWN_VARIABLE-unset}\"",
            s => s with { Environment = new Dictionary<string, string> { ["GREETING"] = "hello world=1", ["PATH"] = "/usr/bin:/bin" } });
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("hello world=1|/usr/bin:/bin|/root|root|unset", stdout);
    }

    [Fact]
    public async Task Working_directory_is_used()
    {
        await using var agent = await AgentProcess.StartAsync();
        var dir = Directory.CreateDirectory(Path.Combine(agent.Folder, "work dir")).FullName;
        File.WriteAllText(Path.Combine(dir, "marker"), "here");
        var (result, stdout, _) = await agent.ShellAsync("pwd; cat marker", s => s with { WorkingDirectory = dir });
        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"{dir}\nhere", stdout);
    }

    [Fact]
    public async Task Missing_working_directory_fails_the_request_with_enoent()
    {
        await using var agent = await AgentProcess.StartAsync();
        var error = await Assert.ThrowsAsync<AgentRequestException>(() =>
            agent.ShellAsync("true", s => s with { WorkingDirectory = "/no/such/dir" }));
        Assert.Equal(2, error.Errno);
        Assert.Contains("/no/such/dir", error.Message);
        // The link is still fine afterwards.
        Assert.Equal(0, (await agent.ShellAsync("true")).Result.ExitCode);
    }

    [HostFact(Needs.Root)]
    public async Task User_by_name_runs_with_its_uid_gid_and_home()
    {
        await using var agent = await AgentProcess.StartAsync();
        var nobody = File.ReadLines("/etc/passwd").Select(l => l.Split(':')).First(f => f[0] == "nobody");
        var (result, stdout, stderr) = await agent.ShellAsync("echo $(id -u) $(id -g) $HOME $USER", s => s with { User = "nobody" });
        Assert.True(result.ExitCode == 0, stderr);
        Assert.Equal($"{nobody[2]} {nobody[3]} {nobody[5]} nobody\n", stdout);
    }

    [HostFact(Needs.Root)]
    public async Task User_by_uid_and_unknown_user()
    {
        await using var agent = await AgentProcess.StartAsync();
        var (result, stdout, _) = await agent.ShellAsync("id -u", s => s with { User = "4321" });
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("4321\n", stdout);
        var error = await Assert.ThrowsAsync<AgentRequestException>(() => agent.ShellAsync("true", s => s with { User = "no-such-user" }));
        Assert.Contains("no-such-user", error.Message);
    }

    [Fact]
    public async Task Argv_is_passed_without_a_shell()
    {
        await using var agent = await AgentProcess.StartAsync();
        var (result, stdout, _) = await agent.RunAsync(RunSpec.Exec("printf", "%s|", "a b", "$HOME", "c"));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("a b|$HOME|c|", Encoding.UTF8.GetString(stdout));
    }

    [Fact]
    public async Task Unknown_program_exits_127_with_a_message()
    {
        await using var agent = await AgentProcess.StartAsync();
        var (result, _, stderr) = await agent.RunAsync(RunSpec.Exec("no-such-program-xyz"));
        Assert.Equal(127, result.ExitCode);
        Assert.Contains("no-such-program-xyz", Encoding.UTF8.GetString(stderr));
    }

    [Fact]
    public async Task Ten_mebibytes_of_binary_output_arrive_intact()
    {
        await using var agent = await AgentProcess.StartAsync();
        var content = RandomNumberGenerator.GetBytes(10 * 1024 * 1024);
        var file = Path.Combine(agent.Folder, "blob");
        File.WriteAllBytes(file, content);
        var (result, stdout, _) = await agent.RunAsync(RunSpec.Exec("cat", file));
        Assert.Equal(0, result.ExitCode);
        Assert.False(result.OutputTruncated);
        Assert.Equal(content.Length, stdout.Length);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(stdout));
    }

    [Fact]
    public async Task A_one_mebibyte_line_without_newline_survives()
    {
        await using var agent = await AgentProcess.StartAsync();
        var (result, stdout, stderr) = await agent.RunAsync(RunSpec.ShellCommand("head -c 1048576 /dev/zero | tr '\\0' x; head -c 3 /dev/zero | tr '\\0' y >&2"));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(1048576, stdout.Length);
        Assert.All(stdout, b => Assert.Equal((byte)'x', b));
        Assert.Equal("yyy"u8.ToArray(), stderr);
    }

    [Fact]
    public async Task Commands_get_default_sigpipe()
    {
        // The .NET runtime ignores SIGPIPE and ignored signals survive exec; the
        // agent resets them, so `yes` dies quietly of SIGPIPE instead of
        // complaining about a broken pipe.
        await using var agent = await AgentProcess.StartAsync();
        var (result, stdout, stderr) = await agent.ShellAsync("yes | head -c 4");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("y\ny\n", stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task Timeout_kills_the_whole_process_group_and_says_so()
    {
        await using var agent = await AgentProcess.StartAsync();
        var pidFile = Path.Combine(agent.Folder, "background.pid");
        var (result, _, _) = await agent.ShellAsync($"sleep 300 & echo $! > {pidFile}; sleep 300",
            s => s with { Timeout = TimeSpan.FromSeconds(1) });
        Assert.True(result.TimedOut);
        Assert.Equal(9, result.Signal);
        Assert.False(result.Succeeded);
        var background = int.Parse(File.ReadAllText(pidFile).Trim());
        // The background sleep was in the group: killed, and reaped by the agent.
        Assert.True(await Eventually(() => !Directory.Exists($"/proc/{background}")), $"background process {background} survived the timeout");
    }

    [Fact]
    public async Task Orphans_left_by_a_command_are_reaped()
    {
        await using var agent = await AgentProcess.StartAsync();
        var (result, stdout, _) = await agent.ShellAsync("sleep 0.3 >/dev/null 2>&1 & echo $!");
        Assert.Equal(0, result.ExitCode);
        var orphan = int.Parse(stdout.Trim());
        // A zombie keeps its /proc entry until its (new) parent, the agent, waits for it.
        Assert.True(await Eventually(() => !Directory.Exists($"/proc/{orphan}")), $"orphan {orphan} was not reaped");
    }

    [Fact]
    public async Task Background_process_holding_the_pipes_does_not_hang_the_run()
    {
        await using var agent = await AgentProcess.StartAsync();
        var pidFile = Path.Combine(agent.Folder, "holder.pid");
        var (result, stdout, _) = await agent.ShellAsync($"sleep 30 & echo $! > {pidFile}; echo done");
        Assert.Equal(0, result.ExitCode);
        Assert.True(result.OutputTruncated);
        Assert.Equal("done\n", stdout);
        Interop.Kill(int.Parse(File.ReadAllText(pidFile).Trim()));
    }

    [Fact]
    public async Task Runs_are_concurrent()
    {
        await using var agent = await AgentProcess.StartAsync();
        var flag = Path.Combine(agent.Folder, "flag");
        // The first run can only finish if the second runs while it waits.
        var waiter = agent.ShellAsync($"while [ ! -e {flag} ]; do sleep 0.05; done; echo waited", s => s with { Timeout = TimeSpan.FromSeconds(20) });
        var others = Enumerable.Range(0, 6).Select(i => agent.ShellAsync($"echo run-{i}; echo err-{i} >&2; exit {i}")).ToList();
        var setter = agent.ShellAsync($"touch {flag}; echo set");
        var results = await Task.WhenAll(others);
        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(i, results[i].Result.ExitCode);
            Assert.Equal($"run-{i}\n", results[i].Stdout);
            Assert.Equal($"err-{i}\n", results[i].Stderr);
        }
        Assert.Equal("set\n", (await setter).Stdout);
        var waited = await waiter;
        Assert.False(waited.Result.TimedOut);
        Assert.Equal("waited\n", waited.Stdout);
    }

    [Fact]
    public async Task Concurrent_large_outputs_stay_apart_and_intact()
    {
        await using var agent = await AgentProcess.StartAsync();
        var files = Enumerable.Range(0, 4).Select(i =>
        {
            var content = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + i);
            var path = Path.Combine(agent.Folder, $"blob{i}");
            File.WriteAllBytes(path, content);
            return (path, content);
        }).ToList();
        // Each run writes its file to stdout and, reversed in role, another to stderr.
        var runs = files.Select((f, i) => agent.RunAsync(RunSpec.ShellCommand($"cat {f.path}; cat {files[(i + 1) % files.Count].path} >&2"))).ToList();
        var results = await Task.WhenAll(runs);
        for (var i = 0; i < files.Count; i++)
        {
            Assert.Equal(0, results[i].Result.ExitCode);
            Assert.Equal(SHA256.HashData(files[i].content), SHA256.HashData(results[i].Stdout));
            Assert.Equal(SHA256.HashData(files[(i + 1) % files.Count].content), SHA256.HashData(results[i].Stderr));
        }
    }

    [Fact]
    public async Task Cancelling_a_run_kills_it()
    {
        await using var agent = await AgentProcess.StartAsync();
        using var cancel = new CancellationTokenSource();
        var started = new TaskCompletionSource();
        var run = agent.Client.RunAsync(RunSpec.ShellCommand("echo up; exec sleep 300"), _ => started.TrySetResult(), null, cancel.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, (await agent.ShellAsync("true")).Result.ExitCode);
    }

    [Fact]
    public async Task Cancelling_before_the_command_started_still_kills_it()
    {
        await using var agent = await AgentProcess.StartAsync();
        var marker = Path.Combine(agent.Folder, "ran-to-the-end");
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            agent.Client.RunAsync(RunSpec.ShellCommand($"sleep 2; touch {marker}"), null, null, cancel.Token).WaitAsync(TimeSpan.FromSeconds(30)));
        await Task.Delay(2500);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task A_throwing_output_callback_kills_the_command_and_surfaces()
    {
        await using var agent = await AgentProcess.StartAsync();
        var run = agent.Client.RunAsync(RunSpec.ShellCommand("echo up; exec sleep 300"), _ => throw new InvalidDataException("consumer failed"));
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("consumer failed", error.Message);
    }

    [Fact]
    public async Task Sync_completes()
    {
        await using var agent = await AgentProcess.StartAsync();
        await agent.Client.SyncAsync().WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Power_off_outside_a_vm_ends_the_agent()
    {
        await using var agent = await AgentProcess.StartAsync();
        await agent.Client.PowerOffAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(agent.Process.WaitForExit(10_000));
        Assert.Equal(0, agent.Process.ExitCode);
        await Assert.ThrowsAsync<AgentDisconnectedException>(() => agent.Client.SyncAsync().WaitAsync(TimeSpan.FromSeconds(30)));
    }

    internal static async Task<bool> Eventually(Func<bool> condition)
    {
        for (var i = 0; i < 100; i++)
        {
            if (condition()) return true;
            await Task.Delay(50);
        }
        return condition();
    }
}
