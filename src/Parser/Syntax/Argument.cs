namespace Layer.Parser;

/// <summary>
/// One argument of an instruction. <see cref="Raw"/> is the text exactly as written (quotes included);
/// <see cref="Value"/> is the text with its quoting removed: <c>"a b"</c> and <c>'a b'</c> are <c>a b</c>,
/// and <c>\"</c> inside double quotes is <c>"</c>. <c>$VAR</c> references are kept as written in both.
/// </summary>
public sealed record Argument(string Value, string Raw, SourceSpan Span);
