using Layer.Parser;

namespace Layer.Engine.Planning;

/// <summary>A Layerfile that parses but cannot be run as written: the diagnostic names the line.</summary>
public sealed class PlanException(Diagnostic diagnostic) : Exception(diagnostic.ToString())
{
    public Diagnostic Diagnostic { get; } = diagnostic;

    public static PlanException At(SourceSpan span, string message) => new(new Diagnostic(Severity.Error, span, message, []));
}
