namespace Layer.Parser;

/// <summary>
/// <c>COPY sources... destination</c>: files from the repository into the VM. With a single path
/// (<c>COPY /</c>, seen in real Layerfiles) <see cref="Destination"/> is null: the working directory.
/// </summary>
public sealed record CopyInstruction(SourceSpan Span, IReadOnlyList<Argument> Sources, Argument? Destination) : Instruction(Span)
{
    public override InstructionKind Kind => InstructionKind.Copy;

    protected override IEnumerable<string> CanonicalArguments() => [.. Sources.Select(s => s.Raw), .. Destination is null ? [] : new[] { Destination.Raw }];
}
