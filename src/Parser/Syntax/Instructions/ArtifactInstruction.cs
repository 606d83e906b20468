namespace Layer.Parser;

/// <summary>
/// <c>ARTIFACT [PUBLIC|PRIVATE] paths...</c>: files copied out of the VM when the build ends (used in
/// webapp.io's own repositories). Private is the default.
/// </summary>
public sealed record ArtifactInstruction(SourceSpan Span, bool Public, IReadOnlyList<Argument> Paths) : Instruction(Span)
{
    public override InstructionKind Kind => InstructionKind.Artifact;

    protected override IEnumerable<string> CanonicalArguments() => [.. Public ? new[] { "PUBLIC" } : [], .. Paths.Select(p => p.Raw)];
}
