using CriuImage.Diagnostics;

namespace CriuImage.Verification;

/// <summary>Whether a file could be analyzed, and what was found.</summary>
public enum FileStatus
{
    /// <summary>Read completely; nothing found.</summary>
    Ok,

    /// <summary>Read (perhaps partly); something found.</summary>
    Findings,

    /// <summary>Nothing could be analyzed: not an image, unsupported, or no readable header.</summary>
    Unreadable,
}

/// <summary>The outcome of verifying one file.</summary>
/// <param name="Path">The file as the user named it (or as found in a folder).</param>
/// <param name="Status">Whether it could be analyzed and whether anything was found.</param>
/// <param name="Diagnostics">The findings listed, in a stable order.</param>
/// <param name="Mappings">VM buckets analyzed.</param>
public sealed record FileReport(string Path, FileStatus Status, IReadOnlyList<Diagnostic> Diagnostics, ulong Mappings)
{
    /// <summary>For a CRIU amdgpu message file, the schema revisions its wire fits, as reports print them; null otherwise.</summary>
    public string? CriuRevision { get; init; }

    /// <summary>For a CRIU amdgpu file whose dump has fdinfo images: every task and descriptor holding it, the one that opens it first; null otherwise.</summary>
    internal IReadOnlyList<Criu.TaskFd>? Holders { get; init; }

    /// <summary>For a KFD image verified with <see cref="VerifyOptions.Host"/>: the host check's verdict and GPU map.</summary>
    public Topology.HostVerdict? Host { get; init; }

    /// <summary>True totals, listed or not (by default, those of <see cref="Diagnostics"/>, all listed).</summary>
    public FindingSummary Summary { get; init; } = FindingSummary.Of(Diagnostics);

    /// <summary>Per code, the findings counted in <see cref="Summary"/> but not listed in <see cref="Diagnostics"/>.</summary>
    public IReadOnlyList<UnlistedFindings> NotListed { get; init; } = [];

    /// <summary>The status as reports spell it: <c>ok</c>, <c>findings</c>, <c>unreadable</c>.</summary>
    public string StatusName => Status switch
    {
        FileStatus.Ok => "ok",
        FileStatus.Findings => "findings",
        _ => "unreadable",
    };
}
