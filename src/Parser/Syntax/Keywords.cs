namespace Layer.Parser;

/// <summary>How each directive is spelled in a Layerfile. Keywords are upper case and case-sensitive.</summary>
public static class Keywords
{
    public static string Of(InstructionKind kind) => kind switch
    {
        InstructionKind.From => "FROM",
        InstructionKind.Run => "RUN",
        InstructionKind.RunBackground => "RUN BACKGROUND",
        InstructionKind.RunRepeatable => "RUN REPEATABLE",
        InstructionKind.Copy => "COPY",
        InstructionKind.Clone => "CLONE",
        InstructionKind.Env => "ENV",
        InstructionKind.BuildEnv => "BUILD ENV",
        InstructionKind.SecretEnv => "SECRET ENV",
        InstructionKind.Workdir => "WORKDIR",
        InstructionKind.User => "USER",
        InstructionKind.Cache => "CACHE",
        InstructionKind.Checkpoint => "CHECKPOINT",
        InstructionKind.Split => "SPLIT",
        InstructionKind.Wait => "WAIT",
        InstructionKind.Memory => "MEMORY",
        InstructionKind.SetupFile => "SETUP FILE",
        InstructionKind.SkipRemainingIf => "SKIP REMAINING IF",
        InstructionKind.Label => "LABEL",
        InstructionKind.Button => "BUTTON",
        InstructionKind.ExposeWebsite => "EXPOSE WEBSITE",
        InstructionKind.ExposeTcp => "EXPOSE TCP",
        InstructionKind.Artifact => "ARTIFACT",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The words that can start an instruction, in the grammar's order.</summary>
    internal static readonly string[] Leading = Grammar.LeadingKeywords;
}
