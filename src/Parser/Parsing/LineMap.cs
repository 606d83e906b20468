namespace Layer.Parser;

/// <summary>
/// Maps offsets in a logical line (physical lines joined at backslash continuations) back to physical
/// line and column. Each piece is a run of characters copied from one physical line.
/// </summary>
internal sealed class LineMap
{
    private readonly string file;
    private readonly List<(int Offset, int Line, int Column)> pieces = [];

    public LineMap(string file) => this.file = file;

    /// <summary>The logical line's text (trailing whitespace trimmed).</summary>
    public string Text { get; private set; } = "";

    /// <summary>The physical line the instruction starts on (where its keyword stands).</summary>
    public int FirstLine => Position(0).Line;

    public void Append(string text, int line, int column, System.Text.StringBuilder buffer)
    {
        pieces.Add((buffer.Length, line, column));
        buffer.Append(text);
    }

    public void Complete(string text) => Text = text;

    /// <summary>The span of logical characters [start, end).</summary>
    public SourceSpan Span(int start, int end)
    {
        var (line, column) = Position(start);
        if (end <= start) return new SourceSpan(file, line, column, line, column);
        var (endLine, endColumn) = Position(end - 1);
        return new SourceSpan(file, line, column, endLine, endColumn + 1);
    }

    /// <summary>The whole instruction.</summary>
    public SourceSpan Whole => Span(0, Text.Length);

    /// <summary>Physical position of a logical offset; an offset at the end is just after the last character.</summary>
    public (int Line, int Column) Position(int offset)
    {
        // The last piece starting at or before the offset (a binary search: an instruction continued over
        // thousands of lines asks this for each of its arguments).
        int low = 0, high = pieces.Count - 1;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (pieces[middle].Offset <= offset) low = middle;
            else high = middle - 1;
        }

        var piece = pieces[low];
        return (piece.Line, piece.Column + (offset - piece.Offset));
    }
}

internal static class LineMapExtensions
{
    /// <summary>The argument a piece of this line stands for, with its raw text and physical span.</summary>
    public static Argument Argument(this LineMap map, Piece piece) =>
        new(piece.Value, map.Text[piece.Start..piece.End], map.Span(piece.Start, piece.End));
}
