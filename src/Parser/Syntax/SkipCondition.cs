namespace Layer.Parser;

public enum SkipOperator
{
    /// <summary><c>=</c>: the variable equals the value.</summary>
    Equals,

    /// <summary><c>!=</c></summary>
    NotEquals,

    /// <summary><c>=~</c>: the value is a regular expression that matches the variable.</summary>
    Matches,

    /// <summary><c>!=~</c></summary>
    NotMatches,

    /// <summary>
    /// No operator at all (<c>SKIP REMAINING IF LAYERFILE-main</c>, seen in real Layerfiles): accepted with a
    /// warning; the condition never holds.
    /// </summary>
    None,
}

/// <summary>One condition of SKIP REMAINING IF. <see cref="Value"/> is null only for <see cref="SkipOperator.None"/>.</summary>
public sealed record SkipCondition(string Variable, SkipOperator Operator, Argument? Value, SourceSpan Span)
{
    public static string Spelling(SkipOperator op) => op switch
    {
        SkipOperator.Equals => "=",
        SkipOperator.NotEquals => "!=",
        SkipOperator.Matches => "=~",
        SkipOperator.NotMatches => "!=~",
        _ => "",
    };

    internal string Canonical => Value is null ? Variable : Variable + Spelling(Operator) + Value.Raw;
}
