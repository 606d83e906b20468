namespace Layer.Parser;

/// <summary>The entry point: Layerfile text in, syntax tree and diagnostics out. Never throws on bad input.</summary>
public static class LayerfileParser
{
    /// <summary>
    /// Parses and checks one Layerfile. <paramref name="path"/> is only used to name the file in spans and
    /// messages. Every error of the file is reported in one pass: a faulty instruction is left out of the
    /// tree and parsing goes on at the next one.
    /// </summary>
    public static ParseResult Parse(string text, string path)
    {
        // A byte order mark is not part of the first line as editors show it.
        if (text.StartsWith('\uFEFF')) text = text[1..];
        var diagnostics = new List<Diagnostic>();
        var entries = new List<(LineMap Line, string Keyword, Instruction? Parsed)>();
        var instructions = new List<Instruction>();
        foreach (var line in LogicalLines.Split(text, path, diagnostics))
        {
            var result = Grammar.Parse(line.Text);
            Instruction? parsed = null;
            if (result.Success)
            {
                parsed = result.Value(line, diagnostics);
                instructions.Add(parsed);
            }
            else
            {
                diagnostics.Add(SyntaxError.Describe(line, result.Error!));
            }

            entries.Add((line, SyntaxError.WordAt(line.Text, 0), parsed));
        }

        Checker.Check(path, entries, diagnostics);
        var ordered = diagnostics.OrderBy(d => d.Span.Line).ThenBy(d => d.Span.Column).ToList();
        return new ParseResult(new Layerfile(path, instructions), ordered);
    }
}
