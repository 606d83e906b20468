namespace Layer.Parser;

/// <summary><c>FROM target</c>: the base image or parent Layerfile this one builds on.</summary>
public sealed record FromInstruction(SourceSpan Span, FromTarget Target) : Instruction(Span)
{
    public override InstructionKind Kind => InstructionKind.From;

    protected override IEnumerable<string> CanonicalArguments() => [Target.Argument.Raw];
}
