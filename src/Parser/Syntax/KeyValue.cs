namespace Layer.Parser;

/// <summary>A <c>KEY=VALUE</c> pair of ENV or LABEL. <see cref="Span"/> covers the whole pair.</summary>
public sealed record KeyValue(string Key, Argument Value, SourceSpan Span)
{
    /// <summary>
    /// <c>KEY=raw</c>, or Docker's <c>KEY raw</c> form when the raw value holds whitespace (which only the
    /// one-pair <c>ENV KEY value with spaces</c> form can carry).
    /// </summary>
    internal string Canonical => Value.Raw.Any(c => c is ' ' or '\t') ? Key + " " + Value.Raw : Key + "=" + Value.Raw;
}
