namespace Layer.Vm.Images;

/// <summary>The host files every recipe builds from; each one's hash goes into the image id.</summary>
internal sealed class ImageInputs
{
    public required GuestKernel Kernel { get; init; }

    public required string BusyboxPath { get; init; }

    /// <summary>The published guest agent, or null while none is available (the image then only boots to init).</summary>
    public required string? AgentBinary { get; init; }

    /// <summary>Where recipes may keep intermediate results that do not depend on the agent (images/).</summary>
    public required string CacheFolder { get; init; }

    /// <summary>Hex BLAKE3 of a file's bytes (<see cref="HashFile"/>, or a caller's memo of it).</summary>
    public Func<string, string> Hash { get; init; } = HashFile;

    /// <summary>
    /// Hex BLAKE3 of a file's bytes. Image ids are BLAKE3 throughout, as the step cache is: SHA-256 here
    /// ran through OpenSSL, whose loading (2 ms) every `layer run` waited for before its first lookup.
    /// </summary>
    public static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        using var hasher = Blake3.Hasher.New();
        var buffer = new byte[1 << 16];
        int read;
        while ((read = stream.Read(buffer)) > 0) hasher.Update(buffer.AsSpan(0, read));
        return Convert.ToHexStringLower(hasher.Finalize().AsSpan());
    }

    /// <summary>Hex BLAKE3 of a text's UTF-8 bytes.</summary>
    internal static string HashText(string text) => Convert.ToHexStringLower(Blake3.Hasher.Hash(System.Text.Encoding.UTF8.GetBytes(text)).AsSpan());

    /// <summary>Content hashes of the files shared by all recipes (kernel, modules, busybox, agent, init).</summary>
    public IEnumerable<string> Fingerprint()
    {
        yield return "kernel " + Kernel.Release + " " + Hash(Kernel.VmlinuzPath) + (PvhKernel.Supported(Kernel) ? " pvh" : "");
        var paths = Kernel.ModulePaths();
        foreach (var module in Kernel.ModuleLoadOrder())
        {
            yield return "module " + module + " " + Hash(Path.Combine(Kernel.ModulesDirectory, paths[module]));
        }

        yield return "busybox " + Hash(BusyboxPath);
        yield return "agent " + (AgentBinary is null ? "none" : Hash(AgentBinary));
        yield return "init " + HashText(Initramfs.InitScript());
    }
}
