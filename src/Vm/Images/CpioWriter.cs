using System.Text;

namespace Layer.Vm.Images;

/// <summary>
/// Writes a "newc" cpio archive (the format the kernel unpacks as initramfs, see
/// Documentation/driver-api/early-userspace/buffer-format.rst): a 110-byte ASCII header of hex fields,
/// the NUL-terminated name, then the data, each padded to 4 bytes. Every mtime is 0 so the archive is
/// a pure function of its entries.
/// </summary>
internal sealed class CpioWriter : IDisposable
{
    private const uint S_IFDIR = 0x4000;
    private const uint S_IFREG = 0x8000;
    private const uint S_IFLNK = 0xA000;

    private readonly Stream _output;
    private uint _nextInode = 1;

    public CpioWriter(Stream output) => _output = output;

    public void AddDirectory(string path, uint mode = 0x1ED /* 0755 */) => Write(path, S_IFDIR | mode, ReadOnlySpan<byte>.Empty, nlink: 2);

    public void AddFile(string path, ReadOnlySpan<byte> content, uint mode = 0x1A4 /* 0644 */) => Write(path, S_IFREG | mode, content, nlink: 1);

    public void AddSymlink(string path, string target) => Write(path, S_IFLNK | 0x1FF, Encoding.UTF8.GetBytes(target), nlink: 1);

    private void Write(string path, uint mode, ReadOnlySpan<byte> content, uint nlink)
    {
        var name = Encoding.UTF8.GetBytes(path.TrimStart('/'));
        var header = new StringBuilder("070701");
        foreach (var field in new uint[]
                 {
                     _nextInode++, mode, 0 /* uid */, 0 /* gid */, nlink, 0 /* mtime */, (uint)content.Length,
                     0, 0 /* dev major, minor */, 0, 0 /* rdev major, minor */, (uint)name.Length + 1, 0 /* check */,
                 })
        {
            header.Append(field.ToString("X8"));
        }

        _output.Write(Encoding.ASCII.GetBytes(header.ToString()));
        _output.Write(name);
        _output.WriteByte(0);
        Pad(110 + name.Length + 1);
        _output.Write(content);
        Pad(content.Length);
    }

    private void Pad(int length)
    {
        for (var i = length; i % 4 != 0; i++) _output.WriteByte(0);
    }

    /// <summary>Writes the trailer entry that ends the archive.</summary>
    public void Dispose()
    {
        Write("TRAILER!!!", 0, ReadOnlySpan<byte>.Empty, nlink: 1);
        _output.Flush();
    }
}
