namespace Layer.Vm.Agent.Protocol;

/// <summary>A frame or payload that breaks the wire format: wrong length, unknown type, truncated field.</summary>
internal sealed class ProtocolException(string message) : Exception(message);
