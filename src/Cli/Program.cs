using System.CommandLine;
using Layer.Cli.Commands;

var root = new RootCommand(
    "layer builds Layerfiles inside real virtual machines and skips every step whose inputs did not change.\n" +
    "It records which files each step reads through its own FUSE filesystem and keys each step's disk\n" +
    "snapshot by the hashes of exactly those files.");

foreach (var command in CommandTable.All())
{
    root.Subcommands.Add(command);
}

return root.Parse(args).Invoke();
