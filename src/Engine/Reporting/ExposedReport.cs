namespace Layer.Engine.Reporting;

/// <summary>One EXPOSE line being served: <c>website</c> or <c>tcp</c>, the guest target, and where the host reaches it.</summary>
public sealed class ExposedReport
{
    public required int Line { get; init; }

    public required string Kind { get; init; }

    /// <summary>As written (<c>localhost:8080</c>) for a website; the guest port for TCP.</summary>
    public required string Target { get; init; }

    /// <summary>The path prefix a website is served under (<c>/</c> by default).</summary>
    public string? Path { get; init; }

    /// <summary><c>http://127.0.0.1:PORT/path</c>, <c>https://...</c>, or <c>127.0.0.1:PORT</c> for TCP.</summary>
    public required string Url { get; init; }

    /// <summary>The host port (on 127.0.0.1).</summary>
    public required int HostPort { get; init; }
}
