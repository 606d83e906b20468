using System.Runtime.InteropServices;
using Layer.Vm.Agent.Protocol;

namespace Layer.Guest;

/// <summary>
/// Forwards a command's output descriptors (pipes, or a pseudo-terminal's
/// master) to the host as they become readable, in chunks of at most
/// <see cref="ProtocolLimits.OutputChunk"/>, until every one reached its end
/// (end of file; EIO for a terminal whose every slave descriptor closed) and
/// the command exited. Processes the command left running in the background
/// may hold them open forever; once the command exited they get
/// <see cref="DrainAfterExit"/>, then the descriptors are closed anyway.
/// </summary>
internal static unsafe class OutputPump
{
    /// <summary>How long output is still read after the command exited, for what its leftovers write.</summary>
    private static readonly TimeSpan DrainAfterExit = TimeSpan.FromSeconds(2);

    /// <summary>Closes every descriptor it is given. Returns false when output was cut after the drain time.</summary>
    public static bool Run(LinkWriter link, uint id, ReadOnlySpan<(int Fd, MessageType Type)> outputs, Task<int> exited)
    {
        var buffer = new byte[ProtocolLimits.OutputChunk];
        var count = outputs.Length;
        var fds = stackalloc Interop.Sys.PollFd[count];
        for (var i = 0; i < count; i++) fds[i] = new Interop.Sys.PollFd { fd = outputs[i].Fd, events = Interop.Sys.POLLIN };
        var open = count;
        DateTime? drainUntil = null;
        try
        {
            while (open > 0)
            {
                if (drainUntil is null && exited.IsCompleted) drainUntil = DateTime.UtcNow + DrainAfterExit;
                if (drainUntil is not null && DateTime.UtcNow >= drainUntil) return false;
                var ready = Interop.Sys.poll(fds, (nuint)count, 100);
                if (ready <= 0) continue;
                for (var i = 0; i < count; i++)
                {
                    if (fds[i].fd < 0 || fds[i].revents == 0) continue;
                    nint got;
                    fixed (byte* p = buffer) got = Interop.Sys.read(fds[i].fd, p, buffer.Length);
                    if (got > 0)
                    {
                        link.Send(outputs[i].Type, id, buffer.AsSpan(0, (int)got));
                        continue;
                    }
                    // A terminal master shared with a non-blocking input writer may say EAGAIN.
                    if (got < 0 && Marshal.GetLastPInvokeError() is Interop.Sys.EINTR or Interop.Sys.EAGAIN) continue;
                    Interop.Sys.close(fds[i].fd);
                    fds[i].fd = -1;   // poll ignores negative fds
                    open--;
                }
            }
            return true;
        }
        finally
        {
            for (var i = 0; i < count; i++)
                if (fds[i].fd >= 0) Interop.Sys.close(fds[i].fd);
            exited.Wait();
        }
    }
}
