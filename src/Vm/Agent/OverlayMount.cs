namespace Layer.Vm.Agent;

/// <summary>
/// A workspace overlay in the guest: <see cref="Lower"/> is a folder of the
/// read-only workspace share, relative to its root ("" or "." for the root
/// itself; no "..", ',' or ':'); upper and work live on the guest disk under
/// /layer/overlays/&lt;Id&gt;/; the merged view is mounted at
/// <see cref="Target"/> (absolute guest path, created if missing). Id: letters,
/// digits, '-', '_', '.'.
/// </summary>
public sealed record OverlayMount(string Id, string Lower, string Target);
