namespace Layer.Parser;

/// <summary><c>BUTTON [message]</c>: wait for a person to press a button before going on.</summary>
public sealed record ButtonInstruction(SourceSpan Span, Argument? Message) : Instruction(Span)
{
    public override InstructionKind Kind => InstructionKind.Button;

    protected override IEnumerable<string> CanonicalArguments() => Message is null ? [] : [Message.Raw];
}
