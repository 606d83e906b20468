using System.Text;
using Layer.Engine.Planning;
using Layer.Fs.Host;
using Layer.Engine.Reporting;
using Layer.Vm.Agent;
using Layer.Vm.Machines;

namespace Layer.Engine.Artifacts;

/// <summary>
/// Copies a Layerfile's ARTIFACT paths out of a running guest: each path is packed by the guest's own
/// <c>tar</c> (so a folder is one request, links stay links) and streamed through the agent into a host
/// temp file, then unpacked by <see cref="ConfinedExtraction"/> at the same path under the Layerfile's
/// artifact folder: guest <c>/app/dist</c> lands in <c>FOLDER/app/dist</c>. The folder is made from the
/// artifacts base without following links (<see cref="ConfinedFolder.Open"/>): another Layerfile's artifacts
/// may hold its path (<c>web/sub</c> lies in <c>web</c>'s folder). A path missing in the guest is
/// reported <c>missing</c>, not an error: the build's result stays the steps' result.
/// </summary>
internal static class ArtifactCollector
{
    /// <summary>The guest script's exit code for "no such path".</summary>
    private const int Missing = 44;

    /// <summary>
    /// The Layerfile's folder under the artifacts folder: its folder in the repository (<c>web</c> for
    /// <c>web/Layerfile</c>), its path for a Layerfile named otherwise, the repository's name for the root one;
    /// a SPLIT copy keeps its <c>#split=i</c>.
    /// </summary>
    public static string FolderName(string layerfile, string repositoryRoot)
    {
        var split = layerfile.IndexOf('#');
        var (path, suffix) = split < 0 ? (layerfile, "") : (layerfile[..split], layerfile[split..]);
        var name = path == "Layerfile" ? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(repositoryRoot)))
            : path.EndsWith("/Layerfile", StringComparison.Ordinal) ? path[..^"/Layerfile".Length]
            : path;
        return name + suffix;
    }

    /// <param name="artifactsBase">The artifacts folder (<c>--artifacts</c>); taken as it is.</param>
    /// <param name="folderName">The Layerfile's folder in it (<see cref="FolderName"/>).</param>
    public static async Task<List<ArtifactReport>> CollectAsync(Machine machine, IReadOnlyList<PlannedArtifact> artifacts, string artifactsBase,
        string folderName, Action<string> info, CancellationToken cancellationToken)
    {
        var reports = new List<ArtifactReport>();
        var folder = Path.Combine(artifactsBase, folderName);
        ConfinedFolder? confined = null;
        try
        {
            foreach (var artifact in artifacts)
            {
                var slash = artifact.GuestPath.LastIndexOf('/');
                var parent = artifact.GuestPath[..Math.Max(slash, 1)];
                var name = artifact.GuestPath[(slash + 1)..];
                var into = parent.TrimStart('/');
                var report = new ArtifactReport
                {
                    Line = artifact.Line,
                    Guest = artifact.GuestPath,
                    Host = Path.GetFullPath(Path.Combine(folder, into, name)),
                    Public = artifact.Public,
                };
                reports.Add(report);
                var temporary = Path.Combine(Path.GetTempPath(), $"layer-artifact-{Guid.NewGuid():N}.tar");
                try
                {
                    var errors = new StringBuilder();
                    RunResult result;
                    await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
                    {
                        var quoted = Running.StepExecutor.ShellQuote(artifact.GuestPath);
                        var script = $"[ -e {quoted} ] || [ -L {quoted} ] || exit {Missing}\n" +
                                     $"cd {Running.StepExecutor.ShellQuote(parent)} && exec tar -cf - {Running.StepExecutor.ShellQuote("./" + name)}";
                        result = await machine.RunAsync(RunSpec.ShellCommand(script), bytes => file.Write(bytes.Span),
                            bytes => errors.Append(Encoding.UTF8.GetString(bytes.Span)), cancellationToken);
                    }

                    if (result.ExitCode == Missing)
                    {
                        report.Status = "missing";
                        info($"ARTIFACT {artifact.GuestPath} (line {artifact.Line}): not in the guest");
                        continue;
                    }

                    if (!result.Succeeded || result.OutputTruncated)
                    {
                        report.Notes.Add($"tar in the guest failed (exit code {result.ExitCode}): {errors.ToString().Trim()}");
                        info($"ARTIFACT {artifact.GuestPath} (line {artifact.Line}): could not be packed in the guest: {errors.ToString().Trim()}");
                        continue;
                    }

                    await using var archive = File.OpenRead(temporary);
                    confined ??= ConfinedFolder.Open(artifactsBase, folderName);
                    var (entries, notes) = ConfinedExtraction.Extract(archive, confined, into, name);
                    report.Entries = entries;
                    report.Notes.AddRange(notes);
                    report.Status = "copied";
                    info($"ARTIFACT {artifact.GuestPath} -> {report.Host} ({entries} entr{(entries == 1 ? "y" : "ies")})" +
                         (notes.Count > 0 ? "\n" + string.Join("\n", notes.Select(n => "  " + n)) : ""));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or FormatException)
                {
                    report.Status = "failed";
                    report.Notes.Add(e.Message);
                    info($"ARTIFACT {artifact.GuestPath} (line {artifact.Line}): could not be copied: {e.Message}");
                }
                finally
                {
                    File.Delete(temporary);
                }
            }
        }
        finally
        {
            confined?.Dispose();
        }

        return reports;
    }
}
