using CriuImage.Diagnostics;
using CriuImage.Kernel;

namespace CriuImage.Verification;

/// <summary>How <see cref="ImageVerifier"/> and <see cref="Verifier"/> check and report an image.</summary>
public sealed record VerifyOptions
{
    /// <summary>The defaults: each image's own target generation, <see cref="ImageVerifier.CapPerCode"/> findings listed per code.</summary>
    public static VerifyOptions Default { get; } = new();

    /// <summary>The kernel the image is to be restored on; null: the generation that produced the image's revision.</summary>
    public KernelProfile? Target { get; init; }

    /// <summary>
    /// The host to restore on (<c>verify --host</c>): each KFD image of a dump is checked against it
    /// (<see cref="Topology.HostCheck"/>, CRI401-CRI415) and carries the verdict in
    /// <see cref="FileReport.Host"/>; render nodes are checked against its kernel (CRI416-CRI418). When
    /// <see cref="Target"/> is null, the profile of the host's kernel release is the target.
    /// </summary>
    public Topology.HostTarget? Host { get; init; }

    /// <summary>
    /// Rules run on a dump after the cross rules, each finding with the file it belongs to: verify's replay of
    /// CRIU's restore when <c>--criu</c> or <c>--contents</c> names it (CRI325-CRI330, CriuImage.Restore.ReplayRules);
    /// null: none. The second argument says whether the dump's whole folder was read.
    /// </summary>
    public Func<Criu.CriuDump, bool, IReadOnlyList<(Criu.CriuDumpFile File, Diagnostics.Diagnostic Finding)>>? DumpReplay { get; init; }

    /// <summary>As <see cref="DumpReplay"/>, with where the replayed restore stops (verify then says a finding after it as what follows); taken before it.</summary>
    internal Func<Criu.CriuDump, bool, (IReadOnlyList<(Criu.CriuDumpFile File, Diagnostics.Diagnostic Finding)> Findings, ReplayStop? Stop)>? DumpVerdict { get; init; }

    /// <summary>
    /// Which KFD BO of an image the restore maps into which GPU's VM (BO index, GPU), for CRI314: the private data's
    /// mapped GPUs (CriuImage.Restore.KfdMappedGpus); null, or null for an image: each BO on its own GPU.
    /// </summary>
    internal Func<Criu.CriuKfd, Func<int, uint, bool>?>? KfdVm { get; init; }

    /// <summary>Findings listed per code and file (0: all); the rest are counted in <see cref="FileReport.Summary"/>.</summary>
    public int MaxFindingsPerCode { get; init; } = ImageVerifier.CapPerCode;

    /// <summary>
    /// When given, each finding the check of a criu-image lists is handed to it as it is found, instead of being
    /// held in <see cref="FileReport.Diagnostics"/> (which then stays empty): with every finding listed
    /// (<see cref="MaxFindingsPerCode"/> 0), memory no longer grows with them. CRIU dumps hold theirs.
    /// </summary>
    public Action<Diagnostic>? Listed { get; init; }

    /// <summary>
    /// When given, told the offset reached in an image file as it is read (for a progress display of one
    /// large image); reported on the verifying thread. Images held in memory report nothing.
    /// </summary>
    public IProgress<long>? BytesRead { get; init; }

    /// <summary>The words of what settles a finding (CRI418's target kernel, CRI420's kernel capability, what reads a file of another kind); the command line passes its own.</summary>
    internal RemedyWords Words { get; init; } = RemedyWords.Library;
}
