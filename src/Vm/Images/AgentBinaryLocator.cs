namespace Layer.Vm.Images;

/// <summary>Where the guest agent binary that goes on every root disk comes from.</summary>
internal static class AgentBinaryLocator
{
    /// <summary>Overrides the published agent (tests, or a prebuilt binary).</summary>
    public const string Variable = "LAYER_AGENT_BINARY";

    /// <summary>The agent binary, or null while none is available.</summary>
    public static string? Find()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return File.Exists(fromEnvironment)
                ? Path.GetFullPath(fromEnvironment)
                : throw new ImageBuildException($"{Variable}={fromEnvironment} does not exist");
        }

        return null;
    }
}
