using Layer.Engine.Cache;
using Layer.Engine.Keys;
using Layer.Engine.Planning;
using Layer.Engine.Running;
using Layer.Parser;

namespace Layer.Engine.Tests;

/// <summary>RUN REPEATABLE and CACHE before anything boots: plans, keys, which earlier run a repeat starts from, cache disk names.</summary>
public sealed class RepeatableAndCachePlanningTests : IDisposable
{
    private readonly PlanningRepository _planning = new("layer-plan-rc-");

    public void Dispose() => _planning.Dispose();

    private Plan PlanOf(string text, string folder = "", Func<string, string?>? buildEnv = null) => _planning.PlanOf(text, folder, buildEnv);

    private static IReadOnlyList<StepKey> Keys(Plan plan) => PlanningRepository.Keys(plan);

    [Fact]
    public void Cache_folders_reach_the_steps_after_them_resolved_against_home_and_workdir()
    {
        var plan = PlanOf("FROM vm/busybox\nRUN a\nENV HOME=/home/me\nWORKDIR /app\nCACHE ~/.npm node_modules /var/cache/apt/\nRUN b\nCACHE /var/cache/apt $HOME/.cargo\nRUN c\n");
        Assert.Empty(plan.Units[0].Environment.CacheFolders);
        Assert.Equal(["/home/me/.npm", "/app/node_modules", "/var/cache/apt"], plan.Units[1].Environment.CacheFolders.ToArray());
        Assert.Equal(["/home/me/.npm", "/app/node_modules", "/var/cache/apt", "/home/me/.cargo"], plan.Units[2].Environment.CacheFolders.ToArray());
        Assert.Equal(plan.Units[2].Environment.CacheFolders.ToArray(), plan.Final.CacheFolders.ToArray());
    }

    [Fact]
    public void Cache_changes_no_key()
    {
        var without = PlanOf("FROM vm/busybox\nRUN a\nRUN b\n");
        var with = PlanOf("FROM vm/busybox\nCACHE /c\nRUN a\nCACHE /d\nRUN b\n");
        Assert.Equal(Keys(without), Keys(with));
        Assert.NotEmpty(with.Units[1].Environment.CacheFolders);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/proc/x")]
    [InlineData("/layer")]
    [InlineData("/dev")]
    public void Caching_a_system_folder_is_refused_at_its_line(string folder)
    {
        var error = Assert.Throws<PlanException>(() => PlanOf($"FROM vm/busybox\nRUN a\nCACHE /ok {folder}\n"));
        Assert.Equal(3, error.Diagnostic.Span.Line);
    }

    [Fact]
    public void Run_repeatable_is_a_step_of_its_own_keyed_like_a_run_of_other_text()
    {
        var plan = PlanOf("FROM vm/busybox\nRUN a\nRUN REPEATABLE make\nRUN b\n");
        Assert.Equal([false, true, false], plan.Units.Select(RepeatableRuns.IsRepeatable));
        var plain = PlanOf("FROM vm/busybox\nRUN a\nRUN make\nRUN b\n");
        Assert.Equal(Keys(plain)[0], Keys(plan)[0]);
        Assert.NotEqual(Keys(plain)[1], Keys(plan)[1]);
    }

    [Fact]
    public void A_checkpoint_group_holding_a_repeatable_run_is_repeated_as_a_whole()
    {
        var plan = PlanOf("FROM vm/busybox\nCHECKPOINT disabled\nRUN a\nRUN REPEATABLE make\nCHECKPOINT\nRUN b\n");
        Assert.Equal([true, false], plan.Units.Select(RepeatableRuns.IsRepeatable));
    }

    private static CacheEntry Entry(string id, string key, string layer, int created) =>
        CacheStoreContract.Entry(id, key, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(created), layer) with
        {
            Created = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(created),
            LastUsed = new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(-created),
        };

    [Fact]
    public void A_repeat_starts_from_the_newest_run_under_the_key_whatever_was_used_last_and_skips_pruned_layers()
    {
        using var store = new MemoryCacheStore();
        store.Add(Entry("old", "k", "L1", created: 1));
        store.Add(Entry("newest", "k", "L3", created: 3));
        store.Add(Entry("middle", "k", "L2", created: 2));
        store.Add(Entry("other", "other-key", "L9", created: 9));

        Assert.Equal("L3", RepeatableRuns.Previous(store, "k", _ => true)?.LayerId);
        Assert.Equal("L2", RepeatableRuns.Previous(store, "k", layer => layer != "L3")?.LayerId);
        Assert.Null(RepeatableRuns.Previous(store, "k", _ => false));
        Assert.Null(RepeatableRuns.Previous(store, "never-ran", _ => true));
    }

    [Fact]
    public void Cache_disks_are_one_per_layerfile_split_copy_and_repository()
    {
        var a = CacheDiskNames.Of("/src/one", "Layerfile");
        Assert.Equal(a, CacheDiskNames.Of("/src/one/", "Layerfile"));
        Assert.NotEqual(a, CacheDiskNames.Of("/src/two", "Layerfile"));
        Assert.NotEqual(a, CacheDiskNames.Of("/src/one", "web/Layerfile"));
        Assert.NotEqual(a, CacheDiskNames.Of("/src/one", "Layerfile#split=1"));
        Assert.Matches("^[0-9a-f]{32}$", a);
    }

    [Fact]
    public void A_disk_whose_layerfile_is_gone_is_known_as_such()
    {
        var layerfile = Path.Combine(_planning.Root.FullName, "Layerfile");
        File.WriteAllText(layerfile, "FROM vm/busybox\n");
        Assert.False(CacheDiskNames.OwnerIsGone(CacheDiskNames.Owner(_planning.Root.FullName, "Layerfile")));
        Assert.False(CacheDiskNames.OwnerIsGone(CacheDiskNames.Owner(_planning.Root.FullName, "Layerfile#split=2")));
        Assert.True(CacheDiskNames.OwnerIsGone(CacheDiskNames.Owner(_planning.Root.FullName, "gone/Layerfile")));
        Assert.False(CacheDiskNames.OwnerIsGone("?"));
    }
}
