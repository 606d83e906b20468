using Layer.Cli.Host;
using Layer.Cli.Terminal;
using Layer.Engine.Planning;
using Layer.Engine.Reporting;
using Layer.Engine.Running;
using Layer.Fs.Mounting;
using Layer.Vm.Agent;
using Layer.Vm.Host;
using Layer.Vm.Images;
using Layer.Vm.Libvirt;
using Layer.Vm.Machines;

namespace Layer.Cli.Commands;

/// <summary>
/// The CLI's one error model: what each kind of failure prints and which exit code it ends with (README,
/// "Exit codes"). Commands let failures propagate; Program maps them here, once for every command. Only a
/// failure none of these describe is a bug in layer (70, with a hint to report it).
/// </summary>
internal static class ExitCodes
{
    /// <summary>A Layerfile error, a build that failed without a step's own exit code, a missing file.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong (System.CommandLine's own code).</summary>
    public const int Usage = 2;

    /// <summary>EX_UNAVAILABLE: something the host provides failed: libvirt, QEMU or qemu-img, FUSE, the guest, a host tool.</summary>
    public const int Unavailable = 69;

    /// <summary>EX_SOFTWARE: a bug in layer.</summary>
    public const int Internal = 70;

    /// <summary>EX_IOERR: reading or writing a file failed (a full disk, a damaged or unreadable file).</summary>
    public const int IoError = 74;

    /// <summary>EX_TEMPFAIL: a BUTTON waits for approval; nothing failed (run again with --approve).</summary>
    public const int Waiting = 75;

    /// <summary>EX_NOPERM: the host refused access (not root, a file's permissions).</summary>
    public const int NoPermission = 77;

    /// <summary>128 + SIGINT: interrupted by Ctrl-C or SIGTERM.</summary>
    public const int Interrupted = 130;

    /// <summary>ENOSPC: .NET on Linux keeps the errno of a failed call as the IOException's HResult.</summary>
    private const int NoSpace = 28;

    /// <summary>How a failed build ends: the exit code of the first failed RUN (1 to 255), else 1.</summary>
    public static int Of(BuildReport report)
    {
        if (report.Succeeded) return 0;
        if (report.Waiting) return Waiting;
        var failed = report.Layerfiles.SelectMany(l => l.Steps).FirstOrDefault(s => s.Status == StepStatus.Failed && s.ExitCode is not null);
        return failed?.ExitCode is { } code and > 0 and < 256 ? code : Failed;
    }

    /// <summary>The message and exit code for <paramref name="e"/>, or null when it is a bug.</summary>
    public static (int Code, string Message)? Classify(Exception e) => e switch
    {
        BuildException or PlanException => (Failed, e.Message),
        HostSetupException or ImageBuildException or FuseMountException or LibvirtException or GuestFailedException
            or HostCommandException or PortForwardException => (Unavailable, e.Message),
        AgentException => (Unavailable, $"the guest agent failed: {e.Message}"),
        Engine.Cache.CacheFullException => (IoError, e.Message),
        IOException { HResult: NoSpace } => (IoError, $"{e.Message.TrimEnd('.')}: the disk is full; free space (layer cache prune --keep-size 10G drops least recently used steps) and run again"),
        IOException => (IoError, e.Message),
        UnauthorizedAccessException => (NoPermission, $"{e.Message} (layer needs root for libvirt and FUSE: run it with sudo)"),
        _ => null,
    };
}
