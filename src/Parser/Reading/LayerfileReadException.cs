namespace Layer.Parser;

/// <summary>Why a path cannot be read as a Layerfile.</summary>
public enum ReadRefusal
{
    /// <summary>Nothing is there.</summary>
    Missing,

    /// <summary>A symbolic link whose target does not exist.</summary>
    DanglingLink,

    /// <summary>A folder, a FIFO, a device or a socket: reading it could block or never end.</summary>
    NotAFile,

    /// <summary>The operating system refused to open or read it (permissions, a link loop, an I/O error).</summary>
    Unreadable,

    /// <summary>It resolves, through symbolic links, outside the folder it was found in.</summary>
    Outside,
}

/// <summary>
/// A path that is not a readable Layerfile. <see cref="Exception.Message"/> is one line naming the path
/// and saying why; <see cref="Reason"/> is the same without the path.
/// </summary>
public sealed class LayerfileReadException(string path, ReadRefusal refusal, string reason) : Exception($"{path}: {reason}")
{
    public string Path { get; } = path;

    public ReadRefusal Refusal { get; } = refusal;

    public string Reason { get; } = reason;
}
