namespace Layer.Vm.Machines;

/// <summary>What a machine boots from: a base image by name, or a snapshot layer by id.</summary>
public abstract record BootSource
{
    private BootSource()
    {
    }

    /// <summary>A base image such as vm/busybox or vm/debian:12, built first when missing.</summary>
    public static BootSource Image(string name) => new FromImage(name);

    /// <summary>A layer returned by <see cref="Machine.SnapshotAsync"/> (here or in an earlier run).</summary>
    public static BootSource Layer(string id) => new FromLayer(id);

    internal sealed record FromImage(string Name) : BootSource;

    internal sealed record FromLayer(string Id) : BootSource;
}
