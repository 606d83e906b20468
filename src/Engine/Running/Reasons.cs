using System.Text.Json;
using System.Text.Json.Serialization;
using Layer.Engine.Cache;
using Layer.Engine.Planning;
using Layer.Fs.Tracking;

namespace Layer.Engine.Running;

/// <summary>Why a step must run, in words a user can act on ("package.json changed", "BUILD ENV MODE changed").</summary>
internal static class Reasons
{
    public const string NoEntry = "no cache entry";
    public const string ParentRan = "parent step re-ran";
    public const string NoCache = "--no-cache";
    public const string BaseChanged = "the base changed (image rebuilt or parent Layerfile re-ran)";

    /// <summary>What went into a unit's key besides its parent, stored with the entry to explain later misses.</summary>
    public static string Inputs(PlannedUnit unit) => JsonSerializer.Serialize(new StoredInputs(
        unit.Canonical.ToList(),
        unit.Environment.KeyMaterial().ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal)), ReasonsJsonContext.Default.StoredInputs);

    /// <summary>
    /// Explains a miss with no candidate under the key, by comparing with the entry this Layerfile left on
    /// the same parent last time (if any): the instruction, or which variable, changed.
    /// </summary>
    public static string ForMissingKey(ICacheStore store, string parent, string layerfile, PlannedUnit unit)
    {
        var previous = store.WithParent(parent).FirstOrDefault(e => e.Layerfile == layerfile);
        if (previous is null)
        {
            // Ran before on another base: the image was rebuilt, or the parent Layerfile changed.
            var instruction = string.Join("\n", unit.Steps.Select(s => s.Instruction.Canonical));
            return store.All().Any(e => e.Layerfile == layerfile && e.Instruction == instruction) ? BaseChanged : NoEntry;
        }

        StoredInputs? then;
        try
        {
            then = JsonSerializer.Deserialize(previous.Inputs, ReasonsJsonContext.Default.StoredInputs);
        }
        catch (JsonException)
        {
            return NoEntry;
        }

        if (then?.Instructions is null || then.Environment is null) return NoEntry;
        if (!then.Instructions.SequenceEqual(unit.Canonical)) return "instruction changed";
        var now = unit.Environment.KeyMaterial().ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        foreach (var name in now.Keys.Union(then.Environment.Keys).Order(StringComparer.Ordinal))
        {
            if (now.TryGetValue(name, out var value) && then.Environment.TryGetValue(name, out var old) && value == old) continue;
            return Describe(name, unit.Environment);
        }

        return NoEntry;
    }

    private static string Describe(string keyName, StepEnvironment environment)
    {
        var colon = keyName.IndexOf(':');
        var (kind, name) = colon < 0 ? (keyName, "") : (keyName[..colon], keyName[(colon + 1)..]);
        return kind switch
        {
            "env" when environment.BuildEnvNames.Contains(name) => $"BUILD ENV {name} changed",
            "env" => $"ENV {name} changed",
            "workdir" => "WORKDIR changed",
            "user" => "USER changed",
            "setup" => "SETUP FILE changed",
            "secret" => "the SECRET ENV names changed",
            _ => "the environment changed",
        };
    }

    /// <summary>Explains why a stored read set no longer holds, from its first mismatch.</summary>
    public static string ForMismatch(Mismatch mismatch)
    {
        var o = mismatch.Observation;
        var path = o.Path == "." ? "the repository root" : o.Path;
        var detail = mismatch.Detail is null ? "" : $" ({mismatch.Detail})";
        return mismatch.Kind switch
        {
            MismatchKind.Unstable => $"{path} changed while the step read it last time",
            MismatchKind.Removed => $"{path} was removed",
            MismatchKind.Unreadable => $"{path} cannot be read now{detail}",
            MismatchKind.ContentChanged => $"{path} changed",
            MismatchKind.Appeared => $"{path} now exists",
            MismatchKind.ListingChanged => $"{(o.Path == "." ? "the repository root" : o.Path + "/")} listing changed{detail}",
            MismatchKind.TypeChanged => $"{path} changed type{detail}",
            MismatchKind.PermissionsChanged => $"{path}'s permissions changed{detail}",
            // A file whose bytes were read: a new size is simply a change (the size is checked before hashing).
            MismatchKind.SizeChanged when o.Kind == ObservationKind.Content => $"{path} changed",
            MismatchKind.SizeChanged => $"{path} changed size{(mismatch.Detail is null ? "" : $" ({mismatch.Detail} bytes)")}",
            MismatchKind.LinkTargetChanged => $"{path}'s link target changed{detail}",
            _ => $"{path} changed",
        };
    }

    internal sealed record StoredInputs(List<string>? Instructions, Dictionary<string, string>? Environment);
}

/// <summary>Source-generated (no reflection: the CLI is NativeAOT). Property names as stored in existing indexes.</summary>
[JsonSerializable(typeof(Reasons.StoredInputs))]
internal sealed partial class ReasonsJsonContext : JsonSerializerContext;
