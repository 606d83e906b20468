using Layer.Engine.Keys;
using Layer.Engine.Planning;
using Layer.Parser;

namespace Layer.Engine.Tests;

/// <summary>A temporary repository to plan Layerfiles in, and the keys a plan's units get: what planner tests share.</summary>
internal sealed class PlanningRepository(string prefix) : IDisposable
{
    public DirectoryInfo Root { get; } = Directory.CreateTempSubdirectory(prefix);

    public void Dispose() => Root.Delete(recursive: true);

    /// <summary>Writes <paramref name="text"/> as FOLDER/Layerfile, parses it (it must have no errors) and plans it.</summary>
    public Plan PlanOf(string text, string folder = "", Func<string, string?>? buildEnv = null)
    {
        var path = Path.Combine(Root.FullName, folder, "Layerfile");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        var parsed = LayerfileParser.Parse(text, path);
        Assert.False(parsed.HasErrors, string.Join("\n", parsed.Errors));
        return Planner.Make(parsed.Layerfile, Root.FullName, StepEnvironment.Initial, buildEnv ?? (_ => null));
    }

    /// <summary>Each unit's key, chained as the runner chains them (a made-up parent id per unit).</summary>
    public static IReadOnlyList<StepKey> Keys(Plan plan)
    {
        var parent = "image";
        var keys = new List<StepKey>();
        foreach (var unit in plan.Units)
        {
            keys.Add(StepKey.Of(parent, unit.Canonical, unit.Environment.KeyMaterial()));
            parent = keys[^1].Hex;
        }

        return keys;
    }
}
