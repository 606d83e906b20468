namespace Layer.Parser.Tests;

/// <summary>
/// Errors are structured: severity, line, column and the expected set are asserted here, never the
/// message wording.
/// </summary>
public sealed class ErrorTests
{
    private static List<Diagnostic> Errors(string text) => LayerfileParser.Parse(text, "Layerfile").Errors.ToList();

    private static Diagnostic OnlyError(string text) => Assert.Single(Errors(text));

    [Fact]
    public void KeywordsAreCaseSensitive()
    {
        var error = OnlyError("From vm/ubuntu:18.04\nRUN x\n");
        Assert.Equal((1, 1), (error.Span.Line, error.Span.Column));
        Assert.Contains("FROM", error.Expected);
        Assert.Equal("FROM", error.Suggestion);
    }

    [Theory]
    [InlineData("COPPY a b", "COPY")]
    [InlineData("workdir /app", "WORKDIR")]
    [InlineData("CMD npm start", "RUN BACKGROUND")]
    [InlineData("ADD . /app", "COPY")]
    [InlineData("sudo apt-get install x", "RUN")]
    [InlineData("THEN RUN x", null)]
    [InlineData("stages:", null)]
    public void UnknownDirectivesCarryASuggestion(string line, string? suggestion)
    {
        var error = OnlyError("FROM vm/ubuntu:18.04\n" + line + "\n");
        Assert.Equal((2, 1), (error.Span.Line, error.Span.Column));
        Assert.Equal(suggestion, error.Suggestion);
    }

    [Fact]
    public void UnknownDirectiveExpectsEveryKeyword()
    {
        var error = OnlyError("FROM vm/ubuntu:18.04\n  sudo apt-get install x\n");
        Assert.Equal((2, 3, 2, 7), (error.Span.Line, error.Span.Column, error.Span.EndLine, error.Span.EndColumn));
        Assert.Equal(Keywords.Leading, error.Expected);
    }

    [Fact]
    public void APartialKeywordIsAnUnknownDirective()
    {
        var error = Errors("F\n").First();
        Assert.Equal((1, 1), (error.Span.Line, error.Span.Column));
        Assert.Contains("RUN", error.Expected);
    }

    [Theory]
    [InlineData("SKIP REMIANING IF A=b", 6, "REMAINING")]
    [InlineData("EXPOSE WBESITE localhost:80", 8, "WEBSITE")]
    [InlineData("EXPOSE 80", 8, "TCP")]
    [InlineData("BUILD ENVV X", 7, "ENV")]
    public void AMisspeltSecondKeywordIsReportedWhereItStands(string line, int column, string expected)
    {
        var error = OnlyError("FROM vm/ubuntu:18.04\n" + line + "\n");
        Assert.Equal((2, column), (error.Span.Line, error.Span.Column));
        Assert.Contains(expected, error.Expected);
        Assert.Equal(line.StartsWith("BUILD", StringComparison.Ordinal) ? "ENV" : expected == "TCP" ? "WEBSITE" : expected, error.Suggestion);
    }

    [Theory]
    [InlineData("COPY", 5, "a source path")]
    [InlineData("RUN", 4, "a shell command")]
    [InlineData("WORKDIR", 8, "a directory")]
    [InlineData("WORKDIR /a /b", 12, "end of instruction")]
    [InlineData("CLONE https://x/y.git", 22, "a destination path")]
    [InlineData("ENV", 4, "KEY=VALUE")]
    [InlineData("SKIP REMAINING IF", 18, "a condition such as GIT_BRANCH=main")]
    [InlineData("COPY \"unterminated b", 6, "a closing \"")]
    public void MissingOrExtraArgumentsSayWhatWasExpected(string line, int column, string expected)
    {
        var errors = Errors("FROM vm/ubuntu:18.04\n" + line + "\n").Where(e => e.Span.Line == 2).ToList();
        var error = Assert.Single(errors);
        Assert.Equal(column, error.Span.Column);
        Assert.Contains(expected, error.Expected);
    }

    [Theory]
    [InlineData("SPLIT 0", 7, "a positive whole number")]
    [InlineData("SPLIT -3", 7, "a positive whole number")]
    [InlineData("MEMORY 2GB", 9, "K")]
    [InlineData("MEMORY 2", 9, "G")]
    [InlineData("MEMORY lots", 8, "a whole number")]
    [InlineData("SKIP REMAINING IF A=~(unclosed", 22, "a regular expression")]
    [InlineData("EXPOSE WEBSITE localhost:80 api", 29, "a path starting with /")]
    [InlineData("EXPOSE TCP 70000", 12, "a port")]
    public void ArgumentValuesAreChecked(string line, int column, string expected)
    {
        var error = OnlyError("FROM vm/ubuntu:18.04\n" + line + "\n");
        Assert.Equal((2, column), (error.Span.Line, error.Span.Column));
        Assert.Contains(expected, error.Expected);
    }

    [Theory]
    [InlineData("CLONE x DEFAULT=main", 21)]
    [InlineData("CLONE x DEFAULT=a DEFAULT=b /d", 31)]
    public void CloneNeedsOneDestinationAndAtMostOneDefault(string line, int column)
    {
        var error = OnlyError("FROM vm/ubuntu:18.04\n" + line + "\n");
        Assert.Equal((2, column), (error.Span.Line, error.Span.Column));
    }

    // A CLONE's repository and DEFAULT reach the host's git as arguments: what git would read as an
    // option (--upload-pack=CMD runs CMD as root) or as a remote helper (ext::CMD) is refused here.
    [Theory]
    [InlineData("CLONE --upload-pack=touch%20/tmp/x /d", 7, "a repository URL")]
    [InlineData("CLONE '-uevil' /d", 7, "a repository URL")]
    [InlineData("CLONE ext::sh%20-c%20id /d", 7, "a repository URL")]
    [InlineData("CLONE \"fd::3\" /d", 7, "a repository URL")]
    [InlineData("CLONE \"https://x/\u001b]0;t\u0007.git\" /d", 7, "a repository URL")]
    [InlineData("CLONE https://x/y.git DEFAULT=--upload-pack=x /d", 31, "a branch name")]
    public void CloneRefusesWhatGitWouldRunAsACommand(string line, int column, string expected)
    {
        var error = OnlyError("FROM vm/ubuntu:18.04\n" + line + "\n");
        Assert.Equal((2, column), (error.Span.Line, error.Span.Column));
        Assert.Contains(expected, error.Expected);
    }

    [Theory]
    [InlineData("CLONE https://github.com/a/b.git /d")]
    [InlineData("CLONE git@github.com:a/b.git DEFAULT=release/1.x /d")]
    [InlineData("CLONE ssh://git@host:2222/a-b/c.git /d")]
    [InlineData("CLONE \"git@github.com:hello/my repo has spaces.git\" /d")]
    [InlineData("CLONE https://x/y-z.git DEFAULT=feature-1 /d")]
    public void CloneTakesTheUrlsGitTakes(string line)
    {
        Assert.Empty(Errors("FROM vm/ubuntu:18.04\n" + line + "\n"));
    }

    [Fact]
    public void ADefaultThatNoBranchCanBeIsOnlyAWarning()
    {
        var result = LayerfileParser.Parse("FROM vm/ubuntu:18.04\nCLONE x DEFAULT='hello world' /d\n", "L");
        Assert.False(result.HasErrors);
        Assert.Equal((Severity.Warning, 2, 17), result.Diagnostics.Select(d => (d.Severity, d.Span.Line, d.Span.Column)).Single());
    }

    [Fact]
    public void AReversedCharacterRangeIsOnlyAWarning()
    {
        var result = LayerfileParser.Parse("FROM vm/ubuntu:18.04\nSKIP REMAINING IF T =~ ^([skip-deploy])$\n", "L");
        Assert.False(result.HasErrors);
        Assert.Equal((Severity.Warning, 2, 24), result.Diagnostics.Select(d => (d.Severity, d.Span.Line, d.Span.Column)).Single());
    }

    [Fact]
    public void OnlyMemoryMayPrecedeFrom()
    {
        Assert.Empty(Errors("# comment\nMEMORY 2G\nFROM vm/ubuntu:18.04\n"));
        var error = OnlyError("RUN echo\nFROM vm/ubuntu:18.04\n");
        Assert.Equal((1, 1, 1, 4), (error.Span.Line, error.Span.Column, error.Span.EndLine, error.Span.EndColumn));
        Assert.Equal(["FROM"], error.Expected);
    }

    [Fact]
    public void AMisspeltFromIsOneErrorNotThree()
    {
        Assert.Single(Errors("From /base\nRUN x\n"));
        var errors = Errors("FROM vm/ubuntu:18.04\nfrom /base\n");
        Assert.Equal([(2, 1)], errors.Select(e => (e.Span.Line, e.Span.Column)));
    }

    [Fact]
    public void ASecondFromIsAnError()
    {
        var error = OnlyError("FROM vm/ubuntu:18.04\nRUN a\nFROM vm/ubuntu:22.04\n");
        Assert.Equal((3, 1), (error.Span.Line, error.Span.Column));
    }

    [Theory]
    [InlineData("", 1, 1)]
    [InlineData("\n", 1, 1)]
    [InlineData("# only a comment\n\n  RUN echo\n", 3, 3)]
    [InlineData("MEMORY 2G\n", 1, 1)]
    public void NoFromIsReportedAtTheFirstInstruction(string text, int line, int column)
    {
        var error = OnlyError(text);
        Assert.Equal((line, column), (error.Span.Line, error.Span.Column));
        Assert.Equal(["FROM"], error.Expected);
    }

    [Fact]
    public void EveryErrorIsReportedInOnePassAndParsingGoesOn()
    {
        var result = LayerfileParser.Parse("FROM vm/ubuntu:18.04\nCMD x\nRUN ok\nexpose 80\nSPLIT 0\nCOPY a b\n", "L");
        Assert.Equal([2, 4, 5], result.Errors.Select(e => e.Span.Line));
        Assert.Equal(
            [InstructionKind.From, InstructionKind.Run, InstructionKind.Split, InstructionKind.Copy],
            result.Layerfile.Instructions.Select(i => i.Kind));
    }

    [Fact]
    public void TheFormatterPrintsTheLineAndACaretUnderTheColumn()
    {
        const string text = "FROM vm/ubuntu:18.04\n\tEXPOSE 80\n";
        var result = LayerfileParser.Parse(text, "dir/Layerfile");
        var lines = DiagnosticFormatter.Format(result.Errors.Single(), text).Split('\n');
        Assert.StartsWith("dir/Layerfile:2:9: error: ", lines[0]);
        Assert.Equal("\tEXPOSE 80", lines[1]);
        Assert.Equal("\t       ^", lines[2]);
    }
}
