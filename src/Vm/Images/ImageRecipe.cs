namespace Layer.Vm.Images;

/// <summary>How to make one base image's root filesystem. Kernel and initramfs are common to all.</summary>
internal abstract class ImageRecipe
{
    /// <summary>The name Layerfiles use after FROM, e.g. vm/debian:12.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Everything about the recipe that changes its output (version tag, package lists, mirror...). It is
    /// hashed into the image id with <see cref="ImageInputs.Fingerprint"/>: bump the tag when the code changes.
    /// </summary>
    public abstract string RecipeText { get; }

    /// <summary>Virtual size of the root disk (sparse: unused space costs nothing).</summary>
    public abstract string DiskSize { get; }

    /// <summary>Fills <paramref name="root"/> with the root filesystem, reporting progress lines.</summary>
    public abstract void Populate(string root, ImageInputs inputs, Action<string> progress);
}
