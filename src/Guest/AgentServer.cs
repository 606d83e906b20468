using System.Runtime.InteropServices;
using Layer.Vm.Agent.Protocol;

namespace Layer.Guest;

/// <summary>
/// Reads requests from the host and dispatches them. Runs get their own
/// thread; other requests run on the thread pool so a slow sync or mount never
/// stalls reading. Every request id gets exactly one terminal reply (Exit, Ok
/// or Error); a frame that cannot be understood gets Error with EPROTO and the
/// link carries on.
/// </summary>
internal sealed class AgentServer
{
    private readonly AgentOptions _options;
    private readonly Stream _stream;
    private readonly LinkWriter _link;
    private readonly ChildReaper _reaper;
    private readonly OverlayStore _overlays;
    private readonly string _selfPath;
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, IProcessRequest> _runs = new();

    public AgentServer(AgentOptions options, Stream stream, ChildReaper reaper, string selfPath)
    {
        _options = options;
        _stream = stream;
        _link = new LinkWriter(stream);
        _reaper = reaper;
        _selfPath = selfPath;
        _overlays = new OverlayStore(options.ShareRoot, options.StateDir);
    }

    /// <summary>Serves until the host closes the link (socket and stdio; a virtio port is never "closed").</summary>
    public void Serve()
    {
        // On a virtio port the write blocks until the host connects, so send it
        // aside from the read loop, which meanwhile sees 0-byte reads.
        ThreadPool.QueueUserWorkItem(_ => SendHello(0));
        while (true)
        {
            Frame? frame;
            try
            {
                frame = FrameCodec.Read(_stream);
            }
            catch (ProtocolException e)
            {
                // The length prefix is garbage: say so, and since frames can no
                // longer be found in the stream, end this link.
                Log($"rejecting the link: {e.Message}");
                _link.SendError(0, ErrorMessage.EPROTO, e.Message);
                if (_options.Link != LinkKind.Port) return;
                continue;
            }
            catch (Exception e) when (e is EndOfStreamException or IOException)
            {
                frame = null;
            }

            if (frame is null)
            {
                if (_options.Link != LinkKind.Port) return;
                Thread.Sleep(100);   // host not connected: the port reads 0 until it is
                continue;
            }
            Dispatch(frame.Value);
        }
    }

    /// <summary>Kills every running command's process group (the link is gone, nobody will read their output).</summary>
    public void KillAll()
    {
        lock (_gate)
            foreach (var run in _runs.Values) run.Signal(Interop.Sys.SIGKILL);
    }

    private void Dispatch(Frame frame)
    {
        var id = frame.RequestId;
        try
        {
            switch (frame.Type)
            {
                case MessageType.HelloRequest:
                    new PayloadReader(frame.Payload).End();
                    SendHello(id);
                    break;
                case MessageType.Run:
                    StartRun(id, new CommandRun(id, RunRequest.Decode(frame.Payload), _link, _reaper, _selfPath));
                    break;
                case MessageType.Interactive:
                    StartRun(id, new InteractiveRun(id, InteractiveRequest.Decode(frame.Payload), _link, _reaper, _selfPath));
                    break;
                case MessageType.Input:
                    // Frames for a session that is over (or for a Run) are dropped, as late Signals are.
                    Session(id)?.Write(frame.Payload);
                    break;
                case MessageType.CloseInput:
                    new PayloadReader(frame.Payload).End();
                    Session(id)?.CloseInput();
                    break;
                case MessageType.Resize:
                    var size = ResizeRequest.Decode(frame.Payload);
                    Session(id)?.Resize(size);
                    break;
                case MessageType.Signal:
                    var signal = SignalRequest.Decode(frame.Payload);
                    lock (_gate) _runs.GetValueOrDefault(id)?.Signal(signal.Signal);
                    break;
                case MessageType.Sync:
                    new PayloadReader(frame.Payload).End();
                    Background(id, () => { Interop.Sys.sync(); _link.SendOk(id); });
                    break;
                case MessageType.MountOverlay:
                    var overlay = OverlayRecord.Decode(frame.Payload);
                    Background(id, () => { _overlays.Mount(overlay); _link.SendOk(id); });
                    break;
                case MessageType.RemountOverlays:
                    new PayloadReader(frame.Payload).End();
                    Background(id, () => _link.SendOk(id, OverlayRecord.EncodeList(_overlays.RemountAll())));
                    break;
                case MessageType.WriteFile:
                    var write = WriteFileRequest.Decode(frame.Payload);
                    Background(id, () => { FileTransfer.Write(write); _link.SendOk(id); });
                    break;
                case MessageType.ReadFile:
                    var read = ReadFileRequest.Decode(frame.Payload);
                    Background(id, () => FileTransfer.Read(id, read, _link));
                    break;
                case MessageType.PowerOff:
                    new PayloadReader(frame.Payload).End();
                    Background(id, PowerOff(id));
                    break;
                default:
                    _link.SendError(id, ErrorMessage.EPROTO, $"unknown request type 0x{(byte)frame.Type:x2}");
                    break;
            }
        }
        catch (ProtocolException e)
        {
            _link.SendError(id, ErrorMessage.EPROTO, $"malformed {frame.Type} request: {e.Message}");
        }
    }

    private InteractiveRun? Session(uint id)
    {
        lock (_gate) return _runs.GetValueOrDefault(id) as InteractiveRun;
    }

    private void StartRun(uint id, IProcessRequest run)
    {
        lock (_gate)
        {
            if (!_runs.TryAdd(id, run))
            {
                _link.SendError(id, Interop.Sys.EINVAL, $"request id {id} is already running a command");
                return;
            }
        }
        new Thread(() =>
        {
            try
            {
                run.Execute();
            }
            finally
            {
                lock (_gate) _runs.Remove(id);
            }
        }) { IsBackground = true, Name = $"run {id}" }.Start();
    }

    private Action PowerOff(uint id) => () =>
    {
        Interop.Sys.sync();
        _link.SendOk(id);
        if (Environment.ProcessId == 1)
        {
            KillAll();
            Interop.Sys.sync();
            SyscallException.Check(Interop.Sys.reboot(Interop.Sys.RB_POWER_OFF), "reboot(RB_POWER_OFF)");
        }
        else
        {
            KillAll();
            Environment.Exit(0);
        }
    };

    private void Background(uint id, Action work) => ThreadPool.QueueUserWorkItem(_ =>
    {
        try
        {
            work();
        }
        catch (Exception e)
        {
            _link.SendError(id, Errno(e), e.Message);
        }
    });

    private static int Errno(Exception e) => e switch
    {
        SyscallException s => s.Errno,
        FileNotFoundException or DirectoryNotFoundException => Interop.Sys.ENOENT,
        UnauthorizedAccessException => Interop.Sys.EACCES,
        ArgumentException or UserNotFoundException => Interop.Sys.EINVAL,
        _ => 0,
    };

    private void SendHello(uint id) =>
        _link.Send(MessageType.Hello, id, new HelloMessage(ProtocolLimits.Version, AgentVersion, KernelRelease(), Environment.ProcessId).Encode());

    private static string AgentVersion => typeof(AgentServer).Assembly.GetName().Version?.ToString(3) ?? "0";

    private static unsafe string KernelRelease()
    {
        // struct utsname: six 65-byte fields; release is the third.
        var buffer = stackalloc byte[65 * 6];
        if (Interop.Sys.uname(buffer) != 0) return "unknown";
        return Marshal.PtrToStringUTF8((nint)(buffer + 65 * 2)) ?? "unknown";
    }

    public static void Log(string message) => Console.Error.WriteLine($"layer-agent: {message}");
}
