namespace Layer.Engine.Running;

public sealed record BuildOptions
{
    /// <summary>A Layerfile, or a folder holding one.</summary>
    public required string Path { get; init; }

    /// <summary>Run every step, and still record the results.</summary>
    public bool NoCache { get; init; }

    /// <summary>--env KEY=VALUE: BUILD ENV values that win over the host environment.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>--connect; null: LAYER_LIBVIRT_URI or qemu:///system.</summary>
    public string? LibvirtUri { get; init; }

    /// <summary>The cache folder; null: LAYER_CACHE_DIR or the default.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Reads host environment variables (BUILD ENV without --env, SECRET ENV). Replaceable in tests.</summary>
    public Func<string, string?> HostEnvironment { get; init; } = System.Environment.GetEnvironmentVariable;
}
