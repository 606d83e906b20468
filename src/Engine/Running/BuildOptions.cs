namespace Layer.Engine.Running;

public sealed record BuildOptions
{
    /// <summary>A Layerfile, or a folder holding one; with <see cref="All"/>, the folder whose Layerfiles to build.</summary>
    public required string Path { get; init; }

    /// <summary>
    /// `--all`: every Layerfile under <see cref="Path"/> (and the Layerfiles they need through FROM and
    /// WAIT) as one graph, instead of one Layerfile and its FROM chain.
    /// </summary>
    public bool All { get; init; }

    /// <summary>`--jobs`: Layerfiles (and SPLIT copies) run at once; null: from cores and free memory.</summary>
    public int? Jobs { get; init; }

    /// <summary>Run every step, and still record the results.</summary>
    public bool NoCache { get; init; }

    /// <summary>--env KEY=VALUE: BUILD ENV values that win over the host environment.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>--connect; null: LAYER_LIBVIRT_URI or qemu:///system.</summary>
    public string? LibvirtUri { get; init; }

    /// <summary>The cache folder; null: LAYER_CACHE_DIR or the default.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>`--approve`: every BUTTON is approved without asking.</summary>
    public bool Approve { get; init; }

    /// <summary>
    /// Asks a person about a BUTTON (true: go on). Null: nobody to ask (no terminal), so an unapproved
    /// BUTTON stops its Layerfile as <c>waiting</c>. Calls may come from several Layerfiles at once.
    /// </summary>
    public Func<ButtonQuestion, CancellationToken, Task<bool>>? Ask { get; init; }

    /// <summary>`--artifacts`: where ARTIFACT paths are copied (a folder per Layerfile inside); null: ./layer-artifacts.</summary>
    public string? ArtifactsDirectory { get; init; }

    /// <summary>`--no-wait`: when something is exposed, print where and end instead of serving until cancelled.</summary>
    public bool NoWait { get; init; }

    /// <summary>
    /// What happens while a successful build serves its EXPOSE lines; it ends when the returned task does,
    /// and then the serving machines are destroyed. Null: until <c>cancellationToken</c> is cancelled (Ctrl-C).
    /// </summary>
    public Func<IReadOnlyList<Reporting.ExposedReport>, CancellationToken, Task>? WhileServing { get; init; }

    /// <summary>Reads host environment variables (BUILD ENV without --env, SECRET ENV). Replaceable in tests.</summary>
    public Func<string, string?> HostEnvironment { get; init; } = System.Environment.GetEnvironmentVariable;
}
