using System.CommandLine;
using Layer.Cli.Commands;

var root = new RootCommand(
    "layer builds Layerfiles inside real virtual machines and skips every step whose inputs did not change.\n" +
    "It records which files each step reads through its own FUSE filesystem and keys each step's disk\n" +
    "snapshot by the hashes of exactly those files.");

// Most runs are short (a no-change `layer run` allocates well under this): collecting during them is
// pure overhead, about a fifth of such a run's CPU (LiteDB allocates a page cache per operation, and
// each of those large arrays started a full collection). A longer run that allocates
// more leaves the region by itself and collects as usual from then on.
GC.TryStartNoGCRegion(64L * 1024 * 1024);
Layer.Cli.Host.HugePages.AdviseGcHeap(64L * 1024 * 1024);

// What the CLI prints comes mostly from Layerfiles and guests: no control sequence but colour reaches the terminal.
Console.SetOut(Layer.Cli.Terminal.TerminalWriter.OnStandard(error: false));
Console.SetError(Layer.Cli.Terminal.TerminalWriter.OnStandard(error: true));

foreach (var command in CommandTable.All())
{
    root.Subcommands.Add(command);
}

var parsed = root.Parse(args);
// Signals are ours alone (no termination timeout from System.CommandLine: cleanup may take longer than 2 s).
using var interruption = new Layer.Cli.Terminal.Interruption();
try
{
    var code = await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }, interruption.Token);
    // A malformed command line has printed its errors and the usage; it ends as usage errors do in Unix tools.
    return parsed.Errors.Count > 0 ? ExitCodes.Usage : code;
}
catch (Exception e) when (ExitCodes.Classify(e) is { } failure)
{
    // Each command lets what a user can act on reach here: one message, one exit code (README: Exit codes).
    Console.Error.WriteLine($"{CommandName(parsed.CommandResult)}: {failure.Message}");
    return failure.Code;
}
catch (Exception e) when (Environment.GetEnvironmentVariable("LAYER_DEBUG") is null)
{
    Console.Error.WriteLine($"layer: {e.Message}");
    Console.Error.WriteLine("layer: this was not expected; run again with LAYER_DEBUG=1 to see where it happened, and report it");
    return ExitCodes.Internal;
}

// "layer cache prune" for messages: the command's names from the root down.
static string CommandName(System.CommandLine.Parsing.CommandResult? result) =>
    result is null ? "" : result.Parent is System.CommandLine.Parsing.CommandResult parent ? $"{CommandName(parent)} {result.Command.Name}" : "layer";
