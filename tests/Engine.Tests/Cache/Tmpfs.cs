using System.Diagnostics;

namespace Layer.Engine.Tests.Cache;

/// <summary>A small tmpfs mounted on a temporary folder (root only), to fill up; unmounted and removed on Dispose.</summary>
internal sealed class Tmpfs : IDisposable
{
    private readonly DirectoryInfo _mountpoint = Directory.CreateTempSubdirectory("layer-tmpfs-");

    public Tmpfs(string size)
    {
        Run("mount", "-t", "tmpfs", "-o", $"size={size},mode=0755", "tmpfs", Root);
    }

    public string Root => _mountpoint.FullName;

    private string Filler => Path.Combine(Root, "filler");

    /// <summary>Fills the disk, then gives <paramref name="free"/> bytes back.</summary>
    public void Fill(long free = 0)
    {
        using var filler = new FileStream(Filler, FileMode.Create, FileAccess.Write);
        var block = new byte[4096];
        try
        {
            while (true) filler.Write(block);
        }
        catch (IOException e) when (e.HResult == 28)
        {
            // ENOSPC: full.
        }

        filler.SetLength(Math.Max(0, filler.Length - free));
    }

    public void Free() => File.Delete(Filler);

    public void Dispose()
    {
        // Lazily: a file LiteDB left open after a failed write must not keep the mount (and the test's folder) behind.
        Run("umount", "--lazy", Root);
        _mountpoint.Delete();
    }

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: {error}");
    }
}
