namespace Layer.Parser;

/// <summary>
/// Rules that need the whole file, run after every instruction was parsed: a Layerfile has exactly one
/// FROM and it comes first (webapp.io lets only MEMORY, and comments, precede it).
/// </summary>
internal static class Checker
{
    /// <param name="lines">Every logical line in order: its first word, and the instruction when it parsed.</param>
    public static void Check(string file, IReadOnlyList<(LineMap Line, string Keyword, Instruction? Parsed)> lines, List<Diagnostic> diagnostics)
    {
        var froms = lines.Where(l => l.Keyword == "FROM").ToList();
        if (froms.Count == 0)
        {
            // `From /base` already has its own error (keywords are case-sensitive); taking it as the FROM
            // avoids a second, misleading "no FROM".
            froms = lines.Where(l => l.Keyword.Equals("FROM", StringComparison.OrdinalIgnoreCase)).ToList();
        }

        if (froms.Count == 0)
        {
            // Point at the first line that should have been the FROM, so the report names the first faulty line.
            var first = lines.FirstOrDefault(l => l.Keyword != "MEMORY").Line;
            var span = first?.Span(0, 0) ?? new SourceSpan(file, 1, 1, 1, 1);
            diagnostics.Add(Diagnostic.Error(span, "this Layerfile has no FROM; it starts with `FROM vm/ubuntu:18.04` (a base image) or `FROM /path` (another Layerfile)", ["FROM"]));
            return;
        }

        var firstFrom = froms[0].Line;
        foreach (var (line, keyword, parsed) in lines.TakeWhile(l => l.Line != firstFrom))
        {
            // A line that did not parse already has its error.
            if (parsed is not null && keyword != "MEMORY")
            {
                diagnostics.Add(Diagnostic.Error(line.Span(0, keyword.Length), $"{keyword} comes before FROM (line {firstFrom.FirstLine}); only MEMORY and comments may precede FROM", ["FROM"]));
            }
        }

        foreach (var (line, _, _) in froms.Skip(1))
        {
            diagnostics.Add(Diagnostic.Error(line.Span(0, "FROM".Length), $"a second FROM (the first is at line {firstFrom.FirstLine}); a Layerfile has exactly one FROM, and another Layerfile can build on this one with `FROM /path/to/it`", []));
        }
    }
}
