namespace Layer.Parser;

/// <summary>
/// The directives that take exactly one argument: <c>WORKDIR path</c>, <c>USER name</c>.
/// </summary>
public sealed record SingleArgumentInstruction(SourceSpan Span, InstructionKind SingleKind, Argument Value) : Instruction(Span)
{
    public override InstructionKind Kind => SingleKind;

    protected override IEnumerable<string> CanonicalArguments() => [Value.Raw];
}
