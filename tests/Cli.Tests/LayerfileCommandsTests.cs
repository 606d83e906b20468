using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Layer.Cli.Commands;

namespace Layer.Cli.Tests;

/// <summary>`layer check`, `layer parse` and `layer graph`, run in-process on temporary folders, and once as the real program.</summary>
public sealed class LayerfileCommandsTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("layer-cli-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string Write(string path, string text)
    {
        var full = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
        return full;
    }

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var command = new RootCommand { CheckCommand.Create(), ParseCommand.Create(), GraphCommand.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = command.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void CheckPassesACleanFileAndPrintsWarnings()
    {
        var file = Write("Layerfile", "FROM vm/ubuntu:18.04\nRUN a && \\\n\n  b\n");
        var (exit, output, _) = Run("check", file);
        Assert.Equal(0, exit);
        Assert.Contains($"{file}:3:1: warning: ", output);
    }

    [Fact]
    public void CheckPrintsEveryErrorWithTheLineAndACaret()
    {
        var file = Write("Layerfile", "FROM vm/ubuntu:18.04\nCMD npm start\nRUN ok\n  EXPOSE 80\n");
        var (exit, output, _) = Run("check", file);
        Assert.Equal(1, exit);
        var lines = output.Split('\n');
        var first = Array.FindIndex(lines, l => l.StartsWith($"{file}:2:1: error: ", StringComparison.Ordinal));
        Assert.True(first >= 0, output);
        Assert.Equal(("CMD npm start", "^"), (lines[first + 1], lines[first + 2]));
        var second = Array.FindIndex(lines, l => l.StartsWith($"{file}:4:10: error: ", StringComparison.Ordinal));
        Assert.True(second > first, output);
        Assert.Equal("         ^", lines[second + 2]);
    }

    [Fact]
    public void CheckSearchesFoldersAndReportsWhatRunWouldRefuse()
    {
        // Both parse; `layer run` would refuse both before booting, so check says so at their FROM lines.
        Write("a/Layerfile", "FROM ubuntu:18.04\nRUN x\n");
        Write("b/x.Layerfile", "FROM ../nowhere\n");
        Write("c/notes.txt", "not a Layerfile\n");
        Write("d/Layerfile", "FROM vm/busybox\nCOPY ../../outside /x\n");
        Write("e/Layerfile", "FROM vm/busybox\nRUN x\n");
        var (exit, output, _) = Run("check", root);
        Assert.Equal(1, exit);
        Assert.Contains("checked 4 Layerfiles: 3 errors in 3 files", output);
        // The paths as check names them (it was given the folder).
        Assert.Contains(Path.Combine(root, "a/Layerfile") + ":1:6: error:", output);
        Assert.Contains(Path.Combine(root, "b/x.Layerfile") + ":1:6: error:", output);
        Assert.Contains(Path.Combine(root, "d/Layerfile") + ":2:6: error:", output);
        Assert.DoesNotContain("e/Layerfile", output);
    }

    [Fact]
    public void CheckFailsOnAMissingPath()
    {
        var (exit, _, error) = Run("check", Path.Combine(root, "missing"));
        Assert.Equal(1, exit);
        Assert.Contains("missing", error);
    }

    /// <summary>Runs a command aside: one that blocks (on a FIFO) fails the test instead of hanging the run.</summary>
    private static (int Exit, string Output, string Error) RunUnblocked(params string[] args)
    {
        var run = Task.Run(() => Run(args));
        Assert.True(run.Wait(TimeSpan.FromSeconds(30)), $"layer {string.Join(' ', args)} blocked");
        return run.Result;
    }

    private string Fifo(string path)
    {
        var full = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        using var mkfifo = Process.Start("mkfifo", [full]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return full;
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void CheckRefusesAFifoAtOnceWithOneMessage()
    {
        var fifo = Fifo("Layerfile");
        var (exit, output, error) = RunUnblocked("check", fifo);
        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.StartsWith($"layer check: {fifo}: a named pipe", Assert.Single(Lines(error)));
    }

    [Fact]
    public void CheckSaysADanglingLinkLeadsNowhereAndClaimsNoCount()
    {
        var link = Path.Combine(root, "Layerfile");
        File.CreateSymbolicLink(link, Path.Combine(root, "gone"));
        var (exit, output, error) = RunUnblocked("check", link);
        Assert.Equal(1, exit);
        Assert.Equal("", output); // no "checked 0 Layerfiles: 0 errors" beside an exit code of 1
        Assert.Equal($"layer check: {link}: a symbolic link to {Path.Combine(root, "gone")}, which does not exist", Assert.Single(Lines(error)));
    }

    [Fact]
    public void CheckCountsWhatItCouldNotReadInItsSummary()
    {
        Write("Layerfile", "FROM vm/ubuntu:18.04\n");
        var fifo = Fifo("web/Layerfile");
        var (exit, output, error) = RunUnblocked("check", root);
        Assert.Equal(1, exit);
        Assert.Equal("checked 1 Layerfile: 0 errors in 0 files, 0 warnings; 1 path could not be read", Assert.Single(Lines(output)));
        Assert.StartsWith($"layer check: {fifo}: ", Assert.Single(Lines(error)));
    }

    [Fact]
    public void CheckReportsInvalidUtf8AtItsLineAndColumn()
    {
        var file = Path.Combine(root, "Layerfile");
        File.WriteAllBytes(file, [.. "FROM vm/ubuntu:18.04\nRUN echo "u8, 0xE9, .. "t\u00e9\n"u8]);
        var (exit, output, _) = RunUnblocked("check", file);
        Assert.Equal(1, exit);
        var lines = Lines(output);
        Assert.StartsWith($"{file}:2:10: error: invalid UTF-8", lines[0]);
        Assert.Equal(("RUN echo \uFFFDt\u00e9", "         ^"), (lines[1], lines[2]));
    }

    [Fact]
    public void ParseAndGraphRefuseAFifo()
    {
        var fifo = Fifo("web/Layerfile");
        var (parseExit, parseOutput, parseError) = RunUnblocked("parse", "--json", fifo);
        Assert.Equal((1, ""), (parseExit, parseOutput));
        Assert.StartsWith($"layer parse: {fifo}: a named pipe", Assert.Single(Lines(parseError)));

        Write("Layerfile", "FROM vm/ubuntu:18.04\n");
        var (graphExit, _, graphError) = RunUnblocked("graph", root);
        Assert.Equal(1, graphExit);
        Assert.StartsWith("web/Layerfile:1:1: error: cannot read this Layerfile: a named pipe", graphError);
    }

    /// <summary>ESC, OSC, NUL, DEL and C1 from a Layerfile or its folder's name reach no terminal, whatever the command and format.</summary>
    [Fact]
    public void ControlCharactersOfALayerfileAreShownEscapedByEveryCommand()
    {
        var hostile = "\u001b]0;owned\u0007\u001b[2J\u0000\u007f\u009b";
        // A file name cannot hold NUL; the rest is in the folder's name too.
        var file = Write("we\u001b]0;owned\u0007\u001b[2J\u009bb/Layerfile", $"FROM vm/ubuntu:18.04\nRUN echo {hostile}\nWAIT /x{hostile}\n{hostile}rm\n");
        var outputs = new List<string>();
        foreach (var args in new[] { ["check", file], ["parse", file], ["parse", "--json", file], ["graph", root], ["graph", root, "--format", "dot"], new[] { "graph", root, "--format", "json" } })
        {
            var (exit, output, error) = RunUnblocked(args);
            Assert.Equal(1, exit);
            outputs.Add(output + error);
        }

        Assert.All(outputs, text => Assert.DoesNotContain(text, c => c is (< ' ' and not ('\t' or '\n' or '\r')) or (>= '\u007f' and <= '\u009f')));
        Assert.Contains("RUN echo \\x1b]0;owned\\x07\\x1b[2J\\x00\\x7f\\x9b", outputs[1]);
        Assert.Contains("we\\x1b]0;owned", outputs[3]);
    }

    [Fact]
    public void ParseJsonHasKindPositionCanonicalTextAndArguments()
    {
        var file = Write("Layerfile", "# base\nFROM vm/ubuntu:18.04\nRUN npm   install \\\n    --ci\nCOPY a b /dest\n");
        var (exit, output, _) = Run("parse", "--json", file);
        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output);
        var instructions = json.RootElement.GetProperty("instructions");
        Assert.Equal(["FROM", "RUN", "COPY"], instructions.EnumerateArray().Select(i => i.GetProperty("kind").GetString()));
        var run = instructions[1];
        Assert.Equal((3, 1, 4), (run.GetProperty("line").GetInt32(), run.GetProperty("column").GetInt32(), run.GetProperty("endLine").GetInt32()));
        Assert.Equal("RUN npm install --ci", run.GetProperty("canonical").GetString());
        var copy = instructions[2].GetProperty("arguments");
        Assert.Equal(["a", "b"], copy.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("value").GetString()));
        Assert.Equal(10, copy.GetProperty("destination").GetProperty("span").GetProperty("column").GetInt32());
        Assert.Equal("baseImage", instructions[0].GetProperty("arguments").GetProperty("target").GetProperty("kind").GetString());
        Assert.Equal(0, json.RootElement.GetProperty("diagnostics").GetArrayLength());
    }

    [Fact]
    public void ParseJsonIncludesErrorsAndExitsOne()
    {
        var file = Write("Layerfile", "From vm/ubuntu:18.04\n");
        var (exit, output, _) = Run("parse", "--json", file);
        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(output);
        var diagnostic = json.RootElement.GetProperty("diagnostics")[0];
        Assert.Equal(("error", 1, 1), (diagnostic.GetProperty("severity").GetString(), diagnostic.GetProperty("line").GetInt32(), diagnostic.GetProperty("column").GetInt32()));
        Assert.Contains("FROM", diagnostic.GetProperty("expected").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void GraphShowsEdgesInEveryFormat()
    {
        Write("Layerfile", "FROM vm/ubuntu:18.04\n");
        Write("web/Layerfile", "FROM /Layerfile\nWAIT /tests\n");
        Write("tests/Layerfile", "FROM ..\n");
        var (exit, text, _) = Run("graph", root);
        Assert.Equal(0, exit);
        Assert.Contains("web/Layerfile\n  from  Layerfile (line 1: /Layerfile)\n  wait  tests/Layerfile (line 2: /tests)\n", text.ReplaceLineEndings("\n"));

        var (_, dot, _) = Run("graph", root, "--format", "dot");
        Assert.Contains("\"tests/Layerfile\" -> \"web/Layerfile\" [style=dashed, label=wait];", dot);

        var (_, jsonText, _) = Run("graph", root, "--format", "json");
        using var json = JsonDocument.Parse(jsonText);
        Assert.Equal(
            ["from tests/Layerfile>Layerfile", "from web/Layerfile>Layerfile", "wait web/Layerfile>tests/Layerfile"],
            json.RootElement.GetProperty("edges").EnumerateArray()
                .Select(e => $"{e.GetProperty("kind").GetString()} {e.GetProperty("from").GetString()}>{e.GetProperty("to").GetString()}")
                .Order(StringComparer.Ordinal));
    }

    [Fact]
    public void GraphReportsMissingTargetsAndCyclesOnStderr()
    {
        Write("a/Layerfile", "FROM /b\n");
        Write("b/Layerfile", "FROM /a\n");
        Write("c/Layerfile", "FROM vm/ubuntu:18.04\nWAIT /gone\n");
        var (exit, _, error) = Run("graph", root);
        Assert.Equal(1, exit);
        Assert.Contains("a/Layerfile:1:6: error: ", error);
        Assert.Contains("c/Layerfile:2:6: error: ", error);
    }

    [Fact]
    public void GraphRejectsAnUnknownFormat()
    {
        var (exit, _, _) = Run("graph", root, "--format", "svg");
        Assert.NotEqual(0, exit);
    }

    /// <summary>The real program: argument parsing, help and exit codes as a user sees them.</summary>
    [Fact]
    public void TheProgramChecksFilesAndExplainsItsCommands()
    {
        var bad = Write("bad/Layerfile", "FROM vm/ubuntu:18.04\nsudo apt-get install x\n");
        var (exit, output) = Program("check", bad);
        Assert.Equal(1, exit);
        Assert.Contains($"{bad}:2:1: error: ", output);
        Assert.DoesNotContain("   at ", output);

        var (helpExit, help) = Program("check", "--help");
        Assert.Equal(0, helpExit);
        Assert.Contains("layer check [<paths>...]", help);
    }

    private static (int Exit, string Output) Program(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "layer.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
