using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Layer.Fs.Tracking;
using Layer.Parser;

namespace Layer.Cli.Commands;

/// <summary>`layer parse [--json] FILE`: show the syntax tree of one Layerfile.</summary>
internal static class ParseCommand
{
    private static readonly JsonSerializerOptions Options = ParseJsonContext.Default.Options;

    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The Layerfile to parse" };
        var json = new Option<bool>("--json")
        {
            Description = "Print the tree as JSON: each instruction's kind, line, column, canonical text and typed arguments, then the diagnostics",
        };
        var command = new Command(
            "parse",
            "Show how Layer reads a Layerfile: one line per instruction with its position and canonical form\n" +
            "(the text the build cache is keyed on), or the whole tree as JSON with --json.\n" +
            "Exits 1 when the file has errors (they are printed, or included in the JSON).");
        command.Arguments.Add(file);
        command.Options.Add(json);
        command.SetAction(result => Run(result.GetRequiredValue(file), result.GetValue(json), result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(string file, bool json, TextWriter output, TextWriter error)
    {
        Layer.Parser.ParseResult result;
        try
        {
            result = LayerfileReader.Parse(file, file);
        }
        catch (LayerfileReadException e)
        {
            error.WriteLine($"layer parse: {TerminalText.Escape(e.Message)}");
            return 1;
        }

        if (json)
        {
            var tree = new JsonObject
            {
                ["path"] = file,
                ["instructions"] = new JsonArray([.. result.Layerfile.Instructions.Select(Instruction)]),
                ["diagnostics"] = Diagnostics(result.Diagnostics),
            };
            output.WriteLine(tree.ToJsonString(Options));
        }
        else
        {
            foreach (var instruction in result.Layerfile.Instructions)
            {
                output.WriteLine($"{instruction.Span.Line,5}:{instruction.Span.Column,-3} {TerminalText.Escape(instruction.Canonical)}");
            }

            foreach (var diagnostic in result.Diagnostics)
            {
                error.WriteLine(DiagnosticFormatter.Format(diagnostic, result.Source));
            }
        }

        return result.HasErrors ? 1 : 0;
    }

    /// <summary>An instruction as JSON: kind, position, canonical text, and its typed arguments (the record's own properties).</summary>
    private static JsonObject Instruction(Instruction instruction)
    {
        var arguments = JsonSerializer.SerializeToNode(instruction, ParseJsonContext.Default.GetTypeInfo(instruction.GetType())
            ?? throw new InvalidOperationException($"{instruction.GetType().Name} is missing from ParseJsonContext"))!.AsObject();
        foreach (var shared in new[] { "span", "kind", "canonical", "runKind", "listKind", "singleKind" })
        {
            arguments.Remove(shared);
        }

        var node = new JsonObject { ["kind"] = Keywords.Of(instruction.Kind) };
        AddSpan(node, instruction.Span);
        node["canonical"] = instruction.Canonical;
        node["arguments"] = arguments;
        return node;
    }

    /// <summary>Diagnostics as JSON (also used by `layer graph --format json`).</summary>
    internal static JsonArray Diagnostics(IEnumerable<Diagnostic> diagnostics) =>
        new([.. diagnostics.Select(d =>
        {
            var node = new JsonObject
            {
                ["severity"] = d.Severity == Severity.Error ? "error" : "warning",
                ["file"] = d.Span.File,
            };
            AddSpan(node, d.Span);
            node["message"] = d.Message;
            node["expected"] = new JsonArray([.. d.Expected.Select(e => (JsonNode)e)]);
            if (d.Suggestion is not null) node["suggestion"] = d.Suggestion;
            return (JsonNode)node;
        })]);

    internal static string ToJson(JsonNode node) => node.ToJsonString(Options);

    private static void AddSpan(JsonObject node, SourceSpan span)
    {
        node["line"] = span.Line;
        node["column"] = span.Column;
        node["endLine"] = span.EndLine;
        node["endColumn"] = span.EndColumn;
    }

    /// <summary>Spans inside arguments drop the file name, which the enclosing document already gives.</summary>
    internal sealed class SpanConverter : JsonConverter<SourceSpan>
    {
        public override SourceSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("spans are only written");

        public override void Write(Utf8JsonWriter writer, SourceSpan value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteNumber("line", value.Line);
            writer.WriteNumber("column", value.Column);
            writer.WriteNumber("endLine", value.EndLine);
            writer.WriteNumber("endColumn", value.EndColumn);
            writer.WriteEndObject();
        }
    }
}

/// <summary>
/// Source-generated JSON for every instruction record (the CLI is NativeAOT: no reflection). A new
/// instruction type must be listed here; <c>ParseCommandTests</c> parses one of each kind.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true,
    Converters = [typeof(ParseCommand.SpanConverter), typeof(CamelCaseEnumConverter<InstructionKind>), typeof(CamelCaseEnumConverter<FromTargetKind>),
        typeof(CamelCaseEnumConverter<SkipOperator>)])]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(ArtifactInstruction))]
[JsonSerializable(typeof(ButtonInstruction))]
[JsonSerializable(typeof(CheckpointInstruction))]
[JsonSerializable(typeof(CloneInstruction))]
[JsonSerializable(typeof(CopyInstruction))]
[JsonSerializable(typeof(EnvInstruction))]
[JsonSerializable(typeof(ExposeWebsiteInstruction))]
[JsonSerializable(typeof(FromInstruction))]
[JsonSerializable(typeof(LabelInstruction))]
[JsonSerializable(typeof(ListInstruction))]
[JsonSerializable(typeof(MemoryInstruction))]
[JsonSerializable(typeof(RunInstruction))]
[JsonSerializable(typeof(SingleArgumentInstruction))]
[JsonSerializable(typeof(SkipRemainingIfInstruction))]
[JsonSerializable(typeof(SplitInstruction))]
internal sealed partial class ParseJsonContext : JsonSerializerContext;
