using System.Text;

namespace Layer.Engine.Keys;

/// <summary>
/// The weak fingerprint of a step (BuildXL's word): what is known before running it. Candidates with
/// their read sets are stored under it; the read set that still holds picks the entry. It must hold
/// enough (parent, instructions, environment) that candidates do not pile up under one key.
/// </summary>
public readonly record struct StepKey(string Hex)
{
    /// <summary>Bumped whenever what goes into a key changes, so old entries simply stop matching.</summary>
    public const string Schema = "layer.step.v1";

    public override string ToString() => Hex;

    /// <summary>
    /// Hashes the parent (a layer id, or an image id for the first step), the canonical text of each
    /// instruction of the step, and the environment that can change their meaning. Secret values never
    /// reach this method: the caller passes secret names only.
    /// </summary>
    public static StepKey Of(string parentId, IEnumerable<string> canonicalInstructions, IEnumerable<KeyValuePair<string, string>> environment)
    {
        using var hasher = Blake3.Hasher.New();
        var writer = new FieldWriter(hasher);
        writer.Field(Schema);
        writer.Field(parentId);
        foreach (var instruction in canonicalInstructions)
        {
            writer.Field("i");
            writer.Field(instruction);
        }

        foreach (var (name, value) in environment.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.Field("e");
            writer.Field(name);
            writer.Field(value);
        }

        Span<byte> hash = stackalloc byte[32];
        hasher.Finalize(hash);
        return new StepKey(Convert.ToHexStringLower(hash));
    }

    /// <summary>Length-prefixed fields, so that no two different inputs hash the same bytes.</summary>
    private readonly ref struct FieldWriter(Blake3.Hasher hasher)
    {
        private readonly Blake3.Hasher _hasher = hasher;

        public void Field(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            Span<byte> length = stackalloc byte[8];
            BitConverter.TryWriteBytes(length, (long)bytes.Length);
            _hasher.Update(length);
            _hasher.Update(bytes);
        }
    }
}
