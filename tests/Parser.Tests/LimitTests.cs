using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Layer.Parser.Tests;

/// <summary>
/// The limits that bound what a hostile Layerfile can make the parser spend (<see cref="Limits"/>): each is
/// an error where it is passed, at the exact line and column, and what comes before it is still read.
/// </summary>
public sealed class LimitTests
{
    private static Diagnostic OnlyError(string text) => Assert.Single(LayerfileParser.Parse(text, "L").Errors);

    private static string Nested(int levels) => string.Concat(Enumerable.Repeat("$(", levels));

    [Fact]
    public void NestingUpToTheLimitIsRead()
    {
        var result = LayerfileParser.Parse("FROM vm/x\nRUN echo " + Nested(Limits.MaxNesting) + "\n", "L");
        Assert.False(result.HasErrors, string.Join("\n", result.Diagnostics));
        Assert.Equal(2, result.Layerfile.Instructions.Count);
    }

    [Fact]
    public void NestingPastTheLimitIsAnErrorAtTheOpeningThatPassedIt()
    {
        // 40 levels on line 2, the rest on line 3 after two blanks: the 65th opening is the 25th there.
        var text = "FROM vm/x\nRUN " + Nested(40) + " \\\n  " + Nested(30) + "\nRUN after\n";
        var error = OnlyError(text);
        Assert.Equal((3, 3 + (24 * 2)), (error.Span.Line, error.Span.Column));
        var result = LayerfileParser.Parse(text, "L");
        Assert.Equal(["FROM vm/x", "RUN after"], result.Layerfile.Instructions.Select(i => i.Canonical));
    }

    public static TheoryData<string, int> DeepQuoting => new()
    {
        // A double quote then a substitution, 33 times: the 65th level is the 33rd double quote.
        { string.Concat(Enumerable.Repeat("\"$(", 33)), 1 + (32 * 3) },
        // Substitutions and backticks in turn, one level each: the 65th unit.
        { string.Concat(Enumerable.Range(0, 70).Select(i => i % 2 == 0 ? "$(" : "`")), 1 + (32 * 3) },
        // A single quote opens a level too (and nothing nests inside it).
        { Nested(Limits.MaxNesting) + "'a", 1 + (Limits.MaxNesting * 2) },
    };

    [Theory]
    [MemberData(nameof(DeepQuoting))]
    public void QuotesAndBackticksCountAsLevels(string command, int column)
    {
        var error = OnlyError("FROM vm/x\nRUN " + command + "\n");
        Assert.Equal((2, 4 + column), (error.Span.Line, error.Span.Column));
    }

    [Fact]
    public void ParenthesesInsideASubstitutionCountButNotOutside()
    {
        Assert.False(LayerfileParser.Parse("FROM vm/x\nRUN echo " + new string('(', 1000) + "\n", "L").HasErrors);
        var error = OnlyError("FROM vm/x\nRUN x=$(" + new string('(', 100) + "\n");
        Assert.Equal((2, 9 + Limits.MaxNesting - 1), (error.Span.Line, error.Span.Column)); // `$(` at 7-8, the 64th `(` opens level 65
    }

    [Fact]
    public void AnInstructionAtTheLengthLimitIsRead()
    {
        var run = "RUN " + new string('a', Limits.MaxInstructionLength - 4);
        var result = LayerfileParser.Parse("FROM vm/x\n" + run + "\n", "L");
        Assert.False(result.HasErrors);
        Assert.Equal(run, result.Layerfile.Instructions[1].Canonical);
    }

    [Fact]
    public void AnInstructionPastTheLengthLimitIsAnErrorWhereItPassesIt()
    {
        // The instruction is continued: its 65,537th character is on the third line of it.
        var half = Limits.MaxInstructionLength / 2;
        var text = "FROM vm/x\nRUN " + new string('a', half) + " \\\n" + new string('b', half - 10) + " \\\n" + new string('c', 100) + "\nRUN after\n";
        var error = OnlyError(text);
        // Line 2 holds 4 + half + 1 (the blank before the backslash) characters, line 3 half - 10 + 1.
        var column = Limits.MaxInstructionLength - (4 + half + 1) - (half - 10 + 1) + 1;
        Assert.Equal((4, column), (error.Span.Line, error.Span.Column));
        Assert.Equal("RUN after", LayerfileParser.Parse(text, "L").Layerfile.Instructions.Last().Canonical);
    }

    [Fact]
    public void AFileOfExactlyTheSizeLimitIsRead()
    {
        var text = Sized(Limits.MaxBytes);
        Assert.Equal(Limits.MaxBytes, Encoding.UTF8.GetByteCount(text));
        Assert.False(LayerfileParser.Parse(text, "L").HasErrors);
    }

    [Theory]
    [InlineData("a", false)]
    [InlineData("é", false)]       // two bytes, the second past the limit
    [InlineData("\U0001F600", false)] // four bytes (a surrogate pair): the error is at its first half
    [InlineData("a", true)]        // a byte order mark counts as the three bytes it is in the file
    public void AFilePastTheSizeLimitIsOneErrorAtTheCharacterThatPassesIt(string last, bool bom)
    {
        var text = Sized(Limits.MaxBytes - (bom ? 3 : 0));
        var (line, column) = EndOf(text);
        var result = LayerfileParser.Parse((bom ? "\uFEFF" : "") + text + last + "\nRUN x\n", "L");
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal((Severity.Error, line, column), (error.Severity, error.Span.Line, error.Span.Column));
        Assert.Empty(result.Layerfile.Instructions);
    }

    [Fact]
    public void PastAHundredProblemsOneErrorStandsWhereTheNextWasFound()
    {
        var text = "FROM vm/x\n" + string.Concat(Enumerable.Repeat("bad\n", 150));
        var result = LayerfileParser.Parse(text, "L");
        Assert.Equal(Limits.MaxDiagnostics + 1, result.Diagnostics.Count);
        Assert.Equal(Enumerable.Range(2, Limits.MaxDiagnostics + 1), result.Diagnostics.Select(d => d.Span.Line));
        Assert.All(result.Diagnostics, d => Assert.Equal(Severity.Error, d.Severity));
    }

    [Fact]
    public void PastAHundredProblemsTheRestIsNotRead()
    {
        // Not read to its end, the file cannot be said to lack a FROM: only the problems found are shown.
        var text = string.Concat(Enumerable.Repeat("bad\n", 150)) + "RUN x \\\n" + new string('\n', 1000) + "y\n";
        var result = LayerfileParser.Parse(text, "L");
        Assert.Equal(Enumerable.Range(1, Limits.MaxDiagnostics + 1), result.Diagnostics.Select(d => d.Span.Line));
        Assert.Empty(result.Layerfile.Instructions);
    }

    /// <summary>
    /// For any depth, nesting is an error exactly when it passes the limit, at the opening that passes it,
    /// however the instruction is spread over continuation lines.
    /// </summary>
    [Property(MaxTest = 200)]
    public void NestingIsAnErrorExactlyPastTheLimit(PositiveInt depth, PositiveInt wrapEvery)
    {
        var n = depth.Get % 150;
        var wrap = 1 + (wrapEvery.Get % 40);
        var text = new StringBuilder("FROM vm/x\nRUN ");
        var (line, column) = (2, 5);
        (int Line, int Column)? expected = null;
        for (var i = 0; i < n; i++)
        {
            if (i > 0 && i % wrap == 0)
            {
                text.Append("\\\n ");
                (line, column) = (line + 1, 2);
            }

            if (i == Limits.MaxNesting) expected = (line, column);
            text.Append("$(");
            column += 2;
        }

        var errors = LayerfileParser.Parse(text.Append('\n').ToString(), "L").Errors.ToList();
        Assert.Equal(expected, errors.Select(e => ((int, int)?)(e.Span.Line, e.Span.Column)).SingleOrDefault());
    }

    /// <summary>Adversarial shapes (deep nesting, long runs, many lines) never make the parser throw or overflow its stack.</summary>
    [Property(MaxTest = 300)]
    public void AdversarialTextYieldsATreeOrDiagnostics(NonEmptyArray<(byte Piece, ushort Count)> parts)
    {
        var result = LayerfileParser.Parse(Adversarial(parts, count => 1 + count % 3000), "L");
        Assert.True(result.Diagnostics.Count <= Limits.MaxDiagnostics + 1);
        Assert.All(result.Layerfile.Instructions, i => Assert.False(string.IsNullOrEmpty(i.Canonical)));
    }

    [Theory]
    [InlineData("SPLIT 256", null)]
    [InlineData("SPLIT 257", "SPLIT 257: at most 256 copies (each is a VM)")]
    [InlineData("SPLIT UNORDERED 2147483647", "SPLIT 2147483647: at most 256 copies (each is a VM)")]
    public void SplitAsksForAtMost256Copies(string line, string? error)
    {
        var result = LayerfileParser.Parse("FROM vm/x\n" + line + "\n", "L");
        Assert.Equal(error, result.Errors.SingleOrDefault()?.Message);
        if (error is not null) Assert.Equal((2, line.LastIndexOf(' ') + 2), (result.Errors.Single().Span.Line, result.Errors.Single().Span.Column));
    }

    /// <summary>
    /// Parsing is linear: the same adversarial shape at twice the size costs the parser at most about twice the
    /// memory (counted in bytes allocated, which a quadratic path such as re-copying the rest of the text per
    /// nesting level would multiply; time is left to bench/parse).
    /// </summary>
    [Property(MaxTest = 60)]
    public void TwiceTheTextAtMostAboutTwiceTheMemory(NonEmptyArray<(byte Piece, ushort Count)> parts)
    {
        string Text(int scale) => Adversarial(parts, count => scale * (1 + count % 400));

        static long Allocated(string text)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            LayerfileParser.Parse(text, "L");
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        var (once, twice) = (Text(8), Text(16));
        Allocated(twice); // the first parse builds what the parser makes lazily (the nested substitution grammar)
        var (small, large) = (Allocated(once), Allocated(twice));
        Assert.True(large <= 2.5 * small + 64 * 1024, $"{once.Length} chars: {small} bytes; {twice.Length} chars: {large} bytes");
    }

    /// <summary>Pieces of Layerfile text that stress the parser (nesting, quoting, continuations, keywords).</summary>
    private static readonly string[] AdversarialPieces =
        ["$(", "(", ")", "\"", "'", "`", "\\", "\n", "\\\n", " ", "x", "ENV A=", "RUN ", "COPY ", "FROM vm/x\n", "é", "\r", "#"];

    /// <summary>Each generated piece repeated <paramref name="times"/>(its count) times, in order.</summary>
    private static string Adversarial(NonEmptyArray<(byte Piece, ushort Count)> parts, Func<int, int> times)
    {
        var text = new StringBuilder();
        foreach (var (piece, count) in parts.Get) text.Insert(text.Length, AdversarialPieces[piece % AdversarialPieces.Length], times(count));
        return text.ToString();
    }

    /// <summary>"FROM vm/x" then comment lines of 'é' and 'a' making exactly <paramref name="bytes"/> UTF-8 bytes.</summary>
    private static string Sized(int bytes)
    {
        var text = new StringBuilder("FROM vm/x\n");
        var size = text.Length;
        while (bytes - size > 1000)
        {
            var line = "# " + new string('é', 400) + "\n";
            text.Append(line);
            size += 2 + 800 + 1;
        }

        text.Append('#').Append('a', bytes - size - 1);
        return text.ToString();
    }

    /// <summary>The line and column just after the end of the text.</summary>
    private static (int Line, int Column) EndOf(string text)
    {
        var lines = text.Split('\n');
        return (lines.Length, lines[^1].Length + 1);
    }
}
