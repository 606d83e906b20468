namespace Layer.Vm.Machines;

/// <summary>What a machine gets besides its disk.</summary>
public sealed record MachineSpec
{
    /// <summary>Guest memory (the Layerfile's MEMORY).</summary>
    public int MemoryMiB { get; init; } = 2048;

    public int VCpus { get; init; } = Math.Min(2, Environment.ProcessorCount);

    /// <summary>
    /// Host folder shared read-only over 9p and mounted by the guest at /layer/share (later: the FUSE
    /// mirror's mountpoint). The QEMU user (libvirt-qemu) must be able to read it. None when null.
    /// </summary>
    public string? WorkspaceFolder { get; init; }

    /// <summary>
    /// More host folders shared read-only over 9p, each under its own mount tag; the guest mounts them
    /// itself (the engine does, through the agent). The QEMU user must be able to read them.
    /// </summary>
    public IReadOnlyList<SharedFolder> ExtraShares { get; init; } = [];

    /// <summary>
    /// A cache disk (<see cref="Disks.CacheDiskLease.ImagePath"/>) to attach as a second disk that no
    /// snapshot includes; the caller holds its lease while the machine runs. None when null.
    /// </summary>
    public string? CacheDiskPath { get; init; }

    /// <summary>How long from domain start to the agent's hello before the boot counts as failed.</summary>
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromMinutes(3);
}

/// <summary>A host folder shared read-only with the guest under 9p mount tag <paramref name="Tag"/> (letters, digits, '-', at most 31 characters).</summary>
public sealed record SharedFolder(string Tag, string HostFolder);
