namespace Layer.Guest;

/// <summary>
/// A blocking stream over raw file descriptors (a virtio port, or stdin/stdout).
/// FileStream is avoided on purpose: a virtio port is read and written at the
/// same time from different threads and its reads return 0 while the host is not
/// connected, which this class passes through as a plain 0.
/// </summary>
internal sealed unsafe class FdStream(int readFd, int writeFd, bool ownsFds) : Stream
{
    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var got = Interop.Sys.read(readFd, p, buffer.Length);
                if (got >= 0) return (int)got;
                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno != Interop.Sys.EINTR) throw new IOException($"read from the link failed: {Interop.Sys.StrError(errno)}");
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            var done = 0;
            while (done < buffer.Length)
            {
                var wrote = Interop.Sys.write(writeFd, p + done, buffer.Length - done);
                if (wrote >= 0) { done += (int)wrote; continue; }
                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno != Interop.Sys.EINTR) throw new IOException($"write to the link failed: {Interop.Sys.StrError(errno)}");
            }
        }
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (ownsFds)
        {
            Interop.Sys.close(readFd);
            if (writeFd != readFd) Interop.Sys.close(writeFd);
        }
        base.Dispose(disposing);
    }
}
