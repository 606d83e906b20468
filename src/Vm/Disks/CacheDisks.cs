using System.Text.Json;
using Layer.Vm.Host;

namespace Layer.Vm.Disks;

/// <summary>A cache disk as `layer cache` sees it: its name, what it belongs to, the bytes it really takes, when last used.</summary>
public sealed record CacheDiskRecord(string Name, string Owner, long Bytes, DateTime LastUsedUtc);

/// <summary>
/// Disks that persist across runs and are part of no snapshot (the Layerfile's CACHE folders live on
/// them). Each is a sparse raw file holding an ext4 filesystem, attached to a machine as a second
/// virtio disk that disk-only snapshots leave out (<see cref="Machines.MachineSpec.CacheDiskPath"/>).
/// <code>
///   caches/NAME.img    sparse raw ext4 image, <see cref="Capacity"/> bytes apparent size (the cap)
///   caches/NAME.json   owner (what the name stands for, free text) and last use
///   caches/NAME.lock   held (flock) by the one machine that writes the disk now
///   caches/tmp-ID.*    a throwaway disk for a run that found NAME locked; deleted after the run
/// </code>
/// Two machines writing one ext4 image at once would corrupt it, hence the lock: the second comer gets
/// a throwaway disk. Names are chosen by the caller (the engine hashes the Layerfile's path).
/// </summary>
public sealed class CacheDisks(CacheDirectory cache)
{
    /// <summary>The filesystem size: a cache can never grow past it, and it costs nothing until written (sparse).</summary>
    public const long Capacity = 10L << 30;

    /// <summary>The serial the guest sees on the cache disk (/sys/block/vdX/serial), to find it whatever its vdX name.</summary>
    public const string GuestSerial = Domains.DomainXml.CacheDiskSerial;

    private const string ThrowawayPrefix = "tmp-";

    public string Folder => Path.Combine(cache.Root, "caches");

    /// <summary>
    /// Takes the disk <paramref name="name"/> for one machine, creating it when missing. Null when
    /// another machine holds it now (the caller then takes <see cref="Throwaway"/>).
    /// </summary>
    /// <param name="owner">What the disk belongs to, shown by <c>layer cache ls</c> (e.g. the Layerfile).</param>
    public CacheDiskLease? TryAcquire(string name, string owner)
    {
        if (name.Length is 0 or > 64 || !name.All(char.IsAsciiLetterOrDigit)) throw new ArgumentException($"not a cache disk name: {name}", nameof(name));
        EnsureFolder();
        var lockStream = TryLock(Path.Combine(Folder, name + ".lock"));
        if (lockStream is null) return null;
        try
        {
            var image = Path.Combine(Folder, name + ".img");
            if (!File.Exists(image)) Format(image);
            WriteInfo(name, owner);
            return new CacheDiskLease(image, lockStream, isThrowaway: false, () => WriteInfo(name, owner));
        }
        catch
        {
            lockStream.Dispose();
            throw;
        }
    }

    /// <summary>An empty disk for this run only, deleted when the lease is disposed.</summary>
    public CacheDiskLease Throwaway()
    {
        EnsureFolder();
        var name = ThrowawayPrefix + LayerStore.NewId();
        var lockStream = TryLock(Path.Combine(Folder, name + ".lock")) ?? throw new IOException($"cannot lock the new cache disk {name}");
        var image = Path.Combine(Folder, name + ".img");
        try
        {
            Format(image);
        }
        catch
        {
            lockStream.Dispose();
            File.Delete(Path.Combine(Folder, name + ".lock"));
            throw;
        }

        return new CacheDiskLease(image, lockStream, isThrowaway: true, () =>
        {
            File.Delete(image);
            File.Delete(Path.Combine(Folder, name + ".lock"));
        });
    }

    /// <summary>Every kept disk (throwaway ones excluded), most recently used first.</summary>
    public IReadOnlyList<CacheDiskRecord> List()
    {
        if (!Directory.Exists(Folder)) return [];
        var records = new List<CacheDiskRecord>();
        foreach (var image in Directory.EnumerateFiles(Folder, "*.img"))
        {
            var name = Path.GetFileNameWithoutExtension(image);
            if (name.StartsWith(ThrowawayPrefix, StringComparison.Ordinal)) continue;
            var info = ReadInfo(name);
            records.Add(new CacheDiskRecord(name, info?.Owner ?? "?", QemuImg.AllocatedBytes(image), info?.LastUsedUtc ?? File.GetLastWriteTimeUtc(image)));
        }

        return records.OrderByDescending(r => r.LastUsedUtc).ToList();
    }

    /// <summary>
    /// Deletes a disk unless a machine holds it now (false then). Throwaway disks a killed run left behind
    /// are deleted by <see cref="DeleteAbandonedThrowaways"/>.
    /// </summary>
    public bool TryDelete(string name)
    {
        var lockPath = Path.Combine(Folder, name + ".lock");
        using var held = TryLock(lockPath);
        if (held is null) return false;
        File.Delete(Path.Combine(Folder, name + ".json"));
        File.Delete(Path.Combine(Folder, name + ".img"));
        File.Delete(lockPath);
        return true;
    }

    /// <summary>Deletes the throwaway disks of runs that died before cleaning up (their lock is free); returns how many.</summary>
    public int DeleteAbandonedThrowaways()
    {
        if (!Directory.Exists(Folder)) return 0;
        var count = 0;
        foreach (var image in Directory.EnumerateFiles(Folder, ThrowawayPrefix + "*.img"))
        {
            if (TryDelete(Path.GetFileNameWithoutExtension(image))) count++;
        }

        return count;
    }

    private void EnsureFolder()
    {
        cache.EnsureCreated();
        Directory.CreateDirectory(Folder);
        File.SetUnixFileMode(Folder, CacheDirectory.ReachableByQemu);
    }

    /// <summary>
    /// An exclusive lock on the file, or null when another holder has it. .NET takes FileShare.None as
    /// flock(LOCK_EX | LOCK_NB), which also holds between two opens in one process, and which the kernel
    /// drops when the holder dies: a killed run never leaves a disk locked.
    /// </summary>
    private static FileStream? TryLock(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// A sparse raw image with an empty ext4 filesystem. Lazy inode-table and journal init keep mkfs
    /// instant and the file small; the guest mounts with noinit_itable so it never zeroes them either.
    /// </summary>
    private static void Format(string image)
    {
        var temporary = image + ".new";
        File.Delete(temporary);
        HostCommand.Run("mkfs.ext4",
        [
            "-q", "-F", "-L", "layer-cache", "-m", "0",
            "-E", "lazy_itable_init=1,lazy_journal_init=1,root_owner=0:0", temporary, (Capacity / 1024).ToString(System.Globalization.CultureInfo.InvariantCulture) + "k",
        ]);
        File.Move(temporary, image);
    }

    private void WriteInfo(string name, string owner)
    {
        var path = Path.Combine(Folder, name + ".json");
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(new CacheDiskInfo(owner, DateTime.UtcNow), CacheDiskInfoContext.Default.CacheDiskInfo));
        File.Move(temporary, path, overwrite: true);
    }

    private CacheDiskInfo? ReadInfo(string name)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(Folder, name + ".json")), CacheDiskInfoContext.Default.CacheDiskInfo);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }
}

/// <summary>
/// One machine's hold on a cache disk: attach <see cref="ImagePath"/>; dispose after the machine is
/// gone. Disposing records the last use (or deletes a throwaway disk) and releases the lock.
/// </summary>
public sealed class CacheDiskLease : IDisposable
{
    private readonly FileStream _lock;
    private readonly Action _onRelease;
    private int _disposed;

    internal CacheDiskLease(string imagePath, FileStream lockStream, bool isThrowaway, Action onRelease)
    {
        ImagePath = imagePath;
        _lock = lockStream;
        IsThrowaway = isThrowaway;
        _onRelease = onRelease;
    }

    public string ImagePath { get; }

    /// <summary>True when the named disk was held by another run and this is an empty one for this run only.</summary>
    public bool IsThrowaway { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            _onRelease();
        }
        catch (IOException)
        {
            // The last-use stamp or a throwaway file: nothing a run should fail for; prune tidies up.
        }
        finally
        {
            _lock.Dispose();
        }
    }
}

internal sealed record CacheDiskInfo(string Owner, DateTime LastUsedUtc);

[System.Text.Json.Serialization.JsonSerializable(typeof(CacheDiskInfo))]
internal sealed partial class CacheDiskInfoContext : System.Text.Json.Serialization.JsonSerializerContext;
