using Pidgin;

namespace Layer.Parser;

/// <summary>
/// Turns a grammar failure into a diagnostic that says what was expected and, where it can, what the
/// author most likely meant: a keyword in the wrong case, a typo, a Dockerfile instruction, a shell line
/// that lost the backslash before it.
/// </summary>
internal static class SyntaxError
{
    public static Diagnostic Describe(LineMap line, ParseError<char> error)
    {
        var text = line.Text;
        var offset = WordStart(text, Math.Min(error.ErrorOffset, text.Length));
        if (error.Expected.Any(e => e.Label is "a closing \"" or "a closing '") && UnclosedQuote(text) is int quote)
        {
            // Point at the quote that was never closed, not at the end of the line where that became clear.
            offset = quote;
        }
        else if (error.Expected.Any(e => e.Label is "a closing )" or "a closing `") && ShellText.UnclosedAt(text) is >= 0 and var open)
        {
            offset = open; // the same for an ENV value's $( or backtick
        }

        var word = WordAt(text, offset);
        var expected = error.Expected.Select(Describe).Distinct().ToList();
        var span = line.Span(offset, offset + word.Length);

        if (error.Message is not null)
        {
            return Diagnostic.Error(span, error.Message, expected);
        }

        var keywords = expected.Where(e => e.Length > 0 && e.All(c => char.IsAsciiLetterUpper(c))).ToList();
        var message = word.Length == 0
            ? $"expected {Join(expected)} " + (text.Length <= 40 ? $"after `{text}`" : "at the end of the instruction")
            : $"unexpected `{word}`; expected {Join(expected)}";
        var caseMatch = keywords.FirstOrDefault(k => k == word.ToUpperInvariant());
        var closest = caseMatch ?? Suggestions.Closest(word, keywords);
        if (caseMatch is not null)
        {
            message += $" (keywords are case-sensitive: write `{caseMatch}`)";
        }
        else if (closest is not null)
        {
            message += $" (did you mean `{closest}`?)";
        }
        else if (keywords.Contains("WEBSITE") && word.All(char.IsAsciiDigit) && word.Length > 0)
        {
            message += $"; a Layerfile exposes a port with `EXPOSE WEBSITE localhost:{word}` or `EXPOSE TCP {word}`";
            closest = "WEBSITE";
        }
        else if (keywords.Contains("WEBSITE") && word.Contains("://"))
        {
            message += $"; write `EXPOSE WEBSITE {word}`";
            closest = "WEBSITE";
        }

        return Diagnostic.Error(span, message, expected) with { Suggestion = closest };
    }

    /// <summary>The word (up to a blank) that starts at <paramref name="offset"/>.</summary>
    public static string WordAt(string text, int offset)
    {
        var end = offset;
        while (end < text.Length && text[end] is not (' ' or '\t')) end++;
        return text[offset..end];
    }

    /// <summary>A line whose first word starts no directive: what the author most likely meant, with every keyword expected.</summary>
    public static Diagnostic UnknownDirective(LineMap line, string first)
    {
        var (message, suggestion) = UnknownDirective(first);
        return Diagnostic.Error(line.Span(0, first.Length), message, Keywords.Leading) with { Suggestion = suggestion };
    }

    private static (string Message, string? Suggestion) UnknownDirective(string word)
    {
        var upper = word.ToUpperInvariant();
        if (Keywords.Leading.Contains(upper))
        {
            return ($"`{word}` is not a keyword: keywords are upper case and case-sensitive; write `{upper}`", upper);
        }

        if (Suggestions.ForDockerfileInstruction(word) is var (replacement, docker))
        {
            return (docker, replacement);
        }

        if (Suggestions.Closest(word, Keywords.Leading) is { } closest)
        {
            return ($"unknown directive `{word}`; did you mean `{closest}`?", closest);
        }

        if (word.EndsWith(':'))
        {
            return ($"`{word}` is not a Layerfile directive; this looks like YAML, but a Layerfile is a list of instructions such as `FROM vm/ubuntu:18.04` and `RUN command`", null);
        }

        return ($"unknown directive `{word}`; a Layerfile instruction starts with a directive such as RUN. "
                + $"To run it as a shell command write `RUN {word} ...`; if it continues the instruction above, end the line before with `\\`", "RUN");
    }

    /// <summary>An error inside a word is reported at the word's start, where a reader looks for it.</summary>
    private static int WordStart(string text, int offset)
    {
        if (offset >= text.Length || text[offset] is ' ' or '\t') return offset;
        while (offset > 0 && text[offset - 1] is not (' ' or '\t')) offset--;
        return offset;
    }

    private static int? UnclosedQuote(string text)
    {
        int? open = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (open is int start)
            {
                if (text[start] == '"' && c == '\\') i++;
                else if (c == text[start]) open = null;
            }
            else if (c is '"' or '\'')
            {
                open = i;
            }
        }

        return open;
    }

    private static string Describe(Expected<char> expected) =>
        expected.Label ?? (expected.IsEof ? "end of instruction" : $"`{string.Concat(expected.Tokens)}`");

    private static string Join(IReadOnlyList<string> items) => items.Count switch
    {
        0 => "something else",
        1 => items[0],
        _ => string.Join(", ", items.Take(items.Count - 1)) + " or " + items[^1],
    };
}
