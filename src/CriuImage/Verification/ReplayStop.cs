using CriuImage.Diagnostics;

namespace CriuImage.Verification;

/// <summary>
/// Where the replay of CRIU's restore stops with an error (fails, crashes, never ends), and the endings it met before
/// that: a finding of the restore's path the replay did not meet lies after the stop, where CRIU does not get. verify
/// still says it, as what follows once the stop is fixed (docs/diagnostics.md, "Findings after the stop").
/// </summary>
/// <param name="Code">The code of the ending that stops the restore.</param>
/// <param name="File">The file being restored when it stops (a file name, or <c>resume</c>).</param>
/// <param name="Met">Each ending the replay met, as (code, file name), the stop included.</param>
/// <param name="OnPath">The codes of the restore's path: those the replay meets, and the kernel's refusals of its calls.</param>
/// <param name="Done">The files whose restore ended without an error before the stop.</param>
internal sealed record ReplayStop(DiagnosticDescriptor Code, string File, IReadOnlySet<(DiagnosticDescriptor Code, string File)> Met, IReadOnlySet<DiagnosticDescriptor> OnPath, IReadOnlySet<string> Done)
{
    /// <summary>
    /// <paramref name="finding"/> of the file <paramref name="file"/> as verify says it: as found, or after the stop.
    /// A finding of the stop's code on a file restored before it is the stop said of another file (CRI314 is said of
    /// the KFD image, its GEM_VA fails in the render node).
    /// </summary>
    public Diagnostic Said(Diagnostic finding, string file) =>
        !OnPath.Contains(finding.Descriptor) || Met.Contains((finding.Descriptor, file)) || (finding.Descriptor == Code && Done.Contains(file)) ? finding
        : finding with { Message = $"not reached: the restore stops first ({Code.Id} in {File}); once that is fixed: {finding.Message}" };
}
