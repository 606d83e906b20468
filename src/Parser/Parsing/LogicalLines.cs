using System.Text;

namespace Layer.Parser;

/// <summary>
/// Splits a Layerfile into logical lines, one per instruction, following Docker's rules:
/// a backslash followed by optional spaces or tabs at the end of a line continues the instruction on the
/// next line (the backslash, those blanks and the line break are removed, the next line's indentation is
/// kept); a line whose first non-blank character is <c>#</c> is a comment, also inside a continuation
/// (where it is dropped and the continuation goes on); an empty line inside a continuation is skipped
/// with a warning. Lines end with LF or CRLF; the last one needs no line break.
/// </summary>
internal static class LogicalLines
{
    /// <summary>The logical lines in order, each made when asked for, with the warnings of its own physical lines.</summary>
    public static IEnumerable<LineMap> Split(string text, string file, List<Diagnostic> diagnostics)
    {
        var physical = text.Split('\n');
        var buffer = new StringBuilder();
        var index = 0;
        while (index < physical.Length)
        {
            var line = TrimCarriageReturn(physical[index]);
            var indent = Indentation(line);
            if (indent == line.Length || line[indent] == '#')
            {
                index++;
                continue;
            }

            var map = new LineMap(file);
            buffer.Clear();
            var content = line[indent..];
            var startColumn = indent + 1;
            var lineNumber = index + 1;
            index++;
            while (true)
            {
                var continues = ContinuationStart(content);
                map.Append(continues < 0 ? content : content[..continues], lineNumber, startColumn, buffer);
                if (continues < 0) break;

                // Find the next line that carries text: skip comments silently, empty lines with a warning.
                string? next = null;
                while (index < physical.Length)
                {
                    var candidate = TrimCarriageReturn(physical[index]);
                    var candidateIndent = Indentation(candidate);
                    // Past the limit on problems the parser stops after this line; a million empty lines add nothing more.
                    if (candidateIndent == candidate.Length && diagnostics.Count > Limits.MaxDiagnostics)
                    {
                        index++;
                        continue;
                    }

                    if (candidateIndent == candidate.Length)
                    {
                        diagnostics.Add(Diagnostic.Warning(
                            new SourceSpan(file, index + 1, 1, index + 1, 1),
                            "empty line inside a continuation: it is skipped and the instruction goes on (remove it, or remove the backslash on the line before to end the instruction)"));
                        index++;
                        continue;
                    }

                    if (candidate[candidateIndent] == '#')
                    {
                        index++;
                        continue;
                    }

                    next = candidate;
                    break;
                }

                if (next is null) break;
                content = next;
                startColumn = 1;
                lineNumber = index + 1;
                index++;
            }

            map.Complete(TrimEnd(buffer.ToString()));
            yield return map;
        }
    }

    private static string TrimCarriageReturn(string line) => line.TrimEnd('\r');

    /// <summary>
    /// Trailing blanks go, and so does a backslash left at the very end (from <c>\\</c> before the end of
    /// the file): printed back, it would read as a continuation, and the canonical form must read back
    /// as the same instruction.
    /// </summary>
    private static string TrimEnd(string text) => text.TrimEnd(' ', '\t', '\r', '\\');

    private static int Indentation(string line)
    {
        var i = 0;
        while (i < line.Length && line[i] is ' ' or '\t') i++;
        return i;
    }

    /// <summary>Index of a continuation backslash (followed only by blanks), or -1.</summary>
    private static int ContinuationStart(string line)
    {
        var end = line.Length;
        while (end > 0 && line[end - 1] is ' ' or '\t' or '\r') end--;
        return end > 0 && line[end - 1] == '\\' ? end - 1 : -1;
    }
}
