namespace Layer.Parser;

/// <summary>
/// Where a piece of a Layerfile stands: 1-based line and column of its first character and of the
/// position just after its last one. Columns count UTF-16 characters; a tab is one column.
/// A span can cover several physical lines when an instruction continues with a backslash.
/// </summary>
public readonly record struct SourceSpan(string File, int Line, int Column, int EndLine, int EndColumn)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}
