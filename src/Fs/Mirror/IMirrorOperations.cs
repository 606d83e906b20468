using Layer.Fs.Host;
using Layer.Fs.Protocol;

namespace Layer.Fs.Mirror;

/// <summary>
/// The passthrough as the read tracker sees it: the protocol operations, plus what a decorator needs
/// to know about them (which path a node is, which host file serves a handle, what a listing held).
/// </summary>
internal interface IMirrorOperations : IFuseOperations
{
    HostRoot Root { get; }

    /// <summary>Root-relative path of a node ("" is the root), or null for an unknown id.</summary>
    string? PathOf(NodeId node);

    OpenFile? FileOf(FileHandle handle);

    OpenDirectory? DirectoryOf(FileHandle handle);
}
