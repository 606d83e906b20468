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

    /// <summary>How long from domain start to the agent's hello before the boot counts as failed.</summary>
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromMinutes(3);
}
