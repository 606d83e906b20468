namespace Layer.Parser;

/// <summary>
/// The directives whose arguments are a plain list: <c>BUILD ENV names...</c>, <c>SECRET ENV names...</c>,
/// <c>CACHE paths...</c>, <c>WAIT paths...</c>, <c>EXPOSE TCP ports...</c>, <c>SETUP FILE paths...</c>.
/// </summary>
public sealed record ListInstruction(SourceSpan Span, InstructionKind ListKind, IReadOnlyList<Argument> Items) : Instruction(Span)
{
    public override InstructionKind Kind => ListKind;

    protected override IEnumerable<string> CanonicalArguments() => Items.Select(i => i.Raw);
}
