using System.CommandLine;
using System.Runtime.InteropServices;
using Layer.Cli.Host;
using Layer.Cli.Terminal;
using Layer.Engine.Planning;
using Layer.Engine.Reporting;
using Layer.Engine.Running;
using Layer.Vm.Agent;
using Layer.Vm.Images;
using Layer.Vm.Libvirt;
using Layer.Vm.Machines;

namespace Layer.Cli.Commands;

/// <summary>
/// `layer shell [PATH]`: builds the Layerfile (cached steps are skipped as in `layer run`), boots its
/// final snapshot with the workspace shared and the overlays of its COPY steps, and attaches a shell:
/// the reproducible dev environment. Nothing done in the shell is kept.
/// </summary>
internal static class ShellCommand
{
    private const int StdinFd = 0;
    private const int StdoutFd = 1;

    public static Command Create()
    {
        var build = new BuildArguments();
        var commandLine = new Option<string?>("--command", "-c") { Description = "Run this command line (bash -c, sh -c without bash) instead of an interactive shell" };
        var memory = new Option<int?>("--memory") { Description = "The machine's memory in MiB (default: the Layerfile's MEMORY, else 1024)" };
        var split = new Option<int?>("--split") { Description = "For a Layerfile that SPLITs: which copy's final state to boot (0 to n-1; default 0)" };
        var command = new Command(
            "shell",
            "Build a Layerfile (as `layer run` does, cached steps skipped), boot its final snapshot with the\n" +
            "workspace shared, and attach a login shell in it: the reproducible dev environment. With a\n" +
            "terminal the shell gets one too (raw mode here, window size followed); with stdin piped, the\n" +
            "input is the shell's script, e.g. `echo 'make test' | layer shell`. Build progress goes to\n" +
            "stderr. Exit code: the shell's, or the failed step's when the build fails. Nothing done in the\n" +
            "shell is cached.");
        build.AddTo(command);
        command.Options.Add(commandLine);
        command.Options.Add(memory);
        command.Options.Add(split);
        command.SetAction((result, cancellationToken) =>
            RunAsync(build.Options(result), result.GetValue(commandLine), result.GetValue(memory), result.GetValue(split), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(BuildOptions options, string? commandLine, int? memoryMiB, int? split, CancellationToken cancellationToken)
    {
        // Progress on stderr: stdout belongs to the shell, so `layer shell -c ... > file` holds its output only.
        var observer = new ConsoleBuildObserver(Console.Error, !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null);
        try
        {
            HostSetup.Ensure();
            var report = await Builder.RunAsync(options, observer, cancellationToken);
            var final = Target(report, split, out var splitError);
            if (splitError is not null && report.Succeeded)
            {
                Console.Error.WriteLine($"layer shell: {splitError}");
                return 2;
            }

            if (!report.Succeeded || final?.FinalLayer is null)
            {
                observer.Summary(report);
                Console.Error.WriteLine($"layer shell: the build failed ({FailureText(report)}); fix it and run layer shell again");
                return ExitCodes.Of(report);
            }

            observer.Info($"booting {final.Path}'s final snapshot for the shell" + (final.Path.Contains("#split=") ? " (--split picks another copy)" : ""));
            using var machine = await BuiltMachine.BootAsync(options, final, observer, memoryMiB ?? final.MemoryMiB ?? 1024, cancellationToken);
            if (commandLine is null && RawTerminal.IsTerminal(StdinFd))
                observer.Info("attached; nothing done here is kept: `exit` (or Ctrl-D) ends the shell and destroys the machine");
            return await AttachAsync(machine.Machine, commandLine, final.FinalEnvironment, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("layer shell: interrupted; the VM was destroyed and the workspace unmounted");
            return ExitCodes.Interrupted;
        }
    }

    /// <summary>
    /// The Layerfile whose final state the shell boots: the last one built, or for one that SPLITs, copy
    /// <paramref name="split"/> (default 0) of it.
    /// </summary>
    internal static LayerfileReport? Target(BuildReport report, int? split, out string? error)
    {
        error = null;
        var last = report.Layerfiles.LastOrDefault();
        if (last is null) return null;
        var marker = last.Path.IndexOf("#split=", StringComparison.Ordinal);
        if (marker < 0)
        {
            if (split is not null) error = $"--split {split}: {last.Path} does not SPLIT";
            return last;
        }

        var prefix = last.Path[..(marker + "#split=".Length)];
        var copies = report.Layerfiles.Where(l => l.Path.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        var index = split ?? 0;
        if (index < 0 || index >= copies.Count)
        {
            error = $"--split {index}: {last.Path[..marker]} has {copies.Count} copies (0 to {copies.Count - 1})";
            return null;
        }

        return copies.Single(l => l.Path == prefix + index);
    }

    private static string FailureText(BuildReport report)
    {
        var layerfile = report.Layerfiles.FirstOrDefault(l => l.Status != "succeeded");
        var step = layerfile?.Steps.FirstOrDefault(s => s.Status == StepStatus.Failed);
        if (step is not null) return $"{layerfile!.Path}:{step.Line} {step.Instruction} exited with {step.ExitCode}";
        return layerfile?.Error ?? "no Layerfile succeeded";
    }

    /// <summary>
    /// Runs the shell with the host's stdin and stdout: a terminal on both sides when stdin is one
    /// (raw mode here, TERM and window size passed on, SIGWINCH followed), plain pipes otherwise,
    /// where end of input ends the shell. Returns the shell's exit code.
    /// </summary>
    private static async Task<int> AttachAsync(Machine machine, string? commandLine, StepEnvironment? last, CancellationToken cancellationToken)
    {
        var interactive = RawTerminal.IsTerminal(StdinFd);
        var size = interactive ? RawTerminal.Size(StdoutFd) ?? RawTerminal.Size(StdinFd) ?? new TerminalSize(24, 80) : (TerminalSize?)null;
        // Where the last step left off: its variables (secrets excluded), working directory and user.
        var environment = last is null ? new Dictionary<string, string>() : new Dictionary<string, string>(last.Variables);
        if (interactive) environment["TERM"] = Environment.GetEnvironmentVariable("TERM") is { Length: > 0 } term ? term : "xterm-256color";
        var spec = new InteractiveSpec
        {
            Shell = commandLine,
            Terminal = size,
            Environment = environment,
            WorkingDirectory = last?.WorkingDirectory,
            User = last?.User,
        };

        var stdout = Console.OpenStandardOutput();
        var stderr = Console.OpenStandardError();
        using var raw = interactive ? RawTerminal.Enter(StdinFd) : null;
        var session = await machine.CallAsync(agent => agent.StartInteractiveAsync(spec, Writer(stdout), Writer(stderr), cancellationToken), "starting the shell");
        await using (session)
        {
            using var resize = interactive && !OperatingSystem.IsWindows()
                ? PosixSignalRegistration.Create(PosixSignal.SIGWINCH, context =>
                {
                    if ((RawTerminal.Size(StdoutFd) ?? RawTerminal.Size(StdinFd)) is { } now) _ = ResizeQuietlyAsync(session, now);
                })
                : null;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _ = PumpInputAsync(session, !interactive, stop.Token);
            try
            {
                var result = await machine.CallAsync(_ => session.Completion.WaitAsync(cancellationToken), "running the shell");
                return result.ExitCode;
            }
            finally
            {
                await stop.CancelAsync();
            }
        }
    }

    /// <summary>Output straight to the host's descriptor: bytes, not text, so escape sequences and partial UTF-8 pass untouched.</summary>
    private static Action<ReadOnlyMemory<byte>> Writer(Stream stream) => chunk =>
    {
        stream.Write(chunk.Span);
        stream.Flush();
    };

    /// <summary>
    /// Host stdin to the guest. A terminal in raw mode never ends (Ctrl-D is just a byte for the guest's
    /// terminal); piped input ends, and then the shell's input is closed so it finishes its script.
    /// The read blocks a pool thread; the process ends with the shell regardless.
    /// </summary>
    private static async Task PumpInputAsync(InteractiveSession session, bool closeAtEnd, CancellationToken cancellationToken)
    {
        try
        {
            // A FileStream on descriptor 0, not Console.OpenStandardInput: on a terminal that one reads
            // through .NET's own line editor (echo, line buffering), which raw mode must bypass.
            using var stdin = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(StdinFd, ownsHandle: false), FileAccess.Read, bufferSize: 0);
            var buffer = new byte[16 * 1024];
            while (!cancellationToken.IsCancellationRequested)
            {
                var got = await stdin.ReadAsync(buffer, cancellationToken);
                if (got == 0) break;
                await session.WriteInputAsync(buffer.AsMemory(0, got), cancellationToken);
            }

            if (closeAtEnd) await session.CloseInputAsync(cancellationToken);
        }
        catch (Exception e) when (e is OperationCanceledException or AgentException or IOException)
        {
            // The shell ended or the guest went away: Completion tells the story.
        }
    }

    private static async Task ResizeQuietlyAsync(InteractiveSession session, TerminalSize size)
    {
        try
        {
            await session.ResizeAsync(size);
        }
        catch (AgentException)
        {
        }
    }
}
