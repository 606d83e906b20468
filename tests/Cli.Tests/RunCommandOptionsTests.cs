using System.CommandLine;
using Layer.Cli.Commands;

namespace Layer.Cli.Tests;

/// <summary>`layer run`'s ARTIFACT, BUTTON and EXPOSE options: usage errors are caught before anything builds, and --help names them.</summary>
public sealed class RunCommandOptionsTests
{
    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var command = new RootCommand { RunCommand.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = command.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("--artifacts")]
    [InlineData("--artifacts", "")]
    [InlineData("--approve", "yes-please")]
    [InlineData("--no-wait", "x", "y")]
    public void Malformed_options_are_usage_errors(params string[] options)
    {
        var (exit, _, error) = Run(["run", "/nonexistent-layerfile-folder", .. options]);
        Assert.NotEqual(0, exit);
        Assert.NotEqual(75, exit);
        Assert.NotEmpty(error);
        Assert.DoesNotContain("layer run: ", error); // refused while parsing, not by the build
    }

    [Fact]
    public void Help_names_the_options_and_the_waiting_exit_code()
    {
        var (exit, output, _) = Run("run", "--help");
        Assert.Equal(0, exit);
        foreach (var option in new[] { "--approve", "--artifacts", "--no-wait", "75" }) Assert.Contains(option, output);
    }
}
