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
Layer.Cli.Terminal.HugePages.AdviseGcHeap(64L * 1024 * 1024);

foreach (var command in CommandTable.All())
{
    root.Subcommands.Add(command);
}

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (Environment.GetEnvironmentVariable("LAYER_DEBUG") is null)
{
    // Commands turn every failure a user can act on into a message; what reaches here is unexpected.
    Console.Error.WriteLine($"layer: {e.Message}");
    Console.Error.WriteLine("layer: this was not expected; run again with LAYER_DEBUG=1 to see where it happened, and report it");
    return 70;
}
