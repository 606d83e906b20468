namespace Layer.Vm.Domains;

/// <summary>Everything the domain XML is generated from. Paths must be reachable by the QEMU user.</summary>
internal sealed record DomainSpec
{
    public required string Name { get; init; }

    /// <summary>"kvm" where KVM really runs a guest here, else "qemu" (TCG); see <see cref="Host.KvmProbe"/>.</summary>
    public required string DomainType { get; init; }

    public required int MemoryMiB { get; init; }

    public required int VCpus { get; init; }

    public required string KernelPath { get; init; }

    public required string InitrdPath { get; init; }

    public required string KernelCommandLine { get; init; }

    /// <summary>The qcow2 overlay the guest writes to (its backing chain ends at a base image); none when null.</summary>
    public required string? DiskPath { get; init; }

    /// <summary>
    /// A raw disk that outlives snapshots (<see cref="Disks.CacheDisks"/>): attached as a second virtio
    /// disk with serial <see cref="DomainXml.CacheDiskSerial"/>, left out of every disk-only snapshot. None when null.
    /// </summary>
    public string? CacheDiskPath { get; init; }

    /// <summary>Host folder exported read-only over 9p with mount tag <c>workspace</c>; none when null.</summary>
    public string? WorkspaceFolder { get; init; }

    /// <summary>More host folders exported read-only over 9p, each with its own mount tag.</summary>
    public IReadOnlyList<Machines.SharedFolder> ExtraShares { get; init; } = [];

    /// <summary>Unix socket QEMU listens on for the agent's virtio-serial port.</summary>
    public required string AgentSocketPath { get; init; }

    /// <summary>File the guest's serial console (ttyS0) is written to.</summary>
    public required string ConsoleLogPath { get; init; }
}
