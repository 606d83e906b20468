using System.Text.Json;
using System.Text.Json.Serialization;

namespace Layer.Fs.Tracking;

/// <summary>
/// Everything one epoch (one step) observed, one entry per path and kind, sorted by path then kind.
/// A path read for content is not also listed as metadata: its content observation carries the metadata.
/// </summary>
public sealed record ReadSet(IReadOnlyList<Observation> Observations)
{
    public static ReadSet Empty { get; } = new(Array.Empty<Observation>());

    /// <summary>False when any observation is unstable: such a step must not be cached.</summary>
    [JsonIgnore]
    public bool IsStable => Observations.All(o => !o.Unstable);

    public string ToJson() => JsonSerializer.Serialize(this, ReadSetJsonContext.Default.ReadSet);

    public static ReadSet FromJson(string json) =>
        JsonSerializer.Deserialize(json, ReadSetJsonContext.Default.ReadSet) ?? throw new JsonException("a read set was expected, found null");

    public bool Equals(ReadSet? other) => other is not null && Observations.SequenceEqual(other.Observations);

    public override int GetHashCode() => Observations.Count;
}

/// <summary>Source-generated JSON for read sets (`layer trace --json`): no reflection, so it works in the NativeAOT CLI.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(CamelCaseEnumConverter<ObservationKind>), typeof(CamelCaseEnumConverter<EntryType>)])]
[JsonSerializable(typeof(ReadSet))]
internal sealed partial class ReadSetJsonContext : JsonSerializerContext;

/// <summary>Enum values as camelCase strings ("content", "symlink"), as every JSON output of Layer writes them.</summary>
public sealed class CamelCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.CamelCase) where TEnum : struct, Enum;
