namespace Layer.Parser;

/// <summary>A <c>KEY=VALUE</c> pair of ENV or LABEL. <see cref="Span"/> covers the whole pair.</summary>
public sealed record KeyValue(string Key, Argument Value, SourceSpan Span)
{
    /// <summary><c>KEY=raw</c>, or <c>KEY raw</c> for Docker's form (whose value may hold blanks and stray quotes).</summary>
    internal string Canonical => DockerForm ? Key + " " + Value.Raw : Key + "=" + Value.Raw;

    /// <summary>Written as Docker's <c>ENV KEY value</c>, whose value is the rest of the line.</summary>
    internal bool DockerForm { get; init; }
}
