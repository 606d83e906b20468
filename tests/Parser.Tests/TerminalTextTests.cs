using FsCheck;
using FsCheck.Xunit;

namespace Layer.Parser.Tests;

/// <summary>
/// Control characters a Layerfile holds never reach the terminal through a diagnostic: the echoed line
/// and the message show them as \xHH, and the caret still stands under the offending character.
/// </summary>
public sealed class TerminalTextTests
{
    private static bool HasControl(string text) => text.Any(c => c is (< ' ' and not ('\t' or '\n')) or (>= '\x7f' and <= '\x9f'));

    [Theory]
    [InlineData("\u001b[2J", "\\x1b[2J")]                           // clear the screen
    [InlineData("\u001b]0;owned\u0007", "\\x1b]0;owned\\x07")]       // OSC: set the window title
    [InlineData("a\0b\u007fc\u009b31m", "a\\x00b\\x7fc\\x9b31m")]    // NUL, DEL, C1 CSI
    [InlineData("over\rwrite", "over\\x0dwrite")]
    [InlineData("tab\tand é stay", "tab\tand é stay")]
    public void ControlsAreWrittenAsHexEscapes(string text, string escaped) => Assert.Equal(escaped, TerminalText.Escape(text));

    [Fact]
    public void AnEchoedLineIsEscapedAndTheCaretStaysUnderItsCharacter()
    {
        var source = "FROM vm/x\nRUN echo \u001b]0;t\u0007 && \u001b[2J\nCOPY \u001b[31m \u0000\t\"unclosed\n";
        var result = LayerfileParser.Parse(source, "L");
        var error = Assert.Single(result.Errors);
        Assert.Equal((3, 14), (error.Span.Line, error.Span.Column)); // the quote never closed
        var lines = DiagnosticFormatter.Format(error, source).Split('\n');
        Assert.False(HasControl(string.Join("\n", lines)), string.Join("\n", lines));
        Assert.Equal("COPY \\x1b[31m \\x00\t\"unclosed", lines[1]);
        // "COPY " 5, ESC 4, "[31m" 4, " " 1, NUL 4, then the tab as it is.
        Assert.Equal(new string(' ', 5 + 4 + 4 + 1 + 4) + "\t^", lines[2]);
    }

    [Fact]
    public void AMessageQuotingLayerfileTextAndAPathAreEscaped()
    {
        var source = "FROM vm/x\n\u001b[2Jrm -rf x\n";
        var error = Assert.Single(LayerfileParser.Parse(source, "we\u001b[1mird/Layerfile").Errors);
        Assert.Contains('\u001b', error.Message); // the structured message keeps the text as it is
        var shown = DiagnosticFormatter.Format(error, source);
        Assert.False(HasControl(shown), shown);
        Assert.StartsWith("we\\x1b[1mird/Layerfile:2:1: error: ", shown);
        Assert.Contains("`\\x1b[2Jrm`", shown);
    }

    /// <summary>Whatever the text, a formatted diagnostic holds no control character and its caret points at the escaped form of its column's character.</summary>
    [Property(MaxTest = 500)]
    public void FormattedDiagnosticsAreSafeAndTheCaretLinesUp(NonNull<string> text)
    {
        var source = "FROM vm/x\n" + text.Get;
        foreach (var diagnostic in LayerfileParser.Parse(source, "L").Diagnostics)
        {
            var shown = DiagnosticFormatter.Format(diagnostic, source);
            Assert.False(HasControl(shown), shown);
            var lines = shown.Split('\n');
            if (lines.Length < 3) continue;
            var line = source.Split('\n')[diagnostic.Span.Line - 1].TrimEnd('\r');
            if (diagnostic.Span.Column > line.Length) continue;
            var caret = lines[^1].IndexOf('^');
            Assert.StartsWith(TerminalText.Escape(line[(diagnostic.Span.Column - 1)..]), lines[^2][caret..]);
        }
    }

    [Fact]
    public void The_fast_path_knows_every_unsafe_character_and_no_other()
    {
        for (var c = char.MinValue; c < '\u3000'; c++)
        {
            var text = "a" + c + "b";
            Assert.Equal(TerminalText.IsUnsafe(c), TerminalText.Escape(text) != text);
        }
    }
}
