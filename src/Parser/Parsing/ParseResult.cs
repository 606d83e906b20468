namespace Layer.Parser;

/// <summary>
/// The outcome of parsing one Layerfile: the tree of the instructions that parsed, and every problem
/// found, errors and warnings, in source order. The tree is always there, even when errors are.
/// </summary>
public sealed record ParseResult(Layerfile Layerfile, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.Severity == Severity.Error);

    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.Severity == Severity.Error);
}
