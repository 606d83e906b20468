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
    public async Task A_failed_build_says_why_and_returns_the_steps_exit_code()
    {
        File.WriteAllText(Path.Combine(_repo, "Layerfile"), "FROM vm/busybox\nRUN echo half > /x\nRUN exit 7\n");
        var failed = await Layer("echo never\n", "shell", _repo);
        Assert.Equal(7, failed.Exit);
        Assert.Equal("", failed.Stdout);
        Assert.Contains("layer shell: the build failed (Layerfile:3 RUN exit 7 exited with 7)", failed.Stderr);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> Layer(string input, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["LAYER_CACHE_DIR"] = CacheRoot, ["NO_COLOR"] = "1" },
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "layer.dll"));
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
