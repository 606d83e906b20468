namespace Layer.Parser;

/// <summary>The syntax tree of one Layerfile: its instructions in order (those that parsed).</summary>
public sealed record Layerfile(string Path, IReadOnlyList<Instruction> Instructions)
{
    /// <summary>The first FROM, or null when there is none.</summary>
    public FromInstruction? From => Instructions.OfType<FromInstruction>().FirstOrDefault();
}
