using Layer.Vm.Agent.Protocol;

namespace Layer.Guest;

/// <summary>
/// Sends frames to the host from any thread, one whole frame at a time. A write
/// blocks while the host does not read (or, on a virtio port, is not
/// connected); that back-pressure reaches the commands through their pipes.
/// </summary>
internal sealed class LinkWriter(Stream stream)
{
    private readonly Lock _gate = new();
    private volatile bool _broken;

    public bool Broken => _broken;

    public void Send(MessageType type, uint requestId, ReadOnlySpan<byte> payload)
    {
        if (_broken) return;
        lock (_gate)
        {
            try
            {
                FrameCodec.Write(stream, type, requestId, payload);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The host is gone; the read loop notices too and decides what to do.
                _broken = true;
            }
        }
    }

    public void SendError(uint requestId, int errno, string message) =>
        Send(MessageType.Error, requestId, new ErrorMessage(errno, message).Encode());

    public void SendOk(uint requestId, ReadOnlySpan<byte> payload = default) => Send(MessageType.Ok, requestId, payload);
}
