namespace Layer.Guest;

/// <summary>
/// Users from /etc/passwd and /etc/group, read directly: the agent must not
/// depend on NSS modules a minimal root disk lacks.
/// </summary>
internal static class UserDatabase
{
    internal sealed record Account(string Name, uint Uid, uint Gid, string Home, uint[] Groups);

    /// <summary>Looks a user up by name or decimal uid; an unknown numeric uid is allowed (gid = uid, home /).</summary>
    public static Account Resolve(string user)
    {
        var numeric = uint.TryParse(user, out var uid);
        foreach (var fields in Entries("/etc/passwd"))
        {
            if (fields.Length < 7) continue;
            if (numeric ? fields[2] == user : fields[0] == user)
            {
                var gid = uint.Parse(fields[3]);
                return new Account(fields[0], uint.Parse(fields[2]), gid, fields[5], Groups(fields[0], gid));
            }
        }
        // A minimal root disk may have no /etc/passwd at all: root still is root.
        if (numeric) return uid == 0 ? new Account("root", 0, 0, "/root", [0]) : new Account(user, uid, uid, "/", [uid]);
        throw new UserNotFoundException($"no user '{user}' in the guest's /etc/passwd");
    }

    public static Account Current() => Resolve(Interop.Sys.geteuid().ToString());

    private static uint[] Groups(string name, uint primary)
    {
        var groups = new List<uint> { primary };
        foreach (var fields in Entries("/etc/group"))
        {
            if (fields.Length < 4 || !uint.TryParse(fields[2], out var gid)) continue;
            if (fields[3].Split(',').Contains(name) && !groups.Contains(gid)) groups.Add(gid);
        }
        return [.. groups];
    }

    private static IEnumerable<string[]> Entries(string file)
    {
        if (!File.Exists(file)) yield break;
        foreach (var line in File.ReadLines(file))
            if (line.Length > 0 && line[0] != '#') yield return line.Split(':');
    }
}

internal sealed class UserNotFoundException(string message) : Exception(message);
