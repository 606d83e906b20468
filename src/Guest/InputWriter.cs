using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Layer.Vm.Agent.Protocol;

namespace Layer.Guest;

/// <summary>
/// Feeds an interactive session's stdin from its own thread, so a program that
/// does not read never stalls the link's read loop. Every Input chunk is
/// acknowledged (InputAck) once written, or dropped because the program is
/// gone: the host keeps at most <see cref="ProtocolLimits.InputWindow"/> chunks
/// unacknowledged, which bounds what waits here. The descriptor is non-blocking
/// so the writer can notice the session ended while the program's input is full.
/// </summary>
internal sealed unsafe class InputWriter
{
    /// <summary>The EOF character (VEOF) of a terminal in its default settings: Ctrl-D.</summary>
    private const byte EndOfFile = 0x04;

    private readonly BlockingCollection<(byte[] Data, bool Ack)> _queue = new();
    private readonly int _fd;
    private readonly bool _terminal;
    private readonly LinkWriter _link;
    private readonly uint _id;
    private volatile bool _stopped;
    private bool _broken;

    /// <param name="fd">Owned: closed when the writer ends.</param>
    /// <param name="terminal">A terminal master: closing input types the EOF character instead of closing it.</param>
    public InputWriter(int fd, bool terminal, LinkWriter link, uint id)
    {
        _fd = fd;
        _terminal = terminal;
        _link = link;
        _id = id;
        var flags = SyscallException.Check(Interop.Sys.fcntl_int(fd, Interop.Sys.F_GETFL, 0), "fcntl F_GETFL");
        SyscallException.Check(Interop.Sys.fcntl_int(fd, Interop.Sys.F_SETFL, flags | Interop.Sys.O_NONBLOCK), "fcntl F_SETFL");
        new Thread(Loop) { IsBackground = true, Name = $"input {id}" }.Start();
    }

    public void Write(byte[] data)
    {
        if (!TryAdd(data, ack: true)) _link.Send(MessageType.InputAck, _id, []);
    }

    /// <summary>
    /// End of input: a pipe is closed (the program reads end of file); a
    /// terminal gets the EOF character, as if Ctrl-D were typed.
    /// </summary>
    public void Close()
    {
        if (_terminal) TryAdd([EndOfFile], ack: false);
        try { _queue.CompleteAdding(); } catch (ObjectDisposedException) { }
    }

    /// <summary>The program ended: drop what is left and close the descriptor.</summary>
    public void Stop()
    {
        _stopped = true;
        try { _queue.CompleteAdding(); } catch (ObjectDisposedException) { }
    }

    private bool TryAdd(byte[] data, bool ack)
    {
        try
        {
            return _queue.TryAdd((data, ack));
        }
        catch (InvalidOperationException)
        {
            return false;   // input already closed or the session over
        }
    }

    private void Loop()
    {
        try
        {
            foreach (var (data, ack) in _queue.GetConsumingEnumerable())
            {
                if (!_broken && !_stopped) WriteAll(data);
                if (ack) _link.Send(MessageType.InputAck, _id, []);
            }
        }
        finally
        {
            Interop.Sys.close(_fd);
        }
    }

    private void WriteAll(byte[] data)
    {
        var done = 0;
        var pollFd = new Interop.Sys.PollFd { fd = _fd, events = Interop.Sys.POLLOUT };
        fixed (byte* p = data)
        {
            while (done < data.Length && !_stopped)
            {
                var wrote = Interop.Sys.write(_fd, p + done, data.Length - done);
                if (wrote >= 0)
                {
                    done += (int)wrote;
                    continue;
                }
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Interop.Sys.EAGAIN) Interop.Sys.poll(&pollFd, 1, 100);
                else if (errno != Interop.Sys.EINTR)
                {
                    // EPIPE: nobody reads the pipe any more; EIO: the terminal hung up.
                    _broken = true;
                    return;
                }
            }
        }
    }
}
