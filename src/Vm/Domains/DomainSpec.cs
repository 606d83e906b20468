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

    /// <summary>Host folders shared with the guest, each under its own mount tag (the workspace's is <see cref="DomainXml.WorkspaceTag"/>).</summary>
    public IReadOnlyList<DomainShare> Shares { get; init; } = [];

    /// <summary>Unix socket QEMU listens on for the agent's virtio-serial port.</summary>
    public required string AgentSocketPath { get; init; }

    /// <summary>File the guest's serial console (ttyS0) is written to.</summary>
    public required string ConsoleLogPath { get; init; }
}

/// <summary>
/// A host folder the guest mounts by <paramref name="Tag"/>: over virtio-fs from the virtiofsd listening on
/// <paramref name="VirtioFsSocket"/>, or read-only over 9p (QEMU serves it itself) when that is null.
/// </summary>
internal sealed record DomainShare(string Tag, string HostFolder, string? VirtioFsSocket);
