namespace Layer.Vm.Disks;

/// <summary>What <c>layers/ID.json</c> records.</summary>
/// <param name="Depth">Number of overlays from the base image's root disk up to and including this one.</param>
internal sealed record LayerInfo(string Id, string? ParentId, string ImageId, int Depth, DateTime CreatedUtc)
{
    public string? FlattenedFrom { get; init; }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(LayerInfo))]
internal sealed partial class LayerInfoContext : System.Text.Json.Serialization.JsonSerializerContext;
