using Layer.Vm.Agent.Protocol;

namespace Layer.Guest;

/// <summary>WriteFile and ReadFile: whole files between host and guest, in frame-sized chunks.</summary>
internal static class FileTransfer
{
    public static void Write(WriteFileRequest request)
    {
        if (!request.Path.StartsWith('/')) throw new ArgumentException($"write-file path '{request.Path}' must be absolute");
        var truncate = (request.Flags & WriteFileFlags.Truncate) != 0;
        if ((request.Flags & WriteFileFlags.CreateParents) != 0)
            Directory.CreateDirectory(Path.GetDirectoryName(request.Path)!);
        var options = new FileStreamOptions
        {
            Mode = truncate ? FileMode.Create : FileMode.Open,
            Access = FileAccess.Write,
            UnixCreateMode = (UnixFileMode)(request.Mode & 0xfff),
        };
        if (!truncate) options.UnixCreateMode = null;
        using var stream = new FileStream(request.Path, options);
        // The create mode is masked by the umask and ignored for an existing file; set it exactly.
        if (truncate) File.SetUnixFileMode(stream.SafeFileHandle, (UnixFileMode)(request.Mode & 0xfff));
        stream.Position = (long)request.Offset;
        stream.Write(request.Data);
    }

    public static void Read(uint requestId, ReadFileRequest request, LinkWriter link)
    {
        using var stream = new FileStream(request.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        var buffer = new byte[ProtocolLimits.FileChunk];
        ulong total = 0;
        int got;
        while ((got = stream.Read(buffer)) > 0)
        {
            link.Send(MessageType.FileData, requestId, buffer.AsSpan(0, got));
            total += (ulong)got;
        }
        link.SendOk(requestId, new PayloadWriter().U64(total).Written);
    }
}
