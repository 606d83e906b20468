namespace Layer.Fs.Host;

/// <summary>One entry of a host directory as getdents64 gave it: the raw name bytes and d_type.</summary>
internal readonly record struct HostDirEntry(byte[] Name, ulong Ino, byte DType)
{
    public const byte DT_UNKNOWN = 0;
    public const byte DT_DIR = 4;
    public const byte DT_REG = 8;
    public const byte DT_LNK = 10;

    public bool IsDotOrDotDot => Name is [(byte)'.'] or [(byte)'.', (byte)'.'];
}
