namespace Layer.Parser;

/// <summary>The entry point: Layerfile text in, syntax tree and diagnostics out. Never throws on bad input.</summary>
public static class LayerfileParser
{
    /// <summary>
    /// Parses and checks one Layerfile. <paramref name="path"/> is only used to name the file in spans and
    /// messages. Every error of the file is reported in one pass: a faulty instruction is left out of the
    /// tree and parsing goes on at the next one. Time and memory grow linearly with the text, which
    /// <see cref="Limits"/> bounds: a text past <see cref="Limits.MaxBytes"/> gets only that error.
    /// </summary>
    public static ParseResult Parse(string text, string path)
    {
        var source = text;
        // A byte order mark is not part of the first line as editors show it.
        var bom = text.StartsWith('\uFEFF');
        if (bom) text = text[1..];
        var tooLarge = Limits.SizeExceededAt(text, bom ? 3 : 0);
        if (tooLarge >= 0) return Refused(source, tooLarge + (bom ? 1 : 0), path, Limits.TooLarge);

        var diagnostics = new List<Diagnostic>();
        var entries = new List<(LineMap Line, string Keyword, Instruction? Parsed)>();
        var instructions = new List<Instruction>();
        var stopped = false;
        foreach (var line in LogicalLines.Split(text, path, diagnostics))
        {
            var keyword = SyntaxError.WordAt(line.Text, 0);
            var parsed = Beyond(line, diagnostics) ? null : Parse(line, keyword, diagnostics);
            if (parsed is not null) instructions.Add(parsed);
            entries.Add((line, keyword, parsed));

            // Past the limit on problems, what follows would not be shown: reading on would only cost
            // time and memory (a megabyte of bad lines is half a million diagnostics).
            stopped = diagnostics.Count > Limits.MaxDiagnostics;
            if (stopped) break;
        }

        // The whole-file rules need the whole file (a FROM may come after the lines read).
        if (!stopped) Checker.Check(path, entries, diagnostics);
        return new ParseResult(new Layerfile(path, instructions), Capped(diagnostics)) { Source = source };
    }

    /// <summary>In source order; past <see cref="Limits.MaxDiagnostics"/>, one error where the next problem stands.</summary>
    private static List<Diagnostic> Capped(List<Diagnostic> diagnostics)
    {
        var ordered = diagnostics.OrderBy(d => d.Span.Line).ThenBy(d => d.Span.Column).ToList();
        if (ordered.Count <= Limits.MaxDiagnostics) return ordered;
        var next = ordered[Limits.MaxDiagnostics].Span;
        ordered.RemoveRange(Limits.MaxDiagnostics, ordered.Count - Limits.MaxDiagnostics);
        ordered.Add(Diagnostic.Error(next with { EndLine = next.Line, EndColumn = next.Column + 1 }, Limits.TooMany));
        return ordered;
    }

    private static Instruction? Parse(LineMap line, string keyword, List<Diagnostic> diagnostics)
    {
        var result = Grammar.Parse(line.Text, keyword);
        if (result is { Success: true }) return result.Value(line, diagnostics);
        diagnostics.Add(result is null ? SyntaxError.UnknownDirective(line, keyword) : SyntaxError.Describe(line, result.Error!));
        return null;
    }

    /// <summary>
    /// An instruction too long or nested too deep is not parsed: its error stands where the limit was
    /// passed. The grammar recurses into nested <c>$(</c>, so the nesting check also bounds its stack.
    /// </summary>
    private static bool Beyond(LineMap line, List<Diagnostic> diagnostics)
    {
        if (line.Text.Length > Limits.MaxInstructionLength)
        {
            diagnostics.Add(Diagnostic.Error(line.Span(Limits.MaxInstructionLength, Limits.MaxInstructionLength + 1), Limits.TooLong));
            return true;
        }

        var deep = ShellText.NestingExceeded(line.Text, Limits.MaxNesting);
        if (deep < 0) return false;
        diagnostics.Add(Diagnostic.Error(line.Span(deep, deep + 1), Limits.TooDeep));
        return true;
    }

    /// <summary>
    /// A text not read at all (too large, not UTF-8): an empty tree and one error at the character at
    /// <paramref name="index"/> of <paramref name="source"/>, whose byte order mark, if any, is no column.
    /// </summary>
    internal static ParseResult Refused(string source, int index, string path, string message)
    {
        var text = source.StartsWith('\uFEFF') ? source[1..] : source;
        index = Math.Max(0, index - (source.Length - text.Length));
        var lineStart = index == 0 ? 0 : text.LastIndexOf('\n', index - 1) + 1;
        var line = 1 + text.AsSpan(0, lineStart).Count('\n');
        var column = index - lineStart + 1;
        var error = Diagnostic.Error(new SourceSpan(path, line, column, line, column + 1), message);
        return new ParseResult(new Layerfile(path, []), [error]) { Source = source };
    }
}
