using System.Text;

namespace Layer.Parser;

/// <summary>
/// Renders diagnostics the way compilers do: the location line, the offending source line, a caret.
/// Control characters of the file are shown escaped (<see cref="TerminalText"/>), never sent to the terminal.
/// </summary>
public static class DiagnosticFormatter
{
    /// <summary>
    /// <c>path:line:col: error: message</c>, then the source line and a caret under the column.
    /// <paramref name="source"/> is the file's text; without it only the first line is written.
    /// </summary>
    public static string Format(Diagnostic diagnostic, string? source)
    {
        var text = new StringBuilder(diagnostic.ToString());
        var line = source is null ? null : LineAt(source, diagnostic.Span.Line);
        if (line is not null)
        {
            text.Append('\n').Append(TerminalText.Escape(line)).Append('\n');
            // Keep the tabs of the line before the caret so that it lands under the right character
            // whatever the terminal's tab width, and as many blanks as each escaped control takes.
            var before = Math.Min(Math.Max(diagnostic.Span.Column - 1, 0), line.Length);
            for (var i = 0; i < before; i++)
            {
                if (line[i] == '\t') text.Append('\t');
                else text.Append(' ', TerminalText.Width(line[i]));
            }

            text.Append('^');
        }

        return text.ToString();
    }

    private static string? LineAt(string source, int number)
    {
        var starts = LineStarts.GetValue(source, Index);
        if (number < 1 || number > starts.Count) return null;
        var start = starts[number - 1];
        var end = number < starts.Count ? starts[number] - 1 : source.Length;
        return source[start..end].TrimEnd('\r');
    }

    // Where each line starts, found once per source text: a file with many diagnostics would otherwise
    // be scanned from its start for each one.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<string, List<int>> LineStarts = new();

    private static List<int> Index(string source)
    {
        var starts = new List<int> { 0 };
        for (var i = source.IndexOf('\n'); i >= 0; i = source.IndexOf('\n', i + 1)) starts.Add(i + 1);
        return starts;
    }
}
