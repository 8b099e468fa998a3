using CriuImage.Diagnostics;
using CriuImage.Input;

namespace CriuImage.Verification;

/// <summary>
/// The findings about the container checkpoint artifacts the files came from (OCI images, pod checkpoint
/// containers), one report per artifact that has any: CRI331 when an image lacks the annotation the
/// runtime that would restore it looks for (<see cref="CheckpointAnnotations"/> says which). Damage to an
/// artifact (a digest, size or missing blob) is an unreadable input, reported by the input layer.
/// </summary>
internal static class ArtifactRules
{
    /// <summary>A report for each artifact of <paramref name="inputs"/> with findings, in the order its first file was found.</summary>
    public static IEnumerable<FileReport> Check(InputSet inputs) =>
        inputs.Files.Select(f => f.Artifact).OfType<Artifact>().Distinct()
            .Where(a => a.Warnings.Count > 0)
            .Select(a => new FileReport(a.Path, FileStatus.Findings, [.. a.Warnings.Select(w => new Diagnostic(Descriptors.CheckpointAnnotationMissing, w))], 0));
}
