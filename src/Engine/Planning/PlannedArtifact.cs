namespace Layer.Engine.Planning;

/// <summary>
/// One path of an <c>ARTIFACT</c> line, as an absolute normalised guest path (relative ones are under the
/// WORKDIR of that line). Copied out when the Layerfile ends; never part of a key.
/// </summary>
public sealed record PlannedArtifact(int Line, string GuestPath, bool Public);
