namespace Layer.Vm.Images;

/// <summary>What <c>images/ID/image.json</c> records.</summary>
internal sealed record ImageMetadata(string Name, string Id, string KernelRelease, bool HasAgent, string Recipe);

[System.Text.Json.Serialization.JsonSerializable(typeof(ImageMetadata))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class ImageMetadataContext : System.Text.Json.Serialization.JsonSerializerContext;
