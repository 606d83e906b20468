using Layer.Cli.Terminal;

namespace Layer.Cli.Tests;

/// <summary>What reaches the terminal from Layerfile text and guest output: colour passes, every other control is shown, not obeyed.</summary>
public sealed class TerminalWriterTests
{
    private static string Through(params string[] writes)
    {
        var target = new StringWriter();
        using (var writer = new TerminalWriter(target))
        {
            foreach (var text in writes) writer.Write(text);
        }

        return target.ToString();
    }

    [Theory]
    [InlineData("plain text\n\tindented", "plain text\n\tindented")]
    [InlineData("\e[31mred\e[0m", "\e[31mred\e[0m")]
    [InlineData("\e[38;2;1;2;3mtrue colour\e[m", "\e[38;2;1;2;3mtrue colour\e[m")]
    [InlineData("\e]0;owned\a", "\\x1b]0;owned\\x07")]
    [InlineData("\e]52;c;c2VjcmV0\e\\", "\\x1b]52;c;c2VjcmV0\\x1b\\")]
    [InlineData("\e[2J\e[H", "\\x1b[2J\\x1b[H")]
    [InlineData("safe\rforged", "safe\\x0dforged")]
    [InlineData("nul\0bell\a del\x7f", "nul\\x00bell\\x07 del\\x7f")]
    [InlineData("c1 csi \u009b31m", "c1 csi \\x9b31m")]
    [InlineData("abc\u202edcb", "abc\\u202edcb")]
    [InlineData("trailing \e", "trailing \\x1b")]
    [InlineData("é ü 日本 ✓", "é ü 日本 ✓")]
    public void Only_colour_and_text_pass(string input, string expected)
    {
        Assert.Equal(expected, Through(input));
        Assert.Equal(expected, TerminalWriter.Visible(input));
    }

    [Fact]
    public void A_sequence_split_across_writes_is_judged_whole()
    {
        Assert.Equal("\e[31mred", Through("\e", "[3", "1m", "red"));
        Assert.Equal("\\x1b]0;t\\x07", Through("\e", "]0;t", "\a"));
    }

    [Fact]
    public void An_endless_parameter_list_is_not_held_back_forever()
    {
        var endless = "\e[" + new string('1', 500);
        Assert.StartsWith("\\x1b[111", Through(endless));
        Assert.Equal(500 + "\\x1b[".Length, Through(endless).Length);
    }
}
