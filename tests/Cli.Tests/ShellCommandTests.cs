using System.Diagnostics;

namespace Layer.Cli.Tests;

/// <summary>
/// `layer shell` as the real program on real VMs: it builds a tiny Layerfile, boots the final snapshot
/// and runs what stdin or -c says there, passing the exit code through.
/// </summary>
public sealed class ShellCommandTests : IDisposable
{
    /// <summary>Shared with the Vm and Engine tests: images and the published agent are built once per machine.</summary>
    private const string CacheRoot = "/var/lib/layer-test";

    private readonly string _repo = Directory.CreateTempSubdirectory("layer-shell-").FullName;

    public void Dispose() => Directory.Delete(_repo, recursive: true);

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task Piped_stdin_and_dash_c_run_in_the_built_snapshot_and_return_the_exit_code()
    {
        File.WriteAllText(Path.Combine(_repo, "Layerfile"), "FROM vm/busybox\nRUN echo built > /marker\n");
        File.WriteAllText(Path.Combine(_repo, "notes.txt"), "from the workspace\n");

        var piped = await Layer("cat /marker; pwd; exit 3\n", "shell", _repo);
        Assert.True(3 == piped.Exit, piped.Stderr);
        Assert.Equal("built\n/root\n", piped.Stdout);   // progress goes to stderr, the shell's output alone to stdout
        Assert.Contains("RUN echo built > /marker", piped.Stderr);

        var command = await Layer("", "shell", _repo, "-c", "cat /marker /layer/share/notes.txt; [ -t 0 ] || echo no-tty; exit 4");
        Assert.True(4 == command.Exit, command.Stderr);
        Assert.Equal("built\nfrom the workspace\nno-tty\n", command.Stdout);
        Assert.Contains("cached", command.Stderr);   // the second build skipped the step
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task On_a_terminal_the_shell_gets_a_terminal_and_the_host_terminal_is_restored()
    {
        File.WriteAllText(Path.Combine(_repo, "Layerfile"), "FROM vm/busybox\nRUN echo built > /marker\n");
        // script(1) gives `layer shell` a pseudo-terminal as stdin and stdout; what is typed before the
        // shell runs waits in it. `stty -g` before and after shows raw mode was undone.
        var dll = Path.Combine(AppContext.BaseDirectory, "layer.dll");
        var inner = $"stty -g; dotnet {dll} shell {_repo} 2>/dev/null; echo \"exit=$?\"; stty -g";
        var run = await Run("script", "tty; stty size; cat /marker; exit 5\r", "-qec", inner, "/dev/null");
        var lines = run.Stdout.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.True(lines.Any(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^/dev/pts/\d+$")), run.Stdout);
        Assert.Contains("24 80", lines);   // script's terminal reports 0 x 0, which becomes 24 x 80
        Assert.Contains("built", lines);
        Assert.Contains("exit=5", lines);
        var settings = lines.Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, "^[0-9a-f]+(:[0-9a-f]+){10,}$")).ToList();
        Assert.Equal(2, settings.Count);
        Assert.Equal(settings[0], settings[1]);
    }

    [HostFact(Needs.Root, Needs.Fuse, Needs.Libvirt)]
    public async Task A_failed_build_says_why_and_returns_the_steps_exit_code()
    {
        File.WriteAllText(Path.Combine(_repo, "Layerfile"), "FROM vm/busybox\nRUN echo half > /x\nRUN exit 7\n");
        var failed = await Layer("echo never\n", "shell", _repo);
        Assert.Equal(7, failed.Exit);
        Assert.Equal("", failed.Stdout);
        Assert.Contains("layer shell: the build failed (Layerfile:3 RUN exit 7 exited with 7)", failed.Stderr);
    }

    private static Task<(int Exit, string Stdout, string Stderr)> Layer(string input, params string[] args) =>
        Run("dotnet", input, [Path.Combine(AppContext.BaseDirectory, "layer.dll"), .. args]);

    private static async Task<(int Exit, string Stdout, string Stderr)> Run(string program, string input, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["LAYER_CACHE_DIR"] = CacheRoot, ["NO_COLOR"] = "1" },
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
