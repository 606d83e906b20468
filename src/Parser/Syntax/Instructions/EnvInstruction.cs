namespace Layer.Parser;

/// <summary>
/// <c>ENV KEY=VALUE...</c> (or Docker's one-pair <c>ENV KEY value</c>): environment for the steps that
/// follow. Values keep <c>$VAR</c> references as written.
/// </summary>
public sealed record EnvInstruction(SourceSpan Span, IReadOnlyList<KeyValue> Pairs) : Instruction(Span)
{
    public override InstructionKind Kind => InstructionKind.Env;

    protected override IEnumerable<string> CanonicalArguments() => Pairs.Select(p => p.Canonical);
}
