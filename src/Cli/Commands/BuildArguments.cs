using System.CommandLine;
using Layer.Engine.Running;

namespace Layer.Cli.Commands;

/// <summary>
/// What every command that builds a Layerfile takes (`layer run`, `layer shell`): the Layerfile or its
/// folder, BUILD ENV values and the libvirt URI, turned into <see cref="BuildOptions"/>.
/// </summary>
internal sealed class BuildArguments
{
    private readonly Argument<string> _path = new("path")
    {
        Description = "A Layerfile, or a folder holding one (default: the current folder)",
        Arity = ArgumentArity.ZeroOrOne,
        DefaultValueFactory = _ => ".",
    };

    private readonly Option<string[]> _env = new("--env", "-e")
    {
        Description = "KEY=VALUE for BUILD ENV (wins over the host environment); repeatable",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string?> _connect = new("--connect") { Description = "libvirt URI (default: LAYER_LIBVIRT_URI, else qemu:///system)" };

    public BuildArguments()
    {
        // A malformed --env is a usage error, reported with the usage, before anything runs.
        _env.Validators.Add(result =>
        {
            foreach (var token in result.Tokens.Where(t => t.Value.IndexOf('=') <= 0)) result.AddError($"--env {token.Value}: expected KEY=VALUE");
        });
    }

    /// <summary>Adds the path argument and the options, in the order --help lists them.</summary>
    public void AddTo(Command command)
    {
        command.Arguments.Add(_path);
        command.Options.Add(_env);
        command.Options.Add(_connect);
    }

    public BuildOptions Options(ParseResult result)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in result.GetValue(_env) ?? [])
        {
            var equals = pair.IndexOf('=');
            environment[pair[..equals]] = pair[(equals + 1)..]; // the last --env for a name wins
        }

        return new BuildOptions { Path = result.GetValue(_path) ?? ".", Environment = environment, LibvirtUri = result.GetValue(_connect) };
    }
}
