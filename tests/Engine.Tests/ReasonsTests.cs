using Layer.Engine.Cache;
using Layer.Engine.Planning;
using Layer.Engine.Running;
using Layer.Fs.Tracking;
using Layer.Parser;

namespace Layer.Engine.Tests;

public sealed class ReasonsTests : IDisposable
{
    private readonly DirectoryInfo _repo = Directory.CreateTempSubdirectory("layer-reasons-");
    private readonly MemoryCacheStore _store = new();

    public void Dispose()
    {
        _repo.Delete(recursive: true);
        _store.Dispose();
    }

    private PlannedUnit FirstUnit(string text, Func<string, string?>? buildEnv = null)
    {
        var path = Path.Combine(_repo.FullName, "Layerfile");
        var parsed = LayerfileParser.Parse(text, path);
        return Planner.Make(parsed.Layerfile, _repo.FullName, StepEnvironment.Initial, buildEnv ?? (_ => null)).Units[0];
    }

    private void Record(string parent, PlannedUnit unit) => _store.Add(new CacheEntry
    {
        Id = Guid.NewGuid().ToString("N"),
        Key = "k-" + Guid.NewGuid(),
        Parent = parent,
        Inputs = Reasons.Inputs(unit),
        LayerId = "L",
        ReadSet = ReadSetCodec.Encode(ReadSet.Empty),
        Instruction = string.Join("\n", unit.Steps.Select(s => s.Instruction.Canonical)),
        Layerfile = "Layerfile",
        Created = DateTime.UtcNow,
        LastUsed = DateTime.UtcNow,
    });

    [Fact]
    public void Nothing_recorded_on_this_parent_is_no_cache_entry()
    {
        Assert.Equal(Reasons.NoEntry, Reasons.ForMissingKey(_store, "image", "Layerfile", FirstUnit("FROM vm/busybox\nRUN make\n")));
    }

    [Fact]
    public void The_same_instruction_on_another_base_says_the_base_changed()
    {
        Record("old-image", FirstUnit("FROM vm/busybox\nRUN make\n"));
        Assert.Equal(Reasons.BaseChanged, Reasons.ForMissingKey(_store, "new-image", "Layerfile", FirstUnit("FROM vm/busybox\nRUN make\n")));
    }

    [Fact]
    public void An_edited_instruction_on_the_same_parent_says_instruction_changed()
    {
        Record("image", FirstUnit("FROM vm/busybox\nRUN make\n"));
        Assert.Equal("instruction changed", Reasons.ForMissingKey(_store, "image", "Layerfile", FirstUnit("FROM vm/busybox\nRUN make all\n")));
    }

    [Fact]
    public void A_changed_build_env_value_is_named()
    {
        Record("image", FirstUnit("FROM vm/busybox\nBUILD ENV MODE\nRUN make\n", _ => "debug"));
        Assert.Equal("BUILD ENV MODE changed", Reasons.ForMissingKey(_store, "image", "Layerfile", FirstUnit("FROM vm/busybox\nBUILD ENV MODE\nRUN make\n", _ => "release")));
    }

    [Fact]
    public void A_listing_change_names_what_was_added_and_removed_when_known()
    {
        var listing = new Observation(ObservationKind.Listing, "src");
        Assert.Equal("src/ listing changed (added: new.js)", Reasons.ForMismatch(new Mismatch(listing, MismatchKind.ListingChanged) { Detail = "added: new.js" }));
        Assert.Equal("the repository root listing changed", Reasons.ForMismatch(new Mismatch(new Observation(ObservationKind.Listing, "."), MismatchKind.ListingChanged)));
    }

    [Theory]
    [InlineData(MismatchKind.ContentChanged, null, "package.json changed")]
    [InlineData(MismatchKind.Removed, null, "package.json was removed")]
    [InlineData(MismatchKind.Appeared, null, "package.json now exists")]
    [InlineData(MismatchKind.Unstable, null, "package.json changed while the step read it last time")]
    [InlineData(MismatchKind.Unreadable, "permission denied", "package.json cannot be read now (permission denied)")]
    [InlineData(MismatchKind.PermissionsChanged, "644 -> 755", "package.json's permissions changed (644 -> 755)")]
    [InlineData(MismatchKind.TypeChanged, "file -> directory", "package.json changed type (file -> directory)")]
    [InlineData(MismatchKind.SizeChanged, "10 -> 12", "package.json changed")]
    public void A_mismatch_is_said_in_the_users_words(MismatchKind kind, string? detail, string expected)
    {
        Assert.Equal(expected, Reasons.ForMismatch(new Mismatch(new Observation(ObservationKind.Content, "package.json"), kind) { Detail = detail }));
    }

    [Fact]
    public void A_size_seen_without_reading_says_how_it_changed()
    {
        var metadata = new Observation(ObservationKind.Metadata, "big.bin");
        Assert.Equal("big.bin changed size (10 -> 12 bytes)", Reasons.ForMismatch(new Mismatch(metadata, MismatchKind.SizeChanged) { Detail = "10 -> 12" }));
    }

    [Fact]
    public void Every_mismatch_kind_has_its_own_words()
    {
        var said = Enum.GetValues<MismatchKind>()
            .Select(kind => Reasons.ForMismatch(new Mismatch(new Observation(ObservationKind.Metadata, "a"), kind)))
            .ToList();
        Assert.Equal(said.Count, said.Distinct().Count());
    }
}
