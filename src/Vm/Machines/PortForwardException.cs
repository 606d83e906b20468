namespace Layer.Vm.Machines;

/// <summary>QEMU would not forward a host port to the guest (most often: the host port is taken). The message holds QEMU's answer.</summary>
public sealed class PortForwardException(string message) : Exception(message);
