namespace Layer.Vm.Agent.Protocol;

/// <summary>
/// The type byte of every frame (docs/agent-protocol.md). Host-to-guest requests
/// sit below 0x80, guest-to-host messages at 0x80 and above, so a frame read on
/// the wrong side is recognisably out of place.
/// </summary>
internal enum MessageType : byte
{
    // host -> guest
    HelloRequest = 0x01,
    Run = 0x02,
    Signal = 0x03,
    Sync = 0x04,
    MountOverlay = 0x05,
    RemountOverlays = 0x06,
    WriteFile = 0x07,
    ReadFile = 0x08,
    PowerOff = 0x09,
    Interactive = 0x0A,
    Input = 0x0B,
    CloseInput = 0x0C,
    Resize = 0x0D,

    // guest -> host
    Hello = 0x80,
    Started = 0x81,
    Stdout = 0x82,
    Stderr = 0x83,
    Exit = 0x84,
    Ok = 0x85,
    Error = 0x86,
    FileData = 0x87,
    InputAck = 0x88,
}
