namespace Layer.Parser;

/// <summary>
/// <c>CLONE repository [DEFAULT=branch] [sources...] destination</c>: files from another repository.
/// <see cref="DefaultBranch"/> is the value after <c>DEFAULT=</c>, wherever it was written.
/// </summary>
public sealed record CloneInstruction(
    SourceSpan Span,
    Argument Repository,
    Argument? DefaultBranch,
    IReadOnlyList<Argument> Sources,
    Argument Destination) : Instruction(Span)
{
    public override InstructionKind Kind => InstructionKind.Clone;

    // DEFAULT= may stand anywhere after the repository; its place carries no meaning, so the canonical
    // form puts it right after the repository.
    protected override IEnumerable<string> CanonicalArguments() =>
        [Repository.Raw, .. DefaultBranch is null ? [] : new[] { "DEFAULT=" + DefaultBranch.Raw }, .. Sources.Select(s => s.Raw), Destination.Raw];
}
