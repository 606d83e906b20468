namespace Layer.Fs.Mirror;

/// <summary>
/// Who may use the mirror. It serves files their owner alone could read (a 0600 file in the
/// repository must still reach the guest), so the kernel's default_permissions is off and this
/// decides instead, from the uid in each request's header: root and one named uid (the QEMU user).
/// </summary>
internal sealed class AccessPolicy(uint? allowedUid)
{
    public uint? AllowedUid { get; } = allowedUid;

    public bool IsAllowed(uint uid) => uid == 0 || uid == AllowedUid;
}
