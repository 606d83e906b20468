namespace Layer.Vm.Agent.Protocol;

/// <summary>
/// One decoded frame. Request id 0 belongs to no request: the unsolicited Hello
/// and errors about the link itself use it. The payload array is owned by the
/// frame (a fresh array per frame), so handlers may keep it.
/// </summary>
internal readonly record struct Frame(MessageType Type, uint RequestId, byte[] Payload);
