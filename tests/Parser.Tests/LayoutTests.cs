namespace Layer.Parser.Tests;

/// <summary>Line structure: continuations, comments, blank lines, CRLF, tabs, missing final newline.</summary>
public sealed class LayoutTests
{
    [Fact]
    public void ContinuationJoinsLinesAndSpansThem()
    {
        var result = LayerfileParser.Parse("FROM vm/ubuntu:18.04\nRUN apt-get update && \\  \n    apt-get install -y curl\nRUN next\n", "L");
        Assert.Empty(result.Diagnostics);
        var run = Assert.IsType<RunInstruction>(result.Layerfile.Instructions[1]);
        Assert.Equal("apt-get update &&     apt-get install -y curl", run.Command.Value);
        Assert.Equal((2, 1, 3, 28), (run.Span.Line, run.Span.Column, run.Span.EndLine, run.Span.EndColumn));
        Assert.Equal((2, 5), (run.Command.Span.Line, run.Command.Span.Column));
        Assert.Equal(4, result.Layerfile.Instructions[2].Span.Line);
    }

    [Fact]
    public void ArgumentsAfterAContinuationPointAtTheirOwnLine()
    {
        var result = LayerfileParser.Parse("FROM vm/ubuntu:18.04\nCOPY a \\\n\tb \\\n   /dest\n", "L");
        var copy = Assert.IsType<CopyInstruction>(result.Layerfile.Instructions[1]);
        Assert.Equal((3, 2), (copy.Sources[1].Span.Line, copy.Sources[1].Span.Column));
        Assert.Equal((4, 4), (copy.Destination!.Span.Line, copy.Destination.Span.Column));
    }

    [Fact]
    public void CommentLinesInsideAContinuationAreDropped()
    {
        var result = LayerfileParser.Parse("FROM vm/ubuntu:18.04\nRUN docker run \\\n    # -e A=$A \\\n  # more\n    image:latest\n", "L");
        Assert.Empty(result.Diagnostics);
        Assert.Equal("docker run     image:latest", Assert.IsType<RunInstruction>(result.Layerfile.Instructions[1]).Command.Value);
    }

    [Fact]
    public void EmptyLineInsideAContinuationIsSkippedWithAWarning()
    {
        var result = LayerfileParser.Parse("FROM vm/ubuntu:18.04\nRUN a && \\\n\n   b\nRUN c\n", "L");
        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal((Severity.Warning, 3, 1), (warning.Severity, warning.Span.Line, warning.Span.Column));
        Assert.Equal("a &&    b", Assert.IsType<RunInstruction>(result.Layerfile.Instructions[1]).Command.Value);
        Assert.Equal(3, result.Layerfile.Instructions.Count);
    }

    [Fact]
    public void HashStartsACommentOnlyAtTheStartOfALine()
    {
        var result = LayerfileParser.Parse("  # indented comment\nFROM vm/ubuntu:18.04 \n\t# tab comment \\\nRUN echo a # b\n", "L");
        Assert.Empty(result.Diagnostics);
        Assert.Equal("echo a # b", Assert.IsType<RunInstruction>(result.Layerfile.Instructions[1]).Command.Value);
    }

    [Fact]
    public void CrlfTabsTrailingSpacesAndNoFinalNewlineAreNormal()
    {
        var result = LayerfileParser.Parse("FROM vm/ubuntu:18.04\r\n\r\n\tRUN  echo hi  \t\r\nCOPY\ta\tb\r\nWORKDIR /app", "L");
        Assert.Empty(result.Diagnostics);
        Assert.Equal(["FROM vm/ubuntu:18.04", "RUN echo hi", "COPY a b", "WORKDIR /app"], result.Layerfile.Instructions.Select(i => i.Canonical));
        Assert.Equal((3, 2), (result.Layerfile.Instructions[1].Span.Line, result.Layerfile.Instructions[1].Span.Column));
    }

    [Fact]
    public void AByteOrderMarkIsIgnored()
    {
        var result = LayerfileParser.Parse("\uFEFFFROM vm/ubuntu:18.04\n", "L");
        Assert.Empty(result.Diagnostics);
        Assert.Equal(1, result.Layerfile.From!.Target.Argument.Span.Column - 5);
    }

    [Fact]
    public void AContinuationMayRunIntoTheEndOfTheFile()
    {
        var result = LayerfileParser.Parse("FROM vm/ubuntu:18.04\nRUN echo hi \\", "L");
        Assert.Empty(result.Diagnostics);
        Assert.Equal("RUN echo hi", result.Layerfile.Instructions[1].Canonical);
    }
}
