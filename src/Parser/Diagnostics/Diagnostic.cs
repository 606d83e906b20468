namespace Layer.Parser;

public enum Severity
{
    Error,
    Warning,
}

/// <summary>
/// A problem found in a Layerfile. <see cref="Expected"/> lists what the parser would have accepted at
/// <see cref="Span"/> (keywords, "a path", ...), empty when the problem is not about a missing piece.
/// Tests and tools should read these fields, not the message text, which may be reworded.
/// </summary>
public sealed record Diagnostic(Severity Severity, SourceSpan Span, string Message, IReadOnlyList<string> Expected)
{
    /// <summary>
    /// What the author most likely meant, when the parser can tell: <c>FROM</c> for <c>From</c>,
    /// <c>REMAINING</c> for <c>REMIANING</c>, <c>RUN BACKGROUND</c> for Dockerfile's <c>CMD</c>,
    /// <c>vm/ubuntu:18.04</c> for <c>ubuntu:18.04</c>. Null otherwise.
    /// </summary>
    public string? Suggestion { get; init; }

    internal static Diagnostic Error(SourceSpan span, string message, IReadOnlyList<string>? expected = null) =>
        new(Severity.Error, span, message, expected ?? []);

    internal static Diagnostic Warning(SourceSpan span, string message) => new(Severity.Warning, span, message, []);

    /// <summary>
    /// <c>path:line:col: error: message</c> (no source excerpt), safe to print: messages quote Layerfile
    /// text and paths are file names, so their control characters are escaped (<see cref="TerminalText"/>).
    /// </summary>
    public override string ToString() =>
        $"{TerminalText.Escape(Span.File)}:{Span.Line}:{Span.Column}: {(Severity == Severity.Error ? "error" : "warning")}: {TerminalText.Escape(Message)}";
}
