namespace Layer.Vm.Agent;

/// <summary>What the agent says when it is up: protocol and agent version, guest kernel release, its pid (1 in a VM).</summary>
public sealed record AgentHello(int ProtocolVersion, string AgentVersion, string KernelRelease, int Pid);
