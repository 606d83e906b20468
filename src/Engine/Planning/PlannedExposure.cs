namespace Layer.Engine.Planning;

/// <summary>Something an <c>EXPOSE</c> line serves from the Layerfile's final machine to the host.</summary>
public abstract record PlannedExposure(int Line, int GuestPort);

/// <summary><c>EXPOSE TCP port</c>: a raw TCP forward.</summary>
public sealed record PlannedTcpExposure(int Line, int GuestPort) : PlannedExposure(Line, GuestPort);

/// <summary>
/// <c>EXPOSE WEBSITE target [path [rewrite]]</c>: plain-http websites share one host port and are routed by
/// <see cref="Prefix"/> (with <see cref="Rewrite"/> replacing it when given); an https target is forwarded
/// as raw TCP (its bytes are encrypted, so it cannot be routed) and must be served at <c>/</c>.
/// </summary>
public sealed record PlannedWebsite(int Line, int GuestPort, string Target, bool Tls, string Prefix, string? Rewrite) : PlannedExposure(Line, GuestPort);
