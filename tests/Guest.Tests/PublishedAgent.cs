using Layer.Vm.Agent;

namespace Layer.Guest.Tests;

/// <summary>
/// The NativeAOT agent, published once per source hash by the same
/// <see cref="AgentBinary"/> the image builder uses, into a cache shared by
/// test runs (a second run with unchanged sources publishes nothing).
/// </summary>
public sealed class PublishedAgent
{
    public static readonly string CacheDir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "layer-guest-tests-cache");

    private static readonly Lazy<string> Binary = new(() => AgentBinary.EnsurePublished(CacheDir));

    public static string BinaryPath => Binary.Value;
}

[CollectionDefinition("agent")]
public sealed class AgentCollection;
