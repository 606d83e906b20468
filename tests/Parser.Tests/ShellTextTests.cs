namespace Layer.Parser.Tests;

/// <summary>RUN's canonical command folds only the whitespace the shell cannot tell apart.</summary>
public sealed class ShellTextTests
{
    [Theory]
    [InlineData("  a   b\t c  ", "a b c")]
    [InlineData("echo 'a   b'  x", "echo 'a   b' x")]
    [InlineData("echo \"a   $(echo  \"b  c\")\"  x", "echo \"a   $(echo  \"b  c\")\" x")]
    [InlineData("x=$(  echo   a  )", "x=$( echo a )")]
    [InlineData("echo a\\ \\  b", "echo a\\ \\  b")]
    [InlineData("echo `id    -u`", "echo `id -u`")]
    [InlineData("echo $((1 +   2))", "echo $((1 + 2))")]
    public void FoldsUnquotedBlanksOnly(string command, string expected) => Assert.Equal(expected, ShellText.Normalize(command));

    [Theory]
    [InlineData("echo 'unbalanced   x")]
    [InlineData("echo \"open   $(x")]
    public void UnbalancedQuotingIsKeptExactly(string command) => Assert.Equal(command, ShellText.Normalize(command));

    [Fact]
    public void NormalizingTwiceChangesNothing()
    {
        foreach (var command in new[] { "a  'b  c'   d", "x  \"$( y   'z  ' )\"  w", "`a  b`  c" })
        {
            var once = ShellText.Normalize(command);
            Assert.Equal(once, ShellText.Normalize(once));
        }
    }
}
