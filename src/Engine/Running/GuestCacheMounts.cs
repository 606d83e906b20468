using System.Text;
using Layer.Engine.Cache;
using Layer.Vm.Agent;
using Layer.Vm.Disks;
using Layer.Vm.Machines;

namespace Layer.Engine.Running;

/// <summary>
/// The CACHE folders inside one machine: the cache disk is mounted at <see cref="DiskMountpoint"/> the
/// first time a step needs it, and each folder is bind-mounted from its own sub-folder of the disk
/// before the first step that follows its CACHE line. A machine booted on a restored snapshot has none
/// of these mounts (only the empty mount points are on its disk), so a fresh instance per machine
/// mounts them all again. The mount points are plain folders on the root disk; what is written under
/// them goes to the cache disk, which no snapshot includes.
/// </summary>
internal sealed class GuestCacheMounts(Machine machine)
{
    /// <summary>Where the guest mounts the cache disk (on the agent's state folder, so no Layerfile path collides).</summary>
    internal const string DiskMountpoint = "/layer/cache";

    private readonly HashSet<string> _bound = new(StringComparer.Ordinal);
    private bool _diskMounted;

    /// <summary>
    /// The host side: the Layerfile's cache disk, or an empty throwaway one (with a message) when another
    /// run of the same Layerfile holds it now. Dispose the lease after the machine is gone.
    /// </summary>
    public static CacheDiskLease AcquireDisk(BuildSession session, string layerfile)
    {
        var disks = new CacheDisks(session.Cache);
        var lease = disks.TryAcquire(CacheDiskNames.Of(session.RepositoryRoot, layerfile), CacheDiskNames.Owner(session.RepositoryRoot, layerfile));
        if (lease is not null) return lease;
        session.Observer.Info($"{layerfile}: another run of this Layerfile is using its CACHE disk; this run gets an empty one, discarded at the end");
        return disks.Throwaway();
    }

    /// <summary>Mounts what <paramref name="folders"/> needs that is not mounted yet; returns an error text on failure.</summary>
    /// <param name="user">The step's USER: a folder CACHE creates is given to it.</param>
    public async Task<string?> EnsureAsync(IReadOnlyList<string> folders, string user, CancellationToken cancellationToken)
    {
        var missing = folders.Where(f => !_bound.Contains(f)).ToList();
        if (missing.Count == 0) return null;
        var script = new StringBuilder();
        if (!_diskMounted) script.Append(MountDiskScript());
        foreach (var folder in missing) script.Append(BindScript(folder, user));
        var output = new StringBuilder();
        void Collect(ReadOnlyMemory<byte> chunk) => output.Append(Encoding.UTF8.GetString(chunk.Span));
        var result = await machine.RunAsync(RunSpec.ShellCommand(script.ToString()), Collect, Collect, cancellationToken);
        if (!result.Succeeded) return $"mounting the CACHE folder(s) {string.Join(", ", missing)} failed (exit code {result.ExitCode}): {output.ToString().Trim()}";
        _diskMounted = true;
        _bound.UnionWith(missing);
        return null;
    }

    /// <summary>Finds the disk by its serial (not by its vdX name, which depends on what else is attached).</summary>
    private static string MountDiskScript() =>
        $$"""
        dev=
        for serial in /sys/block/vd*/serial; do
          if [ "$(cat "$serial" 2>/dev/null)" = {{DomainSerial}} ]; then dev=${serial%/serial}; dev=/dev/${dev##*/}; fi
        done
        [ -n "$dev" ] || { echo "no cache disk (serial {{DomainSerial}}) is attached to this machine" >&2; exit 1; }
        mkdir -p {{DiskMountpoint}} || exit 1
        mount -t ext4 -o noinit_itable "$dev" {{DiskMountpoint}} || exit 1

        """;

    /// <summary>
    /// Binds the folder to its sub-folder of the disk. A new sub-folder starts with what the image has in
    /// the folder (apt's and npm's cache folders come with a layout), and with its owner and mode.
    /// </summary>
    private static string BindScript(string folder, string user)
    {
        var target = StepExecutor.ShellQuote(folder);
        var source = StepExecutor.ShellQuote($"{DiskMountpoint}/folders/{SubfolderName(folder)}");
        var chown = user is "root" or "0" or "" ? "" : $"chown {StepExecutor.ShellQuote(user)} {target} || exit 1; ";
        return $$"""
            if [ ! -d {{target}} ]; then mkdir -p {{target}} || exit 1; {{chown}}fi
            if [ ! -d {{source}} ]; then
              mkdir -p {{source}} || exit 1
              cp -a {{target}}/. {{source}}/ || exit 1
              chown "$(stat -c %u:%g {{target}})" {{source}} && chmod "$(stat -c %a {{target}})" {{source}} || exit 1
            fi
            mount -o bind {{source}} {{target}} || exit 1

            """;
    }

    /// <summary>Readable and unique per folder: the path with '/' as '_', and a hash against collisions.</summary>
    internal static string SubfolderName(string folder)
    {
        var readable = new string(folder.Trim('/').Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_').ToArray());
        if (readable.Length > 80) readable = readable[..80];
        var hash = Convert.ToHexStringLower(Blake3.Hasher.Hash(Encoding.UTF8.GetBytes(folder)).AsSpan()[..4]);
        return $"{readable}-{hash}";
    }

    private const string DomainSerial = CacheDisks.GuestSerial;
}
