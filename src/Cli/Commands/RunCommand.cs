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
        var path = new Argument<string>("path")
        {
            Description = "A Layerfile, or a folder holding one (default: the current folder)",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => ".",
        };
        var report = new Option<string?>("--report") { Description = "Write a JSON report of every step (status, reason, time, reads) to this file" };
        var noCache = new Option<bool>("--no-cache") { Description = "Run every step, ignoring cached snapshots (results are still recorded)" };
        var env = new Option<string[]>("--env", "-e")
        {
            Description = "KEY=VALUE for BUILD ENV (wins over the host environment); repeatable",
            AllowMultipleArgumentsPerToken = false,
        };
        var all = new Option<bool>("--all")
        {
            Description = "Build every Layerfile under PATH (a folder; default: the current one) and those they need, as one graph: " +
                          "a parent once for all its children, WAIT in order, independent Layerfiles in parallel",
        };
        var jobs = new Option<int?>("--jobs", "-j") { Description = "Layerfiles (and SPLIT copies) built at once (default: from cores and free memory)" };
        var connect = new Option<string?>("--connect") { Description = "libvirt URI (default: LAYER_LIBVIRT_URI, else qemu:///system)" };
        var command = new Command(
            "run",
            "Build a Layerfile inside real VMs. Each step runs with the workspace shared through Layer's FUSE\n" +
            "filesystem, which records what the step reads; its disk snapshot is cached under those reads.\n" +
            "A step whose reads still hold (same bytes, same names, same absent files) is skipped and its\n" +
            "snapshot restored. Every step that runs says why. Exit code: 0 on success, the failed step's\n" +
            "exit code otherwise (1 for other errors). As root, installs what it needs first (scripts/host-setup).");
        command.Arguments.Add(path);
        command.Options.Add(report);
        command.Options.Add(noCache);
        command.Options.Add(env);
        command.Options.Add(connect);
        command.Options.Add(all);
        command.Options.Add(jobs);
        command.SetAction((result, cancellationToken) => RunAsync(new BuildOptions
        {
            Path = result.GetValue(path) ?? ".",
            NoCache = result.GetValue(noCache),
            Environment = ParseEnv(result.GetValue(env) ?? []),
            LibvirtUri = result.GetValue(connect),
            All = result.GetValue(all),
            Jobs = result.GetValue(jobs),
        }, result.GetValue(report), cancellationToken));
        return command;
    }

    internal static Dictionary<string, string> ParseEnv(string[] pairs)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=');
            if (equals <= 0) throw new BuildException($"--env {pair}: expected KEY=VALUE");
            result[pair[..equals]] = pair[(equals + 1)..];
        }

        return result;
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
