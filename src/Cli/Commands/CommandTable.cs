using System.CommandLine;

namespace Layer.Cli.Commands;

/// <summary>Every top-level `layer` command, in the order `layer --help` lists them.</summary>
internal static class CommandTable
{
    public static IEnumerable<Command> All()
    {
        yield return RunCommand.Create();
        yield return ShellCommand.Create();
        yield return CacheCommand.Create();
        yield return CheckCommand.Create();
        yield return ParseCommand.Create();
        yield return GraphCommand.Create();
        yield return ImagesCommand.Create();
        yield return TraceCommand.Create();
        yield break;
    }
}
