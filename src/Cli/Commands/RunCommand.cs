using System.CommandLine;
using Layer.Cli.Host;
using Layer.Cli.Terminal;
using Layer.Engine.Running;

namespace Layer.Cli.Commands;

/// <summary>`layer run [PATH]`: build a Layerfile in real VMs, skipping every step whose reads still hold.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var build = new BuildArguments();
        var report = new Option<string?>("--report") { Description = "Write a JSON report of every step (status, reason, time, reads) to this file" };
        var noCache = new Option<bool>("--no-cache") { Description = "Run every step, ignoring cached snapshots (results are still recorded)" };
        var all = new Option<bool>("--all")
        {
            Description = "Build every Layerfile under PATH (a folder; default: the current one) and those they need, as one graph: " +
                          "a parent once for all its children, WAIT in order, independent Layerfiles in parallel",
        };
        var jobs = new Option<int?>("--jobs", "-j") { Description = "Layerfiles (and SPLIT copies) built at once (default: from cores and free memory)" };
        var approve = new Option<bool>("--approve") { Description = "Approve every BUTTON without asking (without it and without a terminal, a BUTTON stops its Layerfile as waiting)" };
        var artifacts = new Option<string?>("--artifacts")
        {
            Description = "Folder to copy ARTIFACT paths into, one folder per Layerfile inside (default: ./layer-artifacts)",
            HelpName = "DIR",
        };
        artifacts.Validators.Add(result =>
        {
            if (result.Tokens.Any(t => t.Value.Trim().Length == 0)) result.AddError("--artifacts needs a folder");
        });
        var noWait = new Option<bool>("--no-wait") { Description = "When the build exposes something (EXPOSE), print where and end instead of serving until Ctrl-C" };
        var command = new Command(
            "run",
            "Build a Layerfile inside real VMs. Each step runs with the workspace shared through Layer's FUSE\n" +
            "filesystem, which records what the step reads; its disk snapshot is cached under those reads.\n" +
            "A step whose reads still hold (same bytes, same names, same absent files) is skipped and its\n" +
            "snapshot restored. Every step that runs says why. ARTIFACT paths are copied out at the end;\n" +
            "EXPOSE is served on 127.0.0.1 until Ctrl-C; a BUTTON is asked on the terminal.\n" +
            "Exit code: 0 on success (also when serving ends with Ctrl-C), 75 when a BUTTON waits for\n" +
            "approval, the failed step's exit code otherwise; 1 for a Layerfile error, 2 for a wrong\n" +
            "command line, 69 when the host fails (libvirt, QEMU, FUSE, the guest), 74 for an I/O error\n" +
            "such as a full disk, 77 without permission, 130 when interrupted.\n" +
            "As root, installs what it needs first (scripts/host-setup).");
        build.AddTo(command);
        command.Options.Add(report);
        command.Options.Add(noCache);
        command.Options.Add(all);
        command.Options.Add(jobs);
        command.Options.Add(approve);
        command.Options.Add(artifacts);
        command.Options.Add(noWait);
        command.SetAction((result, cancellationToken) => RunAsync(build.Options(result) with
        {
            NoCache = result.GetValue(noCache),
            All = result.GetValue(all),
            Jobs = result.GetValue(jobs),
            Approve = result.GetValue(approve),
            ArtifactsDirectory = result.GetValue(artifacts),
            NoWait = result.GetValue(noWait),
            // Only a person at a terminal can answer; elsewhere (CI) an unapproved BUTTON waits.
            Ask = Console.IsInputRedirected ? null : new ButtonPrompt(Console.Out, Console.In).AskAsync,
        }, result.GetValue(report), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(BuildOptions options, string? reportPath, CancellationToken cancellationToken)
    {
        var observer = new ConsoleBuildObserver(Console.Out, !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null, prefixed: options.All);
        try
        {
            HostSetup.Ensure();
            var report = await Builder.RunAsync(options, observer, cancellationToken);
            observer.Summary(report);
            if (reportPath is not null) report.WriteTo(reportPath);
            if (report.ServedUntilCancelled) return 0;
            if (cancellationToken.IsCancellationRequested) return Interrupted();
            return ExitCodes.Of(report);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            return Interrupted();
        }
    }

    private static int Interrupted()
    {
        Console.Error.WriteLine("layer run: interrupted; this run's VMs were destroyed and the workspace unmounted; finished steps stay cached");
        return ExitCodes.Interrupted;
    }
}
