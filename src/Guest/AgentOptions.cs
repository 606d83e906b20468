namespace Layer.Guest;

/// <summary>
/// Command line of the agent. In a VM it runs with no arguments (PID 1, virtio
/// port <c>org.layer.agent</c>); tests and debugging pick another link and
/// other folders so the agent can run as an ordinary process on the host.
/// </summary>
internal sealed record AgentOptions
{
    public const string DefaultPort = "org.layer.agent";

    public LinkKind Link { get; init; } = LinkKind.Port;
    public string PortName { get; init; } = DefaultPort;
    public string SocketPath { get; init; } = "";
    /// <summary>Where the workspace share is mounted; overlay lowers are relative to it.</summary>
    public string ShareRoot { get; init; } = "/layer/share";
    /// <summary>The agent's own folder on the guest disk: overlays/&lt;id&gt;/ and overlays.list live here.</summary>
    public string StateDir { get; init; } = "/layer";

    public const string Usage =
        "usage: layer-agent [--port NAME | --socket PATH | --stdio] [--share-root DIR] [--state-dir DIR]\n" +
        "       (internal) layer-agent --exec-as UID GID GROUPS -- PROGRAM ARGS...";

    public static AgentOptions Parse(string[] args)
    {
        var options = new AgentOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value\n{Usage}");
            options = args[i] switch
            {
                "--port" => options with { Link = LinkKind.Port, PortName = Value() },
                "--socket" => options with { Link = LinkKind.Socket, SocketPath = Value() },
                "--stdio" => options with { Link = LinkKind.Stdio },
                "--share-root" => options with { ShareRoot = Value() },
                "--state-dir" => options with { StateDir = Value() },
                _ => throw new ArgumentException($"unknown argument '{args[i]}'\n{Usage}"),
            };
        }
        return options;
    }
}

internal enum LinkKind
{
    Port,
    Socket,
    Stdio,
}
