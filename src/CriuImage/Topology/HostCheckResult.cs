using CriuImage.Diagnostics;

namespace CriuImage.Topology;

/// <summary>One pair of CRIU's GPU map: a checkpointed GPU and the target GPU it is restored onto.</summary>
/// <param name="SrcGpuId">The checkpointed (user) gpu_id.</param>
/// <param name="DestGpuId">The target host's gpu_id.</param>
/// <param name="SrcRenderMinor">The checkpointed GPU's drm_render_minor.</param>
/// <param name="DestRenderMinor">The target GPU's drm_render_minor: CRIU opens <c>/dev/dri/renderD&lt;this&gt;</c>.</param>
public sealed record GpuMapEntry(uint SrcGpuId, uint DestGpuId, uint SrcRenderMinor, uint DestRenderMinor);

/// <summary>A GPU named in a finding, with the value of the finding's property on it.</summary>
/// <param name="GpuId">The gpu_id.</param>
/// <param name="Value">The property's value on that GPU, when the finding is about a property.</param>
public sealed record FindingGpu(uint GpuId, ulong? Value);

/// <summary>One reason of the verdict.</summary>
/// <param name="Descriptor">Its code (CRI4xx).</param>
/// <param name="Message">One line saying what and why, with CRIU's own message or line where it has one.</param>
public sealed record HostFinding(DiagnosticDescriptor Descriptor, string Message)
{
    /// <summary>The property compared, when the finding is about one (<c>fw_version</c>).</summary>
    public string? Property { get; init; }

    /// <summary>The checkpointed GPU the finding is about, if it is about one.</summary>
    public uint? SrcGpuId { get; init; }

    /// <summary>The property's value on <see cref="SrcGpuId"/>.</summary>
    public ulong? SrcValue { get; init; }

    /// <summary>The target GPU the finding is about, if it is about one.</summary>
    public uint? DestGpuId { get; init; }

    /// <summary>The property's value on <see cref="DestGpuId"/>.</summary>
    public ulong? DestValue { get; init; }

    /// <summary>
    /// The GPUs on the other side with their values: for a finding about a checkpointed GPU, the target
    /// GPUs it was compared with (the candidates); for one about a target GPU, the checkpointed GPUs.
    /// </summary>
    public IReadOnlyList<FindingGpu> Candidates { get; init; } = [];
}

/// <summary>Will the checkpoint's GPUs restore on the target host, and onto which GPUs.</summary>
/// <param name="Restores">True when CRIU's matching maps every checkpointed GPU and nothing else about the target fails the restore (a render minor CRIU cannot open, CRI409).</param>
/// <param name="Outcome">How CRIU's matching ends.</param>
/// <param name="GpuMap">When it restores: the map CRIU chooses for the target's order, in checkpoint order.</param>
/// <param name="Findings">The reasons, errors first.</param>
public sealed record HostCheckResult(bool Restores, CriuOutcome Outcome, IReadOnlyList<GpuMapEntry> GpuMap, IReadOnlyList<HostFinding> Findings)
{
    /// <summary>Whether any one-to-one assignment satisfies CRIU's rules (null: not searched or too large to search).</summary>
    public bool? ValidMappingExists { get; init; }

    /// <summary>What CRIU prints at its default log level on the way.</summary>
    public IReadOnlyList<string> CriuMessages { get; init; } = [];

    /// <summary>The target's node order the verdict was computed for.</summary>
    public string TargetOrder { get; init; } = "";

    /// <summary>The environment switches that were off.</summary>
    public IReadOnlyList<string> SwitchesOff { get; init; } = [];
}
