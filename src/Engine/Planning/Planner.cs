using System.Text.RegularExpressions;
using Layer.Parser;

namespace Layer.Engine.Planning;

/// <summary>
/// Turns a parsed Layerfile into a <see cref="Plan"/>: folds ENV, WORKDIR, USER, BUILD ENV, SECRET ENV
/// and SETUP FILE into each step's environment, groups steps into cache units by CHECKPOINT, resolves
/// COPY paths inside the repository, and evaluates SKIP REMAINING IF (its variables are all known
/// before anything runs).
/// </summary>
public static class Planner
{
    /// <summary>Plans a Layerfile: its units, their environments and keys' material, what follows a SPLIT.</summary>
    /// <param name="layerfile">The parsed file (without errors).</param>
    /// <param name="repositoryRoot">The folder shared with the VM; COPY sources must stay inside it.</param>
    /// <param name="inherited">The final environment of the parent Layerfile, or <see cref="StepEnvironment.Initial"/>.</param>
    /// <param name="buildEnv">BUILD ENV values by name (from --env, else the host environment).</param>
    /// <exception cref="PlanException">An instruction cannot run as written.</exception>
    public static Plan Make(Layerfile layerfile, string repositoryRoot, StepEnvironment inherited, Func<string, string?> buildEnv)
    {
        var from = layerfile.From ?? throw PlanException.At(new SourceSpan(layerfile.Path, 1, 1, 1, 1), "the Layerfile has no FROM");
        return Fold(layerfile.Path, layerfile.Instructions, from.Target, null, repositoryRoot, inherited, buildEnv);
    }

    /// <summary>
    /// Copy <paramref name="index"/> of a plan that stopped at SPLIT: the instructions after the SPLIT, on
    /// the prefix's final environment plus <c>SPLIT_NUM</c> and (unless UNORDERED) <c>SPLIT</c>. Its
    /// report path is the Layerfile's with <c>#split=index</c>.
    /// </summary>
    public static Plan SplitCopy(Plan prefix, int index, string repositoryRoot, Func<string, string?> buildEnv)
    {
        var split = prefix.Split ?? throw new ArgumentException("the plan has no SPLIT", nameof(prefix));
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, split.Count);
        var environment = prefix.Final.WithVariable("SPLIT_NUM", split.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        environment = split.Unordered
            ? environment with { SplitCopy = index }
            : environment.WithVariable("SPLIT", index.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var copy = Fold(Path.Join(repositoryRoot, prefix.Layerfile), prefix.AfterSplit, prefix.From, prefix.MemoryMiB, repositoryRoot, environment, buildEnv);
        // An ARTIFACT before the SPLIT names what each copy leaves at its end (a shard's coverage, say):
        // every copy collects it, the prefix none.
        return copy with { Layerfile = $"{prefix.Layerfile}#split={index}", Artifacts = [.. prefix.Artifacts, .. copy.Artifacts] };
    }

    private static Plan Fold(string path, IEnumerable<Instruction> instructions, FromTarget from, int? memory, string repositoryRoot,
        StepEnvironment inherited, Func<string, string?> buildEnv)
    {
        var layerfileFolder = RepositoryPath(repositoryRoot, Path.GetDirectoryName(Path.GetFullPath(path))!);
        var environment = inherited;
        var remaining = instructions.ToList();
        var units = new List<PlannedUnit>();
        var pendingSteps = new List<PlannedStep>();
        var pendingInstructions = new List<Instruction>();
        StepEnvironment? unitStart = null;
        var autoCheckpoint = true;
        var notRun = new List<PlannedStep>();
        SkipRemainingIfInstruction? skippedAt = null;
        var artifacts = new List<PlannedArtifact>();
        var buttons = new List<PlannedButton>();
        var exposures = new List<PlannedExposure>();

        void Close()
        {
            if (pendingSteps.Count == 0) return;
            units.Add(new PlannedUnit(pendingSteps.ToList(), pendingInstructions.ToList(), unitStart!));
            pendingSteps.Clear();
            pendingInstructions.Clear();
            unitStart = null;
        }

        SplitInstruction? split = null;
        for (var index = 0; index < remaining.Count && split is null; index++)
        {
            var instruction = remaining[index];
            if (skippedAt is not null)
            {
                if (instruction.Kind is InstructionKind.Run or InstructionKind.Copy or InstructionKind.Clone) notRun.Add(new PlannedStep(instruction, environment));
                continue;
            }

            switch (instruction)
            {
                case FromInstruction:
                case LabelInstruction:
                    break;
                case MemoryInstruction m:
                    memory = (int)Math.Clamp(m.Bytes / (1024 * 1024), 64, 64 * 1024);
                    break;
                case EnvInstruction env:
                    foreach (var pair in env.Pairs) environment = environment.WithVariable(pair.Key, environment.Expand(pair.Value.Value));
                    pendingInstructions.Add(instruction);
                    break;
                case ListInstruction { Kind: InstructionKind.BuildEnv } list:
                    foreach (var item in list.Items)
                    {
                        environment = environment.WithVariable(item.Value, buildEnv(item.Value) ?? "") with
                        {
                            BuildEnvNames = environment.BuildEnvNames.Add(item.Value),
                        };
                    }

                    pendingInstructions.Add(instruction);
                    break;
                case ListInstruction { Kind: InstructionKind.SecretEnv } list:
                    environment = environment with { SecretNames = environment.SecretNames.Union(list.Items.Select(i => i.Value)) };
                    pendingInstructions.Add(instruction);
                    break;
                case SingleArgumentInstruction { Kind: InstructionKind.Workdir } workdir:
                    environment = environment with { WorkingDirectory = GuestPath(environment.WorkingDirectory, environment.Expand(workdir.Value.Value)) };
                    pendingInstructions.Add(instruction);
                    break;
                case SingleArgumentInstruction { Kind: InstructionKind.User } user:
                    environment = environment with { User = environment.Expand(user.Value.Value) };
                    pendingInstructions.Add(instruction);
                    break;
                case ListInstruction { Kind: InstructionKind.SetupFile } setup:
                    environment = environment with
                    {
                        SetupFiles = environment.SetupFiles.AddRange(setup.Items.Select(file => GuestPath(environment.WorkingDirectory, environment.Expand(file.Value)))),
                    };
                    pendingInstructions.Add(instruction);
                    break;
                case CheckpointInstruction checkpoint:
                    if (checkpoint.Disabled)
                    {
                        autoCheckpoint = false;
                    }
                    else
                    {
                        Close();
                    }

                    break;
                case ListInstruction { Kind: InstructionKind.Cache } cache:
                    // Not added to the unit's instructions: CACHE changes no key.
                    foreach (var item in cache.Items)
                    {
                        var folder = CacheFolder(environment, item.Value);
                        if (folder == "/" || new[] { "/proc", "/sys", "/dev", "/layer" }.Any(p => folder == p || folder.StartsWith(p + "/", StringComparison.Ordinal)))
                        {
                            throw PlanException.At(item.Span, $"CACHE {folder}: the guest's system folders (/, /proc, /sys, /dev, /layer) cannot be cached; name the folder a tool writes its cache to");
                        }

                        if (!environment.CacheFolders.Contains(folder)) environment = environment with { CacheFolders = environment.CacheFolders.Add(folder) };
                    }

                    break;
                case ArtifactInstruction artifact:
                    // Not a step and not keyed: the paths are copied out when the Layerfile ends.
                    foreach (var item in artifact.Paths)
                    {
                        var guest = GuestPath(environment.WorkingDirectory, environment.Expand(item.Value));
                        if (guest == "/") throw PlanException.At(item.Span, "ARTIFACT / would copy the whole guest disk; name the files or folders to bring out");
                        artifacts.Add(new PlannedArtifact(artifact.Span.Line, guest, artifact.Public));
                    }

                    break;
                case ButtonInstruction button:
                    Close();
                    buttons.Add(new PlannedButton(button.Span.Line, button.Message?.Value ?? "", units.Count));
                    break;
                case ExposeWebsiteInstruction website:
                    exposures.Add(Website(website, environment));
                    break;
                case ListInstruction { Kind: InstructionKind.ExposeTcp } tcp:
                    exposures.AddRange(tcp.Items.Select(item => new PlannedTcpExposure(tcp.Span.Line, Exposing.WebsiteTargets.TcpPort(item.Value))));
                    break;
                case ListInstruction { Kind: InstructionKind.Wait }:
                    // Ordering between Layerfiles: the graph scheduler honours it; nothing runs in the VM.
                    break;
                case SplitInstruction s:
                    Close();
                    split = s;
                    remaining = remaining[(index + 1)..];
                    break;
                case SkipRemainingIfInstruction skip:
                    if (Holds(skip, environment))
                    {
                        Close();
                        skippedAt = skip;
                    }

                    break;
                case RunInstruction:
                case CopyInstruction:
                case CloneInstruction:
                    unitStart ??= environment;
                    pendingInstructions.Add(instruction);
                    var copy = instruction switch
                    {
                        CopyInstruction c => ResolveCopy(c, repositoryRoot, layerfileFolder, environment),
                        CloneInstruction clone => ResolveClone(clone, environment),
                        _ => null,
                    };
                    pendingSteps.Add(new PlannedStep(instruction, environment, copy));
                    if (instruction is RunInstruction { Kind: InstructionKind.RunBackground } background)
                    {
                        environment = environment with
                        {
                            Background = environment.Background.Add(new BackgroundCommand(RepositoryPath(repositoryRoot, Path.GetFullPath(path)),
                                background.Span.Line, background.Canonical, background.Command.Value, environment)),
                        };
                    }

                    if (autoCheckpoint) Close();
                    break;
                default:
                    throw PlanException.At(instruction.Span, $"{Keywords.Of(instruction.Kind)} cannot be run here");
            }
        }

        Close();
        return new Plan(RepositoryPath(repositoryRoot, Path.GetFullPath(path)), from, memory, units, notRun, skippedAt, environment)
        {
            Split = split,
            AfterSplit = split is null ? [] : remaining,
            Artifacts = artifacts,
            Buttons = buttons,
            Exposures = exposures,
        };
    }

    /// <summary>Whether every condition of a SKIP REMAINING IF holds for these variables.</summary>
    internal static bool Holds(SkipRemainingIfInstruction skip, StepEnvironment environment) => skip.Conditions.All(condition =>
    {
        var actual = environment.ValueOf(condition.Variable) ?? "";
        var expected = condition.Value?.Value ?? "";
        return condition.Operator switch
        {
            SkipOperator.Equals => actual == expected,
            SkipOperator.NotEquals => actual != expected,
            SkipOperator.Matches => Regex.IsMatch(actual, expected, RegexOptions.None, TimeSpan.FromSeconds(1)),
            SkipOperator.NotMatches => !Regex.IsMatch(actual, expected, RegexOptions.None, TimeSpan.FromSeconds(1)),
            _ => false,
        };
    });

    private static CopyPaths ResolveCopy(CopyInstruction copy, string repositoryRoot, string layerfileFolder, StepEnvironment environment)
    {
        var sources = copy.Sources.Select(source =>
        {
            var text = source.Value;
            var joined = text.StartsWith('/') ? text.TrimStart('/') : Path.Join(layerfileFolder, text);
            var full = Path.GetFullPath(Path.Join(repositoryRoot, joined));
            var relative = Path.GetRelativePath(repositoryRoot, full);
            if (relative == ".." || relative.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(relative))
            {
                throw PlanException.At(source.Span, $"COPY source '{text}' is outside the repository ({repositoryRoot}); only files inside it reach the VM");
            }

            return relative == "." ? "" : relative.Replace('\\', '/');
        }).ToList();
        var destination = copy.Destination is null ? environment.WorkingDirectory : GuestPath(environment.WorkingDirectory, environment.Expand(copy.Destination.Value));
        return new CopyPaths(sources, destination);
    }

    /// <summary>A CACHE folder as a guest path: <c>~</c> is the HOME variable, a relative path is under WORKDIR.</summary>
    internal static string CacheFolder(StepEnvironment environment, string written)
    {
        var text = environment.Expand(written);
        if (text == "~" || text.StartsWith("~/", StringComparison.Ordinal)) text = (environment.ValueOf("HOME") ?? "/root") + text[1..];
        return GuestPath(environment.WorkingDirectory, text);
    }

    /// <summary>A CLONE's sources as paths inside the cloned repository ("" for all of it), and its guest target.</summary>
    private static CopyPaths ResolveClone(CloneInstruction clone, StepEnvironment environment)
    {
        var sources = clone.Sources.Select(source =>
        {
            var parts = source.Value.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToList();
            if (parts.Contains(".."))
            {
                throw PlanException.At(source.Span, $"CLONE source '{source.Value}' leaves the cloned repository; name files and folders inside it");
            }

            return string.Join('/', parts);
        }).Distinct().ToList();
        if (sources.Contains("")) sources = [""];
        return new CopyPaths(sources, GuestPath(environment.WorkingDirectory, environment.Expand(clone.Destination.Value)));
    }

    private static PlannedWebsite Website(ExposeWebsiteInstruction website, StepEnvironment environment)
    {
        var target = environment.Expand(website.Target.Value);
        var (port, tls, error) = Exposing.WebsiteTargets.Parse(target);
        if (error is not null) throw PlanException.At(website.Target.Span, error);
        var prefix = website.Path?.Value ?? "/";
        if (tls && prefix != "/")
        {
            throw PlanException.At(website.Path!.Span, $"{target} speaks https, which the host cannot route by path (it is forwarded as is); serve it at / or expose its plain http port");
        }

        return new PlannedWebsite(website.Span.Line, port, target, tls, prefix, website.RewritePath?.Value);
    }

    /// <summary>A guest path: absolute as written, or relative to the working directory; normalised.</summary>
    internal static string GuestPath(string workingDirectory, string path)
    {
        var combined = path.StartsWith('/') ? path : workingDirectory.TrimEnd('/') + "/" + path;
        var parts = new List<string>();
        foreach (var part in combined.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return "/" + string.Join('/', parts);
    }

    private static string RepositoryPath(string repositoryRoot, string path)
    {
        var relative = Path.GetRelativePath(Path.GetFullPath(repositoryRoot), path).Replace('\\', '/');
        return relative == "." ? "" : relative;
    }
}
