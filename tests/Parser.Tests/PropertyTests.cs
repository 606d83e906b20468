using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Layer.Parser.Tests;

/// <summary>Text made of Layerfile pieces (keywords, quotes, backslashes, comments, line breaks), more likely than random characters to reach deep into the grammar.</summary>
public sealed record LayerfileText(string Text)
{
    public override string ToString() => Text.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\t", "\\t");
}

/// <summary>Instructions as lists of words, written once tidily and once with messy layout.</summary>
public sealed record Rewrapped(string Tidy, string Messy)
{
    public override string ToString() => $"tidy:\n{Tidy}\nmessy:\n{Messy}";
}

public static class LayerfileArbitraries
{
    private static readonly string[] Fragments =
    [
        "FROM", "RUN", "COPY", "CLONE", "ENV", "BUILD", "SECRET", "WORKDIR", "USER", "CACHE", "CHECKPOINT", "SPLIT", "WAIT",
        "MEMORY", "SETUP", "FILE", "SKIP", "REMAINING", "IF", "AND", "LABEL", "BUTTON", "EXPOSE", "WEBSITE", "TCP", "ARTIFACT",
        "PUBLIC", "BACKGROUND", "REPEATABLE", "UNORDERED", "DEFAULT=", "disabled", "From", "run", "CMD", "vm/ubuntu:18.04",
        "/base", "../x", "github/a/b@c", "a", "b=c", "K=\"v w\"", "'q q'", "\"", "'", "\\", "\\\\", "#", "=", "!=", "=~", "!=~",
        "$(", ")", "(", "`", "$X", "A=`x y`", "B=$(x (y) \"z)\")", "2G", "0", "5", "-1", "99999999999", "localhost:80", "http://x:1", "/api", "[a-", "é", "\u0000",
    ];

    private static readonly string[] Separators = [" ", "  ", "\t", "\n", "\r\n", " \\\n", "\\\n", "\\ \t\r\n", "\n\n", "\n# c\n", "\n  # c \\\n", "\r"];

    public static Arbitrary<LayerfileText> Texts() =>
        Arb.From(Gen.ListOf(Gen.Frequency((3, Gen.Elements(Fragments)), (2, Gen.Elements(Separators))))
            .Select(parts => new LayerfileText(string.Concat(parts))));

    private static readonly string[] ShellWords = ["echo", "npm", "install", "&&", "||", "|", ";", "-y", "'a  b'", "\"x \\\" y\"", "$(date +%s)", "`id -u`", "a#b", "$HOME", "2>&1"];

    private static readonly Gen<string[]> Instructions = Gen.OneOf(
        Gen.NonEmptyListOf(Gen.Elements(ShellWords)).Select(w => new[] { "RUN" }.Concat(w).ToArray()),
        Gen.NonEmptyListOf(Gen.Elements(ShellWords)).Select(w => new[] { "RUN", "BACKGROUND" }.Concat(w).ToArray()),
        Gen.NonEmptyListOf(Gen.Elements("a", "/src", "\"my file\"", "'x y'")).Select(w => new[] { "COPY" }.Concat(w).Append("/dest").ToArray()),
        Gen.NonEmptyListOf(Gen.Elements("A=1", "B=\"two  words\"", "PATH=$HOME/bin:$PATH", "E=")).Select(w => new[] { "ENV" }.Concat(w).ToArray()),
        Gen.NonEmptyListOf(Gen.Elements("/a", "../b", "c/Layerfile")).Select(w => new[] { "WAIT" }.Concat(w).ToArray()),
        Gen.Elements(
            new[] { "SKIP", "REMAINING", "IF", "A=b", "AND", "C!=~\"x  y\"" },
            new[] { "EXPOSE", "WEBSITE", "localhost:80", "/api", "/" },
            new[] { "SPLIT", "UNORDERED", "3" },
            new[] { "MEMORY", "2G" },
            new[] { "BUTTON", "deploy", "this", "now?" },
            new[] { "CLONE", "https://x/y.git", "DEFAULT=main", "/a", "/dest" },
            new[] { "BUILD", "ENV", "GIT_BRANCH", "X" },
            new[] { "CHECKPOINT", "deploy" },
            new[] { "ARTIFACT", "PUBLIC", "/out" }));

    // Blanks that separate words: a continuation may stand in any of them, with comment lines and an
    // indented next line; at least one blank always remains between the words once joined.
    private static readonly string[] MessySeparators = [" ", "   ", "\t", " \\\n    ", " \\\r\n\t", "\\\n  ", " \\\n# a comment\n   ", " \\  \n  # indented comment \\\n "];

    private static readonly string[] MessyGaps = ["\n", "\r\n", "\n\n", "\n# comment\n", "\n   \n\t# another\n"];

    public static Arbitrary<Rewrapped> Rewrappings() =>
        Arb.From(
            from instructions in Gen.NonEmptyListOf(Instructions)
            from separators in Gen.ArrayOf(Gen.Elements(MessySeparators), instructions.Sum(i => i.Length))
            from gaps in Gen.ArrayOf(Gen.Elements(MessyGaps), instructions.Count)
            from indents in Gen.ArrayOf(Gen.Elements("", "  ", "\t"), instructions.Count)
            select Render(instructions, separators, gaps, indents));

    private static Rewrapped Render(IReadOnlyList<string[]> instructions, string[] separators, string[] gaps, string[] indents)
    {
        var tidy = "FROM vm/ubuntu:18.04\n" + string.Join("\n", instructions.Select(i => string.Join(' ', i))) + "\n";
        var messy = new System.Text.StringBuilder("# header\nFROM   vm/ubuntu:18.04  \n");
        var s = 0;
        for (var i = 0; i < instructions.Count; i++)
        {
            messy.Append(indents[i]);
            for (var w = 0; w < instructions[i].Length; w++)
            {
                if (w > 0) messy.Append(separators[s++]);
                messy.Append(instructions[i][w]);
            }

            messy.Append(gaps[i]);
        }

        return new Rewrapped(tidy, messy.ToString());
    }
}

/// <summary>
/// Property tests: whatever the input, the parser returns a tree and diagnostics (never another
/// exception, never a position outside the text); the canonical form reads back as the same tree; and
/// the canonical form ignores layout (comments, continuations, blanks) but not meaning.
/// </summary>
[Properties(Arbitrary = [typeof(LayerfileArbitraries)], MaxTest = 300)]
public sealed class PropertyTests
{
    [Property(MaxTest = 1000)]
    public bool ArbitraryStringsYieldATreeOrDiagnostics(string? text) => WellFormed(text ?? "");

    [Property(MaxTest = 1000)]
    public bool LayerfileLikeTextYieldsATreeOrDiagnostics(LayerfileText text) => WellFormed(text.Text);

    [Property(MaxTest = 1000)]
    public bool CanonicalFormReadsBackAsTheSameTree(LayerfileText text) => RoundTrips(text.Text);

    [Property]
    public bool CanonicalFormOfArbitraryStringsReadsBack(string? text) => RoundTrips(text ?? "");

    [Property]
    public void LayoutDoesNotChangeTheCanonicalForm(Rewrapped text)
    {
        var tidy = LayerfileParser.Parse(text.Tidy, "L");
        var messy = LayerfileParser.Parse(text.Messy, "L");
        Assert.Empty(tidy.Diagnostics);
        Assert.False(messy.HasErrors, string.Join("\n", messy.Diagnostics));
        Assert.Equal(tidy.Layerfile.Instructions.Select(i => i.Canonical), messy.Layerfile.Instructions.Select(i => i.Canonical));
    }

    [Property]
    public void ChangingQuotedTextChangesTheCanonicalForm(Rewrapped text)
    {
        // Inside quotes, blanks are meaning: doubling them must show in the canonical form.
        var original = LayerfileParser.Parse(text.Tidy, "L").Layerfile.Instructions.Select(i => i.Canonical).ToList();
        var changedText = text.Tidy.Replace("'a  b'", "'a   b'").Replace("\"two  words\"", "\"two words\"").Replace("\"x  y\"", "\"x y\"").Replace("'x y'", "'x  y'");
        var changed = LayerfileParser.Parse(changedText, "L").Layerfile.Instructions.Select(i => i.Canonical).ToList();
        Assert.Equal(changedText != text.Tidy, !original.SequenceEqual(changed));
    }

    private static bool WellFormed(string text)
    {
        var result = LayerfileParser.Parse(text, "L");
        var lines = text.Split('\n').Length;
        foreach (var span in result.Diagnostics.Select(d => d.Span).Concat(result.Layerfile.Instructions.Select(i => i.Span)))
        {
            Assert.InRange(span.Line, 1, lines);
            Assert.InRange(span.EndLine, span.Line, lines);
            Assert.True(span.Column >= 1 && span.EndColumn >= 1, $"bad span {span}");
        }

        Assert.All(result.Layerfile.Instructions, i => Assert.False(string.IsNullOrEmpty(i.Canonical)));

        // An argument on one line stands exactly where its span says.
        var source = (text.StartsWith('\uFEFF') ? text[1..] : text).Split('\n'); // columns as editors count them, without a byte order mark
        foreach (var argument in result.Layerfile.Instructions.SelectMany(TreeShape.Arguments).Where(a => a.Span.Line == a.Span.EndLine))
        {
            var line = source[argument.Span.Line - 1];
            Assert.Equal(argument.Raw, line[(argument.Span.Column - 1)..(argument.Span.EndColumn - 1)]);
        }

        // And its value is its raw text unquoted (or, for rest-of-line texts, the raw text itself or folded);
        // an ENV value keeps its `...` and $(...) as written.
        var envValues = result.Layerfile.Instructions.OfType<EnvInstruction>().SelectMany(e => e.Pairs).Where(p => !p.DockerForm)
            .Select(p => p.Value).ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var argument in result.Layerfile.Instructions.SelectMany(TreeShape.Arguments))
        {
            var folded = string.Join(' ', argument.Raw.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
            var unquoted = envValues.Contains(argument) ? Unquote(argument.Raw, commands: true) : Unquote(argument.Raw);
            Assert.Contains(argument.Value, new[] { unquoted, argument.Raw, folded });
        }

        return true;
    }

    /// <summary>
    /// A reference for the grammar's quote removal: '...' literal, "..." with \" and \\ escaped; with
    /// <paramref name="commands"/> (ENV values), `...` and $(...) copied as written, their parentheses
    /// counted and the quotes inside them skipped.
    /// </summary>
    private static string Unquote(string raw, bool commands = false)
    {
        var value = new System.Text.StringBuilder();
        char? quote = null;
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (quote is null && commands && (c == '`' || (c == '$' && i + 1 < raw.Length && raw[i + 1] == '(')))
            {
                var end = CommandEnd(raw, i);
                value.Append(raw, i, end - i);
                i = end - 1;
            }
            else if (quote is null && c is '"' or '\'') quote = c;
            else if (quote == c) quote = null;
            else if (quote == '"' && c == '\\' && i + 1 < raw.Length && raw[i + 1] is '"' or '\\') value.Append(raw[++i]);
            else value.Append(c);
        }

        return value.ToString();
    }

    /// <summary>Just after the `...` or $(...) that starts at <paramref name="start"/>.</summary>
    private static int CommandEnd(string raw, int start)
    {
        if (raw[start] == '`')
        {
            for (var i = start + 1; i < raw.Length; i++)
            {
                if (raw[i] == '\\') i++;
                else if (raw[i] == '`') return i + 1;
            }

            return raw.Length;
        }

        var depth = 0;
        for (var i = start + 2; i < raw.Length; i++)
        {
            switch (raw[i])
            {
                case '\\':
                    i++;
                    break;
                case '\'':
                    i = raw.IndexOf('\'', i + 1) is var close and >= 0 ? close : raw.Length;
                    break;
                case '"':
                    for (i++; i < raw.Length && raw[i] != '"'; i++)
                    {
                        if (raw[i] == '\\') i++;
                    }

                    break;
                case '`':
                    i = CommandEnd(raw, i) - 1;
                    break;
                case '(':
                    depth++;
                    break;
                case ')' when depth == 0:
                    return i + 1;
                case ')':
                    depth--;
                    break;
            }
        }

        return raw.Length;
    }

    private static bool RoundTrips(string text)
    {
        var first = LayerfileParser.Parse(text, "L").Layerfile.Instructions;
        var printed = string.Join("\n", first.Select(i => i.Canonical));
        var second = LayerfileParser.Parse(printed, "L").Layerfile.Instructions;
        Assert.Equal(first.Select(TreeShape.Of), second.Select(TreeShape.Of));
        Assert.Equal(first.Select(i => i.Canonical), second.Select(i => i.Canonical));
        return true;
    }
}
