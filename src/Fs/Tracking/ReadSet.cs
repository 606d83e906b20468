using System.Text.Json;
using System.Text.Json.Serialization;

namespace Layer.Fs.Tracking;

/// <summary>
/// Everything one epoch (one step) observed, one entry per path and kind, sorted by path then kind.
/// A path read for content is not also listed as metadata: its content observation carries the metadata.
/// </summary>
public sealed record ReadSet(IReadOnlyList<Observation> Observations)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static ReadSet Empty { get; } = new(Array.Empty<Observation>());

    /// <summary>False when any observation is unstable: such a step must not be cached.</summary>
    [JsonIgnore]
    public bool IsStable => Observations.All(o => !o.Unstable);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ReadSet FromJson(string json) =>
        JsonSerializer.Deserialize<ReadSet>(json, Json) ?? throw new JsonException("a read set was expected, found null");

    public bool Equals(ReadSet? other) => other is not null && Observations.SequenceEqual(other.Observations);

    public override int GetHashCode() => Observations.Count;
}
