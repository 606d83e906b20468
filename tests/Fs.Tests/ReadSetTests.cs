using Layer.Fs.Tracking;

namespace Layer.Fs.Tests;

/// <summary>The model, hashing and validation without a mount.</summary>
public sealed class ReadSetTests
{
    private sealed class CountingCache : IContentHashCache
    {
        public readonly Dictionary<(string, FileStamp), byte[]> Entries = new();
        public int Hits;

        public bool TryGet(string path, FileStamp stamp, Span<byte> hash)
        {
            if (!Entries.TryGetValue((path, stamp), out var known)) return false;
            known.CopyTo(hash);
            Hits++;
            return true;
        }

        public void Store(string path, FileStamp stamp, ReadOnlySpan<byte> hash) => Entries[(path, stamp)] = hash.ToArray();

        public bool RemembersListings { get; init; }
    }

    [Fact]
    public void A_read_set_round_trips_through_json()
    {
        var set = new ReadSet(new[]
        {
            new Observation(ObservationKind.Content, "a b/ü.txt") { Hash = "00ff", Metadata = new FileMetadata(EntryType.File, 0x1A4, 3, null) },
            new Observation(ObservationKind.Metadata, "l") { Metadata = new FileMetadata(EntryType.Symlink, 0x1FF, 1, "x") },
            new Observation(ObservationKind.Absent, "gone"),
            new Observation(ObservationKind.Listing, ".") { Hash = "abcd", Unstable = true },
        });
        var json = set.ToJson();
        Assert.Contains("\"kind\":\"content\"", json);
        Assert.Contains("\"type\":\"symlink\"", json);
        Assert.Equal(set, ReadSet.FromJson(json));
        Assert.False(ReadSet.FromJson(json).IsStable);
    }

    [HostFact(Needs.Root)]
    public void Validation_uses_the_hash_cache_and_still_catches_changes()
    {
        var dir = Directory.CreateTempSubdirectory("layer-validate-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "f"), "one");
            var set = new ReadSet(new[]
            {
                new Observation(ObservationKind.Content, "f")
                {
                    Hash = Blake3.Hasher.Hash("one"u8).ToString(),
                    Metadata = new FileMetadata(EntryType.File, (int)File.GetUnixFileMode(Path.Combine(dir, "f")), 3, null),
                },
            });
            var cache = new CountingCache();
            Assert.True(ReadSetValidator.Validate(dir, set, cache).Holds);
            Assert.True(ReadSetValidator.Validate(dir, set, cache).Holds);
            Assert.Equal(1, cache.Hits);

            // The cache answers for an unchanged stamp (the file is not read): a hash it holds for this stamp
            // is compared byte for byte with the observed one.
            var stamp = FileStamp.Read(Path.Combine(dir, "f"))!.Value;
            var known = cache.Entries[("f", stamp)];
            Assert.Equal(set.Observations[0].Hash, Convert.ToHexStringLower(known));
            known[31] ^= 1;
            Assert.Equal(MismatchKind.ContentChanged, Assert.Single(ReadSetValidator.Validate(dir, set, cache).Mismatches).Kind);
            known[31] ^= 1;
            Assert.True(ReadSetValidator.Validate(dir, set, cache).Holds);

            // Same size, different bytes: the stamp changes (mtime/ctime), so the cache cannot hide it.
            File.WriteAllText(Path.Combine(dir, "f"), "two");
            var result = ReadSetValidator.Validate(dir, set, cache);
            Assert.Equal(MismatchKind.ContentChanged, Assert.Single(result.Mismatches).Kind);

            File.Delete(Path.Combine(dir, "f"));
            Assert.Equal(MismatchKind.Removed, Assert.Single(ReadSetValidator.Validate(dir, set).Mismatches).Kind);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Nested_paths_validate_and_a_folder_turned_symlink_is_never_resolved_through()
    {
        var dir = Directory.CreateTempSubdirectory("layer-validate-").FullName;
        var outside = Directory.CreateTempSubdirectory("layer-outside-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "a", "b"));
            File.WriteAllText(Path.Combine(dir, "a", "b", "f"), "one");
            File.WriteAllText(Path.Combine(outside, "f"), "one");
            var mode = (int)File.GetUnixFileMode(Path.Combine(dir, "a", "b", "f"));
            var set = new ReadSet(new[]
            {
                new Observation(ObservationKind.Absent, "a/b/missing"),
                new Observation(ObservationKind.Content, "a/b/f") { Hash = Blake3.Hasher.Hash("one"u8).ToString(), Metadata = new FileMetadata(EntryType.File, mode, 3, null) },
                new Observation(ObservationKind.Metadata, "a/b/f") { Metadata = new FileMetadata(EntryType.File, mode, 3, null) },
            });
            var held = new HeldObservations();
            Assert.True(ReadSetValidator.Validate(dir, set, held: held).Holds);

            // Within one lookup pass, what held is not looked at again, and a file whose content held also
            // vouches for its metadata: this metadata-only read set is answered from the pass (the file was
            // made 0600 since, which a fresh validation does see).
            File.SetUnixFileMode(Path.Combine(dir, "a", "b", "f"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var statOnly = new ReadSet(new[] { new Observation(ObservationKind.Metadata, "a/b/f") { Metadata = new FileMetadata(EntryType.File, mode, 3, null) } });
            Assert.True(ReadSetValidator.Validate(dir, statOnly, held: held).Holds);
            var permissions = Assert.Single(ReadSetValidator.Validate(dir, statOnly).Mismatches);
            Assert.Equal((MismatchKind.PermissionsChanged, $"{Convert.ToString(mode, 8)} -> 600"), (permissions.Kind, permissions.Detail));
            File.SetUnixFileMode(Path.Combine(dir, "a", "b", "f"), (UnixFileMode)mode);

            // a/b becomes a symlink to a folder outside holding the same bytes: nothing is checked through it.
            Directory.Delete(Path.Combine(dir, "a", "b"), recursive: true);
            File.CreateSymbolicLink(Path.Combine(dir, "a", "b"), outside);
            var result = ReadSetValidator.Validate(dir, set);
            Assert.Equal(3, result.Mismatches.Count);
            Assert.All(result.Mismatches, m => Assert.NotEqual(MismatchKind.ContentChanged, m.Kind));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void A_changed_listing_says_which_names_were_added_and_removed()
    {
        var folder = Directory.CreateTempSubdirectory("layer-validate-listing-");
        try
        {
            Directory.CreateDirectory(Path.Combine(folder.FullName, "d"));
            foreach (var name in new[] { "a", "b c", "gone" }) File.WriteAllText(Path.Combine(folder.FullName, "d", name), "");
            Observation listing;
            using (var root = Layer.Fs.Host.HostRoot.Open(folder.FullName))
            {
                Assert.Equal(0, root.TryReadDirectory("d", out var entries));
                listing = new Observation(ObservationKind.Listing, "d") { Hash = ObservationHashing.ListingHash(entries), Names = ObservationHashing.ListingNames(entries) };
            }

            Assert.Equal("a\0b c\0gone", listing.Names);
            Assert.True(ReadSetValidator.Validate(folder.FullName, new ReadSet([listing])).Holds);
            File.Delete(Path.Combine(folder.FullName, "d", "gone"));
            File.WriteAllText(Path.Combine(folder.FullName, "d", "new.js"), "");
            var mismatch = Assert.Single(ReadSetValidator.Validate(folder.FullName, new ReadSet([listing])).Mismatches);
            Assert.Equal("added: new.js; removed: gone", mismatch.Detail);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_cache_that_remembers_listings_answers_for_an_unchanged_folder_and_never_for_a_changed_one()
    {
        var folder = Directory.CreateTempSubdirectory("layer-validate-listing-cache-");
        try
        {
            Directory.CreateDirectory(Path.Combine(folder.FullName, "d"));
            foreach (var name in new[] { "a", "b" }) File.WriteAllText(Path.Combine(folder.FullName, "d", name), "");
            Observation listing, root;
            using (var host = Layer.Fs.Host.HostRoot.Open(folder.FullName))
            {
                Assert.Equal(0, host.TryReadDirectory("d", out var entries));
                listing = new Observation(ObservationKind.Listing, "d") { Hash = ObservationHashing.ListingHash(entries) };
                Assert.Equal(0, host.TryReadDirectory("", out entries));
                root = new Observation(ObservationKind.Listing, ".") { Hash = ObservationHashing.ListingHash(entries) };
            }

            var set = new ReadSet([root, listing]);
            var cache = new CountingCache { RemembersListings = true };
            Assert.True(ReadSetValidator.Validate(folder.FullName, set, cache).Holds);
            Assert.Equal(["./", "d/"], cache.Entries.Keys.Select(k => k.Item1).Order());
            Assert.True(ReadSetValidator.Validate(folder.FullName, set, cache).Holds);
            Assert.Equal(2, cache.Hits);

            // A remembered hash is compared, not trusted blindly; and an entry added, removed or renamed
            // changes the folder's stamp, so the folder is read again.
            var stamp = cache.Entries.Keys.Single(k => k.Item1 == "d/");
            cache.Entries[stamp][0] ^= 1;
            Assert.Equal(MismatchKind.ListingChanged, Assert.Single(ReadSetValidator.Validate(folder.FullName, set, cache).Mismatches).Kind);
            cache.Entries[stamp][0] ^= 1;
            File.Move(Path.Combine(folder.FullName, "d", "b"), Path.Combine(folder.FullName, "d", "c"));
            var renamed = Assert.Single(ReadSetValidator.Validate(folder.FullName, set, cache).Mismatches);
            Assert.Equal("d", renamed.Observation.Path);
            File.Move(Path.Combine(folder.FullName, "d", "c"), Path.Combine(folder.FullName, "d", "b"));
            Assert.True(ReadSetValidator.Validate(folder.FullName, set, cache).Holds);

            // Not on a filesystem the cache does not vouch for: nothing about folders is remembered or asked.
            var plain = new CountingCache();
            Assert.True(ReadSetValidator.Validate(folder.FullName, set, plain).Holds);
            Assert.Empty(plain.Entries);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void An_empty_read_set_holds()
    {
        var folder = Directory.CreateTempSubdirectory("layer-validate-empty-");
        try
        {
            Assert.True(ReadSetValidator.Validate(folder.FullName, ReadSet.Empty).Holds);
        }
        finally
        {
            folder.Delete();
        }
    }

    [Fact]
    public void Mismatches_of_a_large_read_set_come_in_read_set_order_and_stop_at_first_keeps_the_first()
    {
        var folder = Directory.CreateTempSubdirectory("layer-validate-many-");
        try
        {
            // 3000 absent names, checked in parallel chunks; every tenth now exists.
            var observations = Enumerable.Range(0, 3000).Select(i => new Observation(ObservationKind.Absent, $"f{i:0000}")).ToList();
            foreach (var i in Enumerable.Range(0, 300)) File.WriteAllText(Path.Combine(folder.FullName, $"f{i * 10:0000}"), "");
            var all = ReadSetValidator.Validate(folder.FullName, new ReadSet(observations));
            Assert.Equal(Enumerable.Range(0, 300).Select(i => $"f{i * 10:0000}"), all.Mismatches.Select(m => m.Observation.Path));
            var first = ReadSetValidator.Validate(folder.FullName, new ReadSet(observations), stopAtFirst: true);
            Assert.False(first.Holds);
            Assert.Single(first.Mismatches);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_listing_hash_depends_on_names_and_types_not_order()
    {
        static Layer.Fs.Host.HostDirEntry E(string name, byte type) => new(System.Text.Encoding.UTF8.GetBytes(name), 1, type);
        var a = ObservationHashing.ListingHash(new[] { E(".", 4), E("x", 8), E("y", 4) });
        var b = ObservationHashing.ListingHash(new[] { E("y", 4), E("x", 8), E("..", 4) });
        var renamed = ObservationHashing.ListingHash(new[] { E("x", 8), E("z", 4) });
        var retyped = ObservationHashing.ListingHash(new[] { E("x", 10), E("y", 4) });
        Assert.Equal(a, b);
        Assert.NotEqual(a, renamed);
        Assert.NotEqual(a, retyped);
        Assert.Equal(64, a.Length);

        // The definition stored read sets depend on: BLAKE3 of the tag, then per name in byte order its
        // type letter, the name and NUL ("B" before "a", a UTF-8 "é" after "z"; symlinks 'l', others 'o').
        var mixed = ObservationHashing.ListingHash(new[] { E("é", 8), E("a", 10), E("z", 1), E("B", 4) });
        using var hasher = Blake3.Hasher.New();
        hasher.Update("layer.listing.v1\0"u8);
        hasher.Update("dB\0"u8);
        hasher.Update("la\0"u8);
        hasher.Update("oz\0"u8);
        hasher.Update("f"u8);
        hasher.Update(System.Text.Encoding.UTF8.GetBytes("é"));
        hasher.Update("\0"u8);
        Assert.Equal(hasher.Finalize().ToString(), mixed);
        Assert.Equal(ObservationHashing.ListingHash([]), Blake3.Hasher.Hash("layer.listing.v1\0"u8).ToString());
    }

    [Fact]
    public void Metadata_keeps_no_directory_size_and_targets_only_for_links()
    {
        Assert.Equal(new FileMetadata(EntryType.Directory, 0x1ED, 0, null), ObservationHashing.Metadata(0x41ED, 4096, "ignored"));
        Assert.Equal(new FileMetadata(EntryType.File, 0x180, 12, null), ObservationHashing.Metadata(0x8180, 12, "ignored"));
        Assert.Equal(new FileMetadata(EntryType.Symlink, 0x1FF, 3, "a/b"), ObservationHashing.Metadata(0xA1FF, 3, "a/b"));
    }

    [Fact]
    public void The_tracker_merges_metadata_into_content_and_flags_disagreement()
    {
        var tracker = new ReadTracker();
        Assert.Throws<InvalidOperationException>(() => tracker.EndEpoch());
        var epoch = tracker.BeginEpoch();
        Assert.Throws<InvalidOperationException>(() => tracker.BeginEpoch());
        var meta = new FileMetadata(EntryType.File, 0x1A4, 3, null);
        tracker.Record(epoch, new Observation(ObservationKind.Metadata, "a") { Metadata = meta });
        tracker.Record(epoch, new Observation(ObservationKind.Content, "a") { Hash = "h", Metadata = meta });
        tracker.Record(epoch, new Observation(ObservationKind.Listing, "d") { Hash = "1" });
        tracker.Record(epoch, new Observation(ObservationKind.Listing, "d") { Hash = "2" });
        tracker.Record(epoch - 1, new Observation(ObservationKind.Absent, "old epoch"));
        var set = tracker.EndEpoch();
        Assert.Equal(new[] { (ObservationKind.Content, "a", false), (ObservationKind.Listing, "d", true) },
            set.Observations.Select(o => (o.Kind, o.Path, o.Unstable)));
        Assert.False(tracker.InEpoch);
    }
}
