using Layer.Fs.Tracking;

namespace Layer.Fs.Tests;

/// <summary>Nothing outside the mirrored root can be read through it, whatever names or links are used.</summary>
public sealed class ConfinementTests
{
    [HostFact(Needs.Root, Needs.Fuse)]
    public void Escape_attempts_serve_nothing_from_outside()
    {
        using var m = TestMirror.Create(host =>
        {
            // A secret beside the root, and links in the root pointing at it in every way.
            File.WriteAllText(Path.Combine(host, "..", "outside-secret"), "OUTSIDE");
            File.WriteAllText(Path.Combine(host, "inside"), "in");
            File.CreateSymbolicLink(Path.Combine(host, "abs"), Path.GetFullPath(Path.Combine(host, "..", "outside-secret")));
            File.CreateSymbolicLink(Path.Combine(host, "rel"), "../outside-secret");
            File.CreateSymbolicLink(Path.Combine(host, "etc"), "/etc");
            File.CreateSymbolicLink(Path.Combine(host, "updir"), "..");
            Directory.CreateDirectory(Path.Combine(host, "sub"));
            File.CreateSymbolicLink(Path.Combine(host, "sub", "deep"), "../../outside-secret");
        });

        // The client follows links itself, inside its own namespace: an absolute link leaves the mirror
        // for the client's own files (here: the host's, as the client is on the host), a relative one
        // that climbs above the mount root climbs out of the mount, never into the mirrored host folder's
        // parent through the mirror. Whatever the client does, the mirror serves only the root's files.
        var outsideThroughMirror = new[]
        {
            "cat rel", "cat sub/deep", "cat updir/outside-secret", "cat ../host/../outside-secret", "cat ./../outside-secret",
        };
        foreach (var command in outsideThroughMirror)
        {
            var r = TestMirror.Sh(command, workingDirectory: m.Mount);
            Assert.DoesNotContain("OUTSIDE", r.Stdout);
        }

        // The mirror itself never follows a link on the host: it serves the link, not its target.
        Assert.Equal(Path.GetFullPath(Path.Combine(m.Host, "..", "outside-secret")), new FileInfo(m.InMount("abs")).LinkTarget);
        Assert.Equal("/etc", new FileInfo(m.InMount("etc")).LinkTarget);
        Assert.Equal("in", File.ReadAllText(m.InMount("inside")));
    }

    [HostFact(Needs.Root)]
    public void The_host_root_refuses_dotdot_absolute_and_symlinked_paths()
    {
        var dir = Directory.CreateTempSubdirectory("layer-confine-").FullName;
        try
        {
            var host = Directory.CreateDirectory(Path.Combine(dir, "host")).FullName;
            File.WriteAllText(Path.Combine(dir, "secret"), "OUTSIDE");
            File.WriteAllText(Path.Combine(host, "ok"), "ok");
            File.CreateSymbolicLink(Path.Combine(host, "link"), "../secret");
            Directory.CreateDirectory(Path.Combine(host, "d"));
            File.CreateSymbolicLink(Path.Combine(host, "dlink"), "d");
            using var root = Layer.Fs.Host.HostRoot.Open(host);
            Assert.Equal(0, root.TryOpen("ok", 0, out var ok));
            ok.Dispose();
            foreach (var path in new[] { "../secret", "d/../../secret", Path.Combine(dir, "secret"), "link", "dlink/../ok" })
            {
                var error = root.TryOpen(path, 0, out var fd);
                fd.Dispose();
                Assert.True(error != 0, $"{path} was opened");
            }

            // A read set naming a path outside the root never validates by reading it.
            var set = new ReadSet(new[] { new Observation(ObservationKind.Content, "../secret") { Hash = Blake3.Hasher.Hash("OUTSIDE"u8).ToString() } });
            Assert.False(ReadSetValidator.Validate(host, set).Holds);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
