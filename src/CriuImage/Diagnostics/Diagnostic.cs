using CriuImage.Kernel;

namespace CriuImage.Diagnostics;

/// <summary>A mapping named as the other party of a finding.</summary>
/// <param name="GemHandle">GEM handle of the mapping's BO.</param>
/// <param name="Mapping">0-based index of the VM bucket within its BO; null when the BO itself is meant.</param>
public readonly record struct RelatedLocation(uint GemHandle, uint? Mapping);

/// <summary>One finding: a code, a message, and where (the fields that apply).</summary>
public sealed record Diagnostic(DiagnosticDescriptor Descriptor, string Message)
{
    /// <summary>GEM handle of the BO concerned.</summary>
    public uint? GemHandle { get; init; }

    /// <summary>0-based index of the VM bucket within its BO.</summary>
    public uint? Mapping { get; init; }

    /// <summary>Offset in the file of the record or damage concerned.</summary>
    public long? ByteOffset { get; init; }

    /// <summary>Other mappings involved (an overlap names the other mapping here).</summary>
    public IReadOnlyList<RelatedLocation> Related { get; init; } = [];

    /// <summary>
    /// For an error of the restore family: the call of CRIU's restore path (<see cref="Restore.RestorePlan"/>)
    /// the target kernel would refuse, or that would bring back something other than what was saved. Null for
    /// findings about provenance or the file.
    /// </summary>
    public RestoreCall? Call { get; init; }

    /// <summary>The severity of the code.</summary>
    public Severity Severity => Descriptor.Severity;
}
