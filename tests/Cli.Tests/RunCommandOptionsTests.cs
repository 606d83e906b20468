using System.CommandLine;
using Layer.Cli.Commands;

namespace Layer.Cli.Tests;

/// <summary>`layer run`'s ARTIFACT, BUTTON and EXPOSE options: usage errors are caught before anything builds, and --help names them.</summary>
public sealed class RunCommandOptionsTests
{
    private static (ParseResult Parse, int Exit, string Output, string Error) Run(params string[] args)
    {
        var command = new RootCommand { RunCommand.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        var parse = command.Parse(args);
        var exit = parse.Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (parse, exit, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("--artifacts", "--artifacts")]
    [InlineData("--artifacts", "", "--artifacts")]
    [InlineData("--env", "NOEQUALS", "--env NOEQUALS")]
    [InlineData("--no-wait", "x", "y", "y")]
    public void Malformed_options_are_usage_errors(params string[] options)
    {
        // The last item is what the error must name; the others are the command line's options.
        var named = options[^1];
        var (parse, exit, _, error) = Run(["run", "/nonexistent-layerfile-folder", .. options[..^1]]);
        // Refused while parsing (the build itself never started: it would have failed on the missing folder).
        Assert.NotEmpty(parse.Errors);
        Assert.Contains(parse.Errors, e => e.Message.Contains(named, StringComparison.Ordinal));
        Assert.NotEqual(0, exit);
        Assert.Contains(named, error);
    }

    [Fact]
    public void Help_names_the_options_and_the_waiting_exit_code()
    {
        var (_, exit, output, _) = Run("run", "--help");
        Assert.Equal(0, exit);
        foreach (var option in new[] { "--approve", "--artifacts", "--no-wait", "75" }) Assert.Contains(option, output);
    }
}
