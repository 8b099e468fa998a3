using CriuImage.Abi;
using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Kernel;
using CriuImage.Topology;
using CriuImage.Verification;

namespace CriuImage.Restore;

/// <summary>
/// The restore of one CRIU dump along the amdgpu plugin's path (<c>amdgpu_plugin_restore_file</c>): per KFD
/// image the version check, the GPU map CRIU builds for the target host and the <c>AMDKFD_IOC_CRIU_OP</c>
/// RESTORE call; per render-node file the target GPU whose render node CRIU opens and, for criu-dev render
/// nodes, every GEM call of <see cref="RestorePlan"/> on the target kernel.
/// </summary>
public sealed record DumpRestorePlan
{
    /// <summary>The dump's folder as the caller named it (inside archives <c>ARCHIVE:FOLDER</c>).</summary>
    public required string Folder { get; init; }

    /// <summary>The host the plan restores on, or null when none was given (no GPU map, no target devices).</summary>
    public HostTarget? Host { get; init; }

    /// <summary>The kernel the render nodes' calls are planned for; null: each image's default (<see cref="KernelProfile.For"/>).</summary>
    public KernelProfile? Target { get; init; }

    /// <summary>One step per readable KFD image, in the dump's order.</summary>
    public required IReadOnlyList<KfdRestoreStep> Kfd { get; init; }

    /// <summary>One step per render-node file, in the dump's order.</summary>
    public required IReadOnlyList<RenderNodeRestoreStep> RenderNodes { get; init; }

    /// <summary>True when some step is refused: a GPU map CRIU does not find, a render node without a target GPU, or a refused call.</summary>
    public bool Refused => Kfd.Any(k => k.Refused) || RenderNodes.Any(r => r.Refused);

    /// <summary>True when the dump's whole folder was read: a contents file it lacks is missing, not just unnamed.</summary>
    internal bool Complete { get; init; } = true;

    /// <summary>The caller's words (<see cref="ReplayOptions"/>) for what the plan was not given, as its report says it.</summary>
    internal RemedyWords Words { get; init; } = RemedyWords.Library;

    /// <summary>Every call CRIU makes, in order, and how the restore ends (docs/restore-calls.md); null when no modelled CRIU restores the dump (a d5377d5d2 dump).</summary>
    public RestoreSequence? Sequence { get; init; }

    /// <summary>True when the restore does not come back as saved: a refused step, or a sequence that fails, crashes, never ends or differs.</summary>
    /// <remarks>
    /// A restore that only differs in ways verify warns of (CRI324, whose path may not be taken) is not counted, nor one
    /// whose end is unknown because the files given are not the whole dump: plan and verify agree.
    /// </remarks>
    /// <remarks>
    /// Nor one that fails only on the contents path replayed when nothing says which path CRIU takes
    /// (<see cref="PathDecides"/>): verify says only what both paths meet.
    /// </remarks>
    public bool Fails => Refused || (!PathDecides && Sequence is { } sequence && Failing(sequence));

    /// <summary>True when the restore fails on the contents path replayed and not on the other, and nothing says which CRIU takes.</summary>
    internal bool PathDecides { get; init; }

    private static bool Failing(RestoreSequence sequence) => sequence.End.How switch
    {
        RestoreEndKind.Restored => false,
        RestoreEndKind.Differs or RestoreEndKind.Unknown => sequence.Differences.Any(d => d.Code?.Severity != Severity.Warning),
        _ => true,
    };

    /// <summary>
    /// Plans the restore of <paramref name="dump"/> on <paramref name="host"/> (null: no GPU map), the render
    /// nodes' calls on <paramref name="target"/>, else the host's kernel (<see cref="HostTarget.Profile"/>),
    /// else each image's default. <paramref name="complete"/> says whether the dump's whole folder was read,
    /// so that a KFD image it lacks is missing (CRIU has no GPU map for the render nodes), not just unnamed.
    /// </summary>
    public static DumpRestorePlan Create(CriuDump dump, HostTarget? host = null, KernelProfile? target = null, bool complete = true) =>
        Create(dump, new ReplayOptions(), host, target, complete);

    /// <summary>
    /// As <see cref="Create(CriuDump, HostTarget?, KernelProfile?, bool)"/>, with the CRIU that restores and its
    /// contents path (<paramref name="options"/>; by default the CRIU that wrote the dump) for <see cref="Sequence"/>.
    /// </summary>
    public static DumpRestorePlan Create(CriuDump dump, ReplayOptions options, HostTarget? host = null, KernelProfile? target = null, bool complete = true) =>
        Create(dump, options, host, target, complete, null);

    /// <summary>
    /// The steps of a plan, which depend on the target and the caller's words, not on the CRIU that restores: made once
    /// for the rows of one kernel (<see cref="Restorability"/>), as each step reads every BO of its file again.
    /// </summary>
    internal static PlanSteps Steps(CriuDump dump, HostTarget? host, KernelProfile? target, bool complete, RemedyWords words)
    {
        ArgumentNullException.ThrowIfNull(dump);
        KernelProfile? profile = target ?? host?.Profile;
        List<KfdRestoreStep> kfd = [.. dump.OfKind(CriuFileKind.KfdImage).Select(f => KfdStep(f, host, profile, words))];
        uint? pid = kfd.Count == 1 ? kfd[0].Pid : null;
        return new PlanSteps(kfd, [.. dump.OfKind(CriuFileKind.RenderNode).Select(f => RenderNodeStep(f, dump, kfd, host, profile, pid, complete, words))]);
    }

    /// <summary>As <see cref="Create(CriuDump, ReplayOptions, HostTarget?, KernelProfile?, bool)"/>, with the steps made for the same target and words (null: made here).</summary>
    internal static DumpRestorePlan Create(CriuDump dump, ReplayOptions options, HostTarget? host, KernelProfile? target, bool complete, PlanSteps? steps)
    {
        ArgumentNullException.ThrowIfNull(dump);
        ArgumentNullException.ThrowIfNull(options);
        KernelProfile? profile = target ?? host?.Profile;
        steps ??= Steps(dump, host, target, complete, options.Words);
        var plan = new DumpRestorePlan
        {
            Folder = dump.Folder,
            Host = host,
            Target = profile,
            Complete = complete,
            Words = options.Words,
            Kfd = steps.Kfd,
            RenderNodes = steps.RenderNodes,
        };
        (CriuVersion? writer, string why) = options.Criu is null ? CriuWriter.Of(dump) : (null, options.Words.For(Remedy.CriuChosen));
        if ((options.Criu ?? writer) is not { } criu)
        {
            return plan;
        }

        KfdContentsPath path = KfdContentsPath.Of(dump, options.Parallel, options.Words);
        RestoreSequence sequence = ReplayedSequence.Run(dump, plan, criu, path.Parallel) with { CriuWhy = why };
        if (!criu.Parallel)
        {
            return plan with { Sequence = sequence };
        }

        // Nothing says which path CRIU takes: a failure the other path does not meet is not counted (verify's rule),
        // and the plan says so. The other path is replayed only then, its calls counted, not held.
        if (!path.Known && !plan.Refused && Failing(sequence)
            && RestoreReplay.Run(dump, plan, criu, !path.Parallel, CriuCallLog.Counted(), out _) is { } other && !Failing(other))
        {
            string name = path.Parallel ? "serial" : "parallel";
            return plan with { Sequence = sequence with { ContentsWhy = $"{path.Why}; on the {name} path the restore ends {other.End.How.Name()}, so whether it fails depends on the path CRIU takes" }, PathDecides = true };
        }

        return plan with { Sequence = sequence with { ContentsWhy = path.Why } };
    }

    private static KfdRestoreStep KfdStep(CriuDumpFile file, HostTarget? host, KernelProfile? profile, RemedyWords words)
    {
        // CRIU reads the header's length and unpacks: a short file or one protobuf-c refuses ends the restore there.
        if (file.Kfd is not { } read || read.Problems.Any(p => p.Kind == CriuProblemKind.Unpack))
        {
            string why = file.DamageDetail?.Message ?? $"protobuf-c cannot unpack it ({words.For(Remedy.SaysWhere)})";
            return new KfdRestoreStep(file.Input.Path, null) { File = file.FileName, Refusal = $"{why}: CRIU stops with 'Unable to read from' or 'Unable to parse the KFD message' (amdgpu_plugin.c:1946-1960)" };
        }

        CriuKfd kfd = read.Message;
        KfdPrivateData.KfdAnswer answer = KfdPrivateData.Answer(kfd, profile);
        return new KfdRestoreStep(file.Input.Path, kfd.Pid)
        {
            File = file.FileName,
            Gpus = kfd.DeviceEntries.Count(d => d.IsGpu),
            Arguments =
            [
                new("op", (ulong)KfdCriuOp.Restore),
                new("num_devices", kfd.NumOfGpus),
                new("num_bos", (uint)kfd.NumOfBos),
                new("num_objects", kfd.NumOfObjects),
                new("priv_data_size", (ulong)kfd.Private.Length),
            ],
            Host = host?.Check(kfd),
            PrivateData = answer.Refusal,
            PrivateDataUnknown = answer.Unknown,
            PrivateDataDiffers = answer.Differs,
            SvmResume = KfdSvmResume.Refusal(kfd, profile),
        };
    }

    private static RenderNodeRestoreStep RenderNodeStep(CriuDumpFile file, CriuDump dump, List<KfdRestoreStep> kfd, HostTarget? host, KernelProfile? profile, uint? pid, bool complete, RemedyWords words)
    {
        string path = file.Input.Path;
        if (file.RenderNode is not { } lenient || file.DamageDetail is not null)
        {
            return new RenderNodeRestoreStep(path) { File = file.FileName, Refusal = $"CRIU cannot read it: {file.DamageDetail?.Message ?? "damaged"}" };
        }

        uint gpuId = lenient.Message.GpuId;
        var step = new RenderNodeRestoreStep(path) { File = file.FileName, GpuId = gpuId, Revision = CriuRevisionNames.Describe(lenient.Revisions) };
        if (lenient.Problems.Any(p => p.Kind == CriuProblemKind.Unpack))
        {
            return step with { Refusal = $"protobuf-c cannot unpack it: 'Unable to parse the RenderD message' (amdgpu_plugin.c:1864-1869); {words.For(Remedy.SaysWhere)}" };
        }

        // The render node's target GPU comes from the GPU map the KFD restore builds (restore_maps): without one, -ENODEV.
        // A KFD image that is there but could not be read here leaves the map unknown, not absent.
        if (kfd.Count == 0 && complete && !dump.KfdImageUnread)
        {
            return step with { Refusal = "the dump has no KFD image, so CRIU has no GPU map: maps_get_dest_gpu finds no target for it, -ENODEV (amdgpu_plugin.c:1875-1879)" };
        }

        if (kfd.Any(k => k.Refused))
        {
            // Where every refused KFD image is refused by the target kernel alone (its private data, CRI340), the
            // replay past that stop (ReplayRules' "Findings after the stop") reaches this file: its step as it is
            // once the KFD images restore. Not reached otherwise (no GPU map, an image CRIU cannot read).
            RenderNodeRestoreStep notReached = step with { Refusal = "not reached: the KFD restore fails first" };
            return kfd.All(k => !k.Refused || (k is { Refusal: null, PrivateData: not null } && k.Host is not { Restores: false }))
                ? notReached with { OncePast = Reached(step, file, dump, kfd, host, profile, pid, words) }
                : notReached;
        }

        return Reached(step, file, dump, kfd, host, profile, pid, words);
    }

    /// <summary>The render node's step once the restore reaches it: its GPU, device, findings and calls.</summary>
    private static RenderNodeRestoreStep Reached(RenderNodeRestoreStep step, CriuDumpFile file, CriuDump dump, List<KfdRestoreStep> kfd, HostTarget? host, KernelProfile? profile, uint? pid, RemedyWords words)
    {
        string path = file.Input.Path;
        CriuMessageFile<CriuRenderNode> lenient = file.RenderNode!;
        uint gpuId = lenient.Message.GpuId;
        if (kfd.Count > 0 && !dump.Gpus.Any(g => g.GpuId == gpuId))
        {
            return step with { Refusal = $"gpu_id {TopologyNode.GpuIdText(gpuId)} is no GPU of the dump's KFD images, so no GPU map has it: maps_get_dest_gpu returns 0, -ENODEV (amdgpu_plugin.c:1875-1879)" };
        }

        if (host is not null && kfd.Count > 0)
        {
            // Every KFD image restored (none refused), so each one's map holds all of its GPUs.
            KfdRestoreStep owner = kfd.First(k => k.Host!.GpuMap.Any(e => e.SrcGpuId == gpuId));
            step = step with
            {
                Device = owner.Host!.GpuMap.First(e => e.SrcGpuId == gpuId),
                // Each process restores its own map (restore_maps is per process); which process holds this render
                // node is in CRIU's files.img, which is not read.
                MapOf = kfd.Count > 1 ? owner.Path : null,
            };
        }

        if (host is not null || profile is not null)
        {
            var bag = new DiagnosticBag(0);
            HostRules.CheckRenderNode(lenient, host, profile, bag, words);
            step = step with { Findings = bag.Listed };
        }

        if (lenient.Revisions == CriuRevisions.Released)
        {
            return step with { NoCalls = "a released CRIU (v3.17..v4.2) render node is the device alone: CRIU opens the target GPU's render node and restores nothing on it (the GPU state is in the KFD image)" };
        }

        if (lenient.Revisions == CriuRevisions.D5377d5d2 || lenient.Message.NumOfObjects is not null)
        {
            return step with { NoCalls = $"a d5377d5d2 render node: that revision restores its {lenient.Message.Bos.Count} BOs through its own kernel interface, which plan does not model" };
        }

        RenderNodeImport import = CriuImportPlan.Decide(file, dump, pid);
        return import.Outcome switch
        {
            ImportOutcome.Import => WithCalls(step, Calls(import, path, profile), KfdVaRefusals(file, dump)),
            ImportOutcome.Skip => step with { NoCalls = "no BOs: CRIU opens the render node and has nothing to create on it" },
            _ => step with { Refusal = import.Reason },
        };
    }

    /// <summary>
    /// The render node's mappings that overlap a KFD BO of its GPU in the one VM both are restored into (CRI314, verify's
    /// rule: <see cref="GpuVaSpaces"/>): the KFD image is restored first, so the render node's GEM_VA MAP finds the range taken.
    /// </summary>
    private static List<(uint Handle, uint Mapping, Diagnostic Refusal)> KfdVaRefusals(CriuDumpFile node, CriuDump dump)
    {
        List<CriuDumpFile> kfds = [.. dump.OfKind(CriuFileKind.KfdImage).Where(f => f.Kfd is { } k && !k.Problems.Any(p => p.Kind == CriuProblemKind.Unpack))];
        List<CriuDumpFile> nodes = [.. dump.OfKind(CriuFileKind.RenderNode).Where(f => f.RenderNode is { } n && !n.Problems.Any(p => p.Kind == CriuProblemKind.Unpack))];
        uint gpu = node.RenderNode!.Message.GpuId;
        var refusals = new List<(uint, uint, Diagnostic)>();
        if (kfds.Count != 1 || GpuVaSpaces.SharedNode(kfds.Count, nodes, gpu) != node)
        {
            return refusals;
        }

        string image = kfds[0].FileName;
        GpuVaSpaces.Overlaps(kfds[0].Kfd!.Message, gpu, node, KfdMappedGpus.Of(kfds[0].Kfd!.Message) is { } mapped ? mapped.Maps : null, o =>
        {
            if (o.RenderNodeHandle is { } handle)
            {
                refusals.Add((handle, o.Other.Mapping, new Diagnostic(
                    Descriptors.GpuVaOverlap,
                    $"mapping {o.Other.Mapping} of BO {handle} (0x{o.Other.First:x}-0x{o.Other.Last:x}) overlaps {o.KfdName} of {image} ({GpuVaSpaces.GpuOf(kfds[0].Kfd!.Message, o.KfdBo, gpu)}, 0x{o.Kfd.First:x}-0x{o.Kfd.Last:x}), restored first into the same VM: CRIU opens one render node per target GPU for both (amdgpu_plugin.c:1582, :1889)")
                { GemHandle = handle, Call = RestoreCall.GemVa }));
            }
        });
        return refusals;
    }

    /// <summary>
    /// The render node's calls, made from its BO entries as <c>import</c> converts them each time they are walked
    /// (nothing per call is held; refusals are located at the entries' byte offsets in the CRIU file).
    /// </summary>
    private static StreamedRestorePlan Calls(RenderNodeImport import, string path, KernelProfile? profile)
    {
        ReadOnlyMemory<byte> header = CriuImport.InMemory(import.Node! with { Bos = [] }, import.Header!);
        return StreamedRestorePlan.Create(header, import.Node!.Entries, path, profile);
    }

    /// <summary>
    /// The step with its calls; a target without DRM_IOCTL_GEM_CHANGE_HANDLE (CRI416) refuses the first
    /// CHANGE_HANDLE, where CRIU's restore of the render node stops ('Failed to call change ioctl').
    /// </summary>
    private static RenderNodeRestoreStep WithCalls(RenderNodeRestoreStep step, StreamedRestorePlan calls, IReadOnlyList<(uint Handle, uint Mapping, Diagnostic Refusal)> kfdVa)
    {
        calls.RefuseGemVa(kfdVa);
        if (step.Findings.FirstOrDefault(f => f.Descriptor == Descriptors.TargetLacksGemCriu) is not { } lacking
            || !calls.RefuseFirstChangeHandle(handle => lacking with { GemHandle = handle, Call = RestoreCall.ChangeHandle }))
        {
            return step with { Calls = calls.Held() };
        }

        return step with
        {
            Findings = [.. step.Findings.Where(f => f != lacking)],
            Calls = calls.Held(),
        };
    }
}

/// <summary>Which CRIU restores a dump, and how it restores KFD contents.</summary>
/// <param name="Criu">The CRIU that restores; null: the one that wrote the dump (<see cref="CriuVersion.Writer"/>).</param>
/// <param name="Parallel">criu-dev's parallel contents path (a restored root task without children); null: as the dump says (<see cref="KfdContentsPath.Of(CriuDump, bool?)"/>).</param>
public sealed record ReplayOptions(CriuVersion? Criu = null, bool? Parallel = null)
{
    /// <summary>The words of what settles a finding or says a choice was made (the caller's CRIU, contents path, target kernel); the command line passes its own.</summary>
    internal RemedyWords Words { get; init; } = RemedyWords.Library;
}

/// <summary>The restore of one KFD image (<c>/dev/kfd</c> of one process).</summary>
/// <param name="Path">The file as reports show it.</param>
/// <param name="Pid">The checkpointed process id; null when the file cannot be read.</param>
public sealed record KfdRestoreStep(string Path, uint? Pid)
{
    /// <summary>The file's own name (<see cref="CriuDumpFile.FileName"/>), as the replayed restore names it.</summary>
    internal string File { get; init; } = Path;

    /// <summary>Why CRIU cannot restore from the file at all (damaged, or not unpackable), or null.</summary>
    public string? Refusal { get; init; }

    /// <summary>
    /// True when the restore of this image fails: the file cannot be read, CRIU finds no GPU map on the host, or the
    /// target kernel refuses the image's private data.
    /// </summary>
    public bool Refused => Refusal is not null || Host is { Restores: false } || PrivateData is not null;

    /// <summary>
    /// What the target kernel's <c>AMDKFD_IOC_CRIU_OP</c> RESTORE refuses in the image's private data (CRI340):
    /// <c>-ERRNO (check): what, at which byte [kernel line]</c>; null when it takes it.
    /// </summary>
    public string? PrivateDataRefusal => PrivateData is { } p ? $"{p.Outcome}: {p.Message} [{p.Source}]" : null;

    /// <summary>The refusal of the private data, as the replay makes the call fail.</summary>
    internal KfdPrivateData.KfdRefusal? PrivateData { get; init; }

    /// <summary>Why the target's answer to the private data is not known: it depends on facts the target's release does not say (CRI341).</summary>
    internal string? PrivateDataUnknown { get; init; }

    /// <summary>What the target takes of the private data but restores otherwise than it was checkpointed (CRI342).</summary>
    internal string? PrivateDataDiffers { get; init; }

    /// <summary>What CRIU_OP RESUME refuses in the SVM ranges the RESTORE took (KfdSvmResume), as the replay's resume makes the call fail.</summary>
    internal KfdPrivateData.KfdRefusal? SvmResume { get; init; }

    /// <summary>The GPUs among the image's device entries.</summary>
    public int Gpus { get; init; }

    /// <summary>The arguments of <c>AMDKFD_IOC_CRIU_OP</c> RESTORE (<see cref="IoctlRequests.KfdCriuOp"/>) as CRIU fills them from the image's counts (restore_devices, restore_bos).</summary>
    public IReadOnlyList<CallArgument> Arguments { get; init; } = [];

    /// <summary>CRIU's GPU map on the target host and its reasons; null without a host.</summary>
    public HostCheckResult? Host { get; init; }
}

/// <summary>The restore of one render-node file (<c>amdgpu-renderD-&lt;id&gt;.img</c>).</summary>
/// <param name="Path">The file as reports show it.</param>
public sealed record RenderNodeRestoreStep(string Path)
{
    /// <summary>The file's own name (<see cref="CriuDumpFile.FileName"/>), as the replayed restore names it.</summary>
    internal string File { get; init; } = Path;

    /// <summary>The checkpointed GPU the render node belongs to; null when the file cannot be read.</summary>
    public uint? GpuId { get; init; }

    /// <summary>The CRIU revisions that write the file, as reports name them.</summary>
    public string? Revision { get; init; }

    /// <summary>With a host: the pair of the GPU map whose target render node CRIU opens for it.</summary>
    public GpuMapEntry? Device { get; init; }

    /// <summary>
    /// With several KFD images (processes): the one whose GPU map gave <see cref="Device"/>. CRIU uses the map of
    /// the process that holds the render node, restored before it only if that process's <c>/dev/kfd</c> is
    /// (amdgpu_plugin.c:1829-1833); the dump's files.img, which says which process, is not read.
    /// </summary>
    public string? MapOf { get; init; }

    /// <summary>Why CRIU's restore of the file fails before its calls, or null.</summary>
    public string? Refusal { get; init; }

    /// <summary>Findings about the target kernel's interfaces (CRI416-CRI418) with a host.</summary>
    public IReadOnlyList<Diagnostic> Findings { get; init; } = [];

    /// <summary>Why the file has no GEM calls (a released render node is the device alone), or null.</summary>
    public string? NoCalls { get; init; }

    /// <summary>The GEM calls of a criu-dev render node with BOs on the target kernel.</summary>
    public RestorePlan? Calls { get; init; }

    /// <summary>
    /// For a file not reached because the target kernel refuses a KFD image's private data: the step once that
    /// refusal is mended, which the replay past the stop takes (<see cref="RestoreReplay.RunPast"/>); else null.
    /// </summary>
    internal RenderNodeRestoreStep? OncePast { get; init; }

    /// <summary>True when CRIU's restore of the file fails: a refusal, an error about the target's interfaces, or a refused call.</summary>
    public bool Refused => Refusal is not null || Findings.Any(f => f.Severity == Severity.Error) || Calls?.RefusedCalls > 0;
}
