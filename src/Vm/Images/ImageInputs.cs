using System.Security.Cryptography;

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

    /// <summary>Hex SHA-256 of a file's bytes (<see cref="HashFile"/>, or a caller's memo of it).</summary>
    public Func<string, string> Hash { get; init; } = HashFile;

    public static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

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
        yield return "init " + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Initramfs.InitScript())));
    }
}
