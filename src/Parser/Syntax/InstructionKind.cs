namespace Layer.Parser;

/// <summary>Every Layerfile directive, one value per spelling (RUN, RUN BACKGROUND and RUN REPEATABLE differ).</summary>
public enum InstructionKind
{
    From,
    Run,
    RunBackground,
    RunRepeatable,
    Copy,
    Clone,
    Env,
    BuildEnv,
    SecretEnv,
    Workdir,
    User,
    Cache,
    Checkpoint,
    Split,
    Wait,
    Memory,
    SetupFile,
    SkipRemainingIf,
    Label,
    Button,
    ExposeWebsite,
    ExposeTcp,
    Artifact,
}
