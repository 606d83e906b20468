namespace Layer.Fs.Mounting;

/// <summary>/etc/fuse.conf as fusermount3 reads it: allow_other needs a line `user_allow_other`.</summary>
internal static class FuseConf
{
    public const string Path = "/etc/fuse.conf";

    public static bool AllowsOther(string path = Path)
    {
        if (!File.Exists(path)) return false;
        return File.ReadLines(path).Any(line => line.Trim() == "user_allow_other");
    }

    public static string MissingAllowOtherMessage =>
        $"mounting the mirror as an ordinary user needs the FUSE option allow_other (QEMU runs as its own user and must read the mirror), " +
        $"and fusermount3 allows it only when {Path} has a line 'user_allow_other'. " +
        $"Add it as root: echo user_allow_other | sudo tee -a {Path}";
}
