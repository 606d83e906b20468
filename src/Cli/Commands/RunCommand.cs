using System.CommandLine;
using Layer.Cli.Terminal;
using Layer.Engine.Running;
using Layer.Fs.Mounting;
using Layer.Vm.Images;
using Layer.Vm.Libvirt;
using Layer.Vm.Machines;

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
        var command = new Command(
            "run",
            "Build a Layerfile inside real VMs. Each step runs with the workspace shared through Layer's FUSE\n" +
            "filesystem, which records what the step reads; its disk snapshot is cached under those reads.\n" +
            "A step whose reads still hold (same bytes, same names, same absent files) is skipped and its\n" +
            "snapshot restored. Every step that runs says why. Exit code: 0 on success, the failed step's\n" +
            "exit code otherwise (1 for other errors). As root, installs what it needs first (scripts/host-setup).");
        build.AddTo(command);
        command.Options.Add(report);
        command.Options.Add(noCache);
        command.Options.Add(all);
        command.Options.Add(jobs);
        command.SetAction((result, cancellationToken) => RunAsync(build.Options(result) with
        {
            NoCache = result.GetValue(noCache),
            All = result.GetValue(all),
            Jobs = result.GetValue(jobs),
        }, result.GetValue(report), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(BuildOptions options, string? reportPath, CancellationToken cancellationToken)
    {
        var observer = new ConsoleBuildObserver(Console.Out, !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null, prefixed: options.All);
        using var interruption = new Interruption(cancellationToken);
        cancellationToken = interruption.Token;
        try
        {
            HostSetup.Ensure();
            var report = await Builder.RunAsync(options, observer, cancellationToken);
            observer.Summary(report);
            if (reportPath is not null) report.WriteTo(reportPath);
            if (interruption.Requested) return Interrupted();
            if (report.Succeeded) return 0;
            var failed = report.Layerfiles.SelectMany(l => l.Steps).FirstOrDefault(s => s.ExitCode is not null);
            return failed?.ExitCode is { } code and > 0 and < 256 ? code : 1;
        }
        catch (Exception) when (interruption.Requested)
        {
            return Interrupted();
        }
        catch (Exception e) when (e is BuildException or ImageBuildException or FuseMountException or LibvirtException or GuestFailedException or HostSetupException)
        {
            Console.Error.WriteLine($"layer run: {e.Message}");
            return 1;
        }
    }

    private static int Interrupted()
    {
        Console.Error.WriteLine("layer run: interrupted; this run's VMs were destroyed and the workspace unmounted; finished steps stay cached");
        return 130;
    }
}
