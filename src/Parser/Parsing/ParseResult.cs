namespace Layer.Parser;

/// <summary>
/// The outcome of parsing one Layerfile: the tree of the instructions that parsed, and every problem
/// found, errors and warnings, in source order. The tree is always there, even when errors are.
/// </summary>
public sealed record ParseResult(Layerfile Layerfile, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.Severity == Severity.Error);

    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.Severity == Severity.Error);

    /// <summary>
    /// The text the diagnostics point into, to show their lines (<see cref="DiagnosticFormatter"/>)
    /// without reading the file again; null when the file could not be read at all.
    /// </summary>
    public string? Source { get; init; }
}
