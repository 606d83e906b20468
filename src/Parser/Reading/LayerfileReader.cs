using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using Microsoft.Win32.SafeHandles;
using static Layer.Parser.Interop.Libc;

namespace Layer.Parser;

/// <summary>
/// The one way Layer reads a Layerfile from disk (check, parse, graph, discovery). Only a regular file is
/// opened, so a FIFO, a device, a socket or a folder is refused at once instead of blocking or reading
/// forever; at most <see cref="Limits.MaxBytes"/> are read (and the few bytes that finish the character
/// crossing the limit); the text must be valid UTF-8. What cannot be read at all throws
/// <see cref="LayerfileReadException"/>; a file too large or not UTF-8 gives a parse result holding that
/// one error at its line and column.
/// </summary>
public static unsafe class LayerfileReader
{
    /// <summary>Reads and parses the Layerfile at <paramref name="path"/>; <paramref name="name"/> names it in spans and messages.</summary>
    /// <param name="within">
    /// A folder the file was found in (a repository, a folder searched): a Layerfile that resolves outside it
    /// through a symbolic link is refused, since a link to /etc/shadow would otherwise be echoed line by line
    /// in diagnostics.
    /// </param>
    /// <exception cref="LayerfileReadException">The path is not a regular file that can be read.</exception>
    public static ParseResult Parse(string path, string name, string? within = null)
    {
        var bytes = Read(path, within);
        try
        {
            return Decode(bytes.Buffer.AsSpan(0, bytes.Length), name);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes.Buffer);
        }
    }

    private static (byte[] Buffer, int Length) Read(string path, string? within)
    {
        var mode = ModeOf(path);
        if ((mode & S_IFMT) != S_IFREG) throw NotAFile(path, mode);
        // O_NONBLOCK: should the path have become a FIFO since it was looked at, opening it must not wait.
        var fd = Open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);
        if (fd < 0) throw Failure(path, Marshal.GetLastPInvokeError());
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        Statx opened;
        if (StatxPath(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_SIZE, &opened) != 0) throw Failure(path, Marshal.GetLastPInvokeError());
        if ((opened.Mode & S_IFMT) != S_IFREG) throw NotAFile(path, opened.Mode);
        if (within is not null) CheckWithin(path, fd, within);

        // Enough for the limit and the rest of a character that crosses it (at most 3 more bytes), and a
        // byte beyond that to know the file is larger.
        var most = Limits.MaxBytes + 4;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(opened.Size, 4096), (ulong)most));
        var length = 0;
        try
        {
            while (length < most)
            {
                if (length == buffer.Length) buffer = Grow(buffer, Math.Min(buffer.Length * 2, most));
                var read = RandomAccess.Read(handle, buffer.AsSpan(length, Math.Min(buffer.Length, most) - length), length);
                if (read == 0) break;
                length += read;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw new LayerfileReadException(path, ReadRefusal.Unreadable, $"cannot be read: {e.Message}");
        }

        return (buffer, length);
    }

    private static byte[] Grow(byte[] buffer, int size)
    {
        var larger = ArrayPool<byte>.Shared.Rent(size);
        buffer.CopyTo(larger, 0);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    /// <summary>Strict UTF-8 up to the size limit; past it the parser reports the size at the character that crosses it.</summary>
    private static ParseResult Decode(ReadOnlySpan<byte> bytes, string name)
    {
        var checkedLength = Math.Min(bytes.Length, Limits.MaxBytes);
        var chars = ArrayPool<char>.Shared.Rent(Math.Max(checkedLength, 1));
        try
        {
            var status = Utf8.ToUtf16(bytes[..checkedLength], chars, out var read, out var written, replaceInvalidSequences: false, isFinalBlock: bytes.Length <= Limits.MaxBytes);
            if (status == OperationStatus.InvalidData)
            {
                // Shown with U+FFFD in place of the bad bytes; the characters before it decode the same, so the column holds.
                return LayerfileParser.Refused(Encoding.UTF8.GetString(bytes), written, name,
                    $"invalid UTF-8 (byte 0x{bytes[read]:X2} at byte offset {read}); a Layerfile is UTF-8 text: save it as UTF-8");
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }

        return LayerfileParser.Parse(Encoding.UTF8.GetString(bytes), name);
    }

    private static int ModeOf(string path)
    {
        Statx st;
        if (StatxPath(AT_FDCWD, path, 0, STATX_TYPE, &st) == 0) return st.Mode;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == ENOENT && new FileInfo(path).LinkTarget is { } target)
        {
            throw new LayerfileReadException(path, ReadRefusal.DanglingLink, $"a symbolic link to {target}, which does not exist");
        }

        throw Failure(path, errno);
    }

    private static LayerfileReadException Failure(string path, int errno) => errno switch
    {
        ENOENT => new(path, ReadRefusal.Missing, "no such file"),
        ENOTDIR => new(path, ReadRefusal.Missing, "no such file (a part of the path is not a folder)"),
        EACCES => new(path, ReadRefusal.Unreadable, "permission denied (check the modes of the file and of the folders above it)"),
        ELOOP => new(path, ReadRefusal.Unreadable, "a loop of symbolic links"),
        ENXIO => new(path, ReadRefusal.NotAFile, "a socket, not a regular file; a Layerfile is a regular text file"),
        _ => new(path, ReadRefusal.Unreadable, $"cannot be read: {Marshal.GetPInvokeErrorMessage(errno)}"),
    };

    private static LayerfileReadException NotAFile(string path, int mode) => (mode & S_IFMT) switch
    {
        S_IFDIR => new(path, ReadRefusal.NotAFile, "a folder, not a file; name the Layerfile inside it"),
        var type => new(path, ReadRefusal.NotAFile, (type switch
        {
            S_IFIFO => "a named pipe (FIFO)",
            S_IFCHR => "a character device",
            S_IFBLK => "a block device",
            S_IFSOCK => "a socket",
            _ => $"a special file (type 0x{type:X})",
        }) + ", not a regular file; a Layerfile is a regular text file"),
    };

    /// <summary>Where the opened file really is (the kernel's own answer for the descriptor) must be inside <paramref name="within"/>.</summary>
    private static void CheckWithin(string path, int fd, string within)
    {
        var folder = Open(within, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        if (folder < 0) throw Failure(within, Marshal.GetLastPInvokeError());
        using var folderHandle = new SafeFileHandle(folder, ownsHandle: true);
        var root = RealPath(folder);
        var real = RealPath(fd);
        if (root is null || real is null) throw new LayerfileReadException(path, ReadRefusal.Unreadable, "cannot tell where it really is (/proc/self/fd is not readable)");
        var prefix = root.EndsWith('/') ? root : root + "/";
        if (!real.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new LayerfileReadException(path, ReadRefusal.Outside, $"leads to {real}, outside {within}; a Layerfile found in a folder must be inside that folder");
        }
    }

    private static string? RealPath(int fd) => new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
}
