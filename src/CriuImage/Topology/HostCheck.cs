using CriuImage.Criu;
using CriuImage.Diagnostics;

namespace CriuImage.Topology;

/// <summary>
/// Will a checkpoint's GPUs restore on a target host? The decision of CRIU's amdgpu plugin at restore
/// (<c>set_restore_gpu_maps</c>, plugins/amdgpu/amdgpu_plugin_topology.c), replayed exactly, with the
/// reasons CRIU does not print: which property of which GPU against which candidates, whether CRIU's
/// search would never end, and whether a valid map exists at all.
/// </summary>
public static class HostCheck
{
    /// <summary>Above this many GPUs the order-dependence probe is skipped (it replays CRIU once per rotation).</summary>
    private const int OrderProbeMaxGpus = 16;

    /// <summary>
    /// Checks the checkpointed topology <paramref name="source"/> (built from the dump's
    /// <c>kfd_device_entry</c>s as <see cref="TopologyNode"/> describes, or from a host with
    /// <see cref="KfdTopology.AsCheckpointed"/>) against the target's <paramref name="target"/> (as
    /// <see cref="HostTopology.Load"/> reads it) under the restore's <paramref name="environment"/>.
    /// </summary>
    public static HostCheckResult Run(KfdTopology source, KfdTopology target, MatchEnvironment environment) =>
        Run(source, target, environment, CriuMatcher.DefaultBudget);

    /// <summary>
    /// Like <see cref="Run(KfdTopology, KfdTopology, MatchEnvironment)"/> with the target read from
    /// <paramref name="targetPath"/> by <see cref="HostTopology.Load"/>. A target CRIU's own parser refuses
    /// is a finding (CRI410: the restore stops there), not an exception; a damaged or missing input still
    /// throws <see cref="TopologyFormatException"/> or <see cref="IOException"/>.
    /// </summary>
    public static HostCheckResult Run(KfdTopology source, string targetPath, MatchEnvironment environment, bool diskOrder = false)
    {
        KfdTopology target;
        try
        {
            target = HostTopology.Load(targetPath, diskOrder);
        }
        catch (TopologyFormatException e) when (e.CriuRefuses)
        {
            return Unparsable(InputDamage.Of(e), environment);
        }

        return Run(source, target, environment);
    }

    /// <summary>
    /// Checks every readable KFD image of <paramref name="dump"/> against <paramref name="host"/>: one result
    /// per <c>amdgpu-kfd-&lt;id&gt;.img</c> (each process's <c>/dev/kfd</c> is matched on its own at restore);
    /// one protobuf-c cannot unpack has none (the restore stops before matching).
    /// </summary>
    public static IReadOnlyList<(CriuDumpFile File, HostCheckResult Result)> Run(CriuDump dump, HostTarget host)
    {
        ArgumentNullException.ThrowIfNull(dump);
        ArgumentNullException.ThrowIfNull(host);
        return [.. dump.OfKind(CriuFileKind.KfdImage)
            .Where(f => f.Kfd is { } kfd && !kfd.Problems.Any(p => p.Kind == CriuProblemKind.Unpack))
            .Select(f => (f, host.Check(f.Kfd!.Message)))];
    }

    /// <summary>The verdict when CRIU's parser refuses the target: the restore stops before matching.</summary>
    internal static HostCheckResult Unparsable(InputDamage e, MatchEnvironment environment) =>
        new(false, CriuOutcome.TargetUnparsable, [], [new HostFinding(Descriptors.TopologyUnparsable, $"{e.Message}; CRIU stops with 'Failed to parse local system topology' (amdgpu_plugin.c:1986-1989)")])
        {
            CriuMessages = ["Failed to parse local system topology"],
            SwitchesOff = [.. environment.Off.Select(MatchEnvironment.NameOf)],
        };

    /// <summary>The check with a given budget of GPU-pair evaluations for the replay.</summary>
    internal static HostCheckResult Run(KfdTopology source, KfdTopology target, MatchEnvironment environment, long budget)
    {
        var findings = new List<HostFinding>();
        foreach (string ignored in environment.Ignored)
        {
            findings.Add(new HostFinding(Descriptors.IgnoredSwitchValue, $"CRIU ignores {ignored} and keeps the check on: 'Ignoring invalid value for {ignored}, expecting (YES/NO)' (amdgpu_plugin.c:309-322)"));
        }

        foreach (string unknown in environment.Unknown)
        {
            findings.Add(new HostFinding(Descriptors.IgnoredSwitchValue, $"CRIU reads no variable {unknown}: the plugin reads {string.Join(", ", Enum.GetValues<CheckSwitch>().Select(MatchEnvironment.NameOf))} and KFD_MAX_BUFFER_SIZE only (amdgpu_plugin.c:399-408), so it changes nothing"));
        }

        CriuMatcher.MatchResult criu = CriuMatcher.Run(source, target, environment, budget);
        var sourceLinks = new LinkView(source);
        var targetLinks = new LinkView(target);
        bool? exists = null;
        IReadOnlyList<(uint Source, uint Target)>? example = null;
        if (criu.Outcome is not (CriuOutcome.Mapped or CriuOutcome.DeviceCountMismatch or CriuOutcome.HiveCountMismatch))
        {
            try
            {
                example = MappingSearch.Find(sourceLinks, targetLinks, environment);
                exists = sourceLinks.WellFormed && targetLinks.WellFormed ? example is not null : null;
            }
            catch (TimeoutException)
            {
                // Too large to search; a GPU that fits nothing on the other side still settles it.
                exists = sourceLinks.WellFormed && targetLinks.WellFormed && SomeGpuFitsNothing(sourceLinks, targetLinks, environment) ? false : null;
            }
        }
        else if (criu.Outcome == CriuOutcome.Mapped)
        {
            exists = true;
        }

        IReadOnlyList<GpuMapEntry> map = criu.Outcome == CriuOutcome.Mapped ? ToEntries(criu.Map, source, target) : [];
        switch (criu.Outcome)
        {
            case CriuOutcome.Mapped:
                Accepted(map, source, target, environment, findings);
                break;
            case CriuOutcome.DeviceCountMismatch:
                string hidden = target.HiddenGpuNodes.Count > 0 ? $" ({target.HiddenGpuNodes.Count} more GPU node(s) refused to the reader: EPERM/EACCES, hidden by its device cgroup, CRI419)" : "";
                findings.Add(new HostFinding(Descriptors.GpuCountMismatch, $"the checkpoint has {source.Gpus.Count()} GPU{(source.Gpus.Count() == 1 ? "" : "s")} and the target {target.Gpus.Count()}{hidden}: CRIU refuses with '{criu.Messages[^1]}' (topology.c:1401-1404)"));
                break;
            case CriuOutcome.HiveCountMismatch:
                findings.Add(new HostFinding(Descriptors.HiveCountMismatch, $"the checkpoint has {sourceLinks.Hives.Count} XGMI hives and the target {targetLinks.Hives.Count}: CRIU refuses with '{criu.Messages[^1]}' (topology.c:1406-1410)"));
                break;
            default:
                Refused(criu, exists, example, sourceLinks, targetLinks, environment, findings);
                break;
        }

        if (target.HiddenGpuNodes.Count > 0)
        {
            findings.Add(HiddenGpus(target));
        }

        // A map CRIU finds still fails the restore when a target GPU's render node cannot be opened (CRI409).
        bool restores = criu.Outcome == CriuOutcome.Mapped && !findings.Any(f => f.Descriptor.Severity == Severity.Error);
        return new HostCheckResult(restores, criu.Outcome, map, [.. findings.OrderBy(f => f.Descriptor.Severity)])
        {
            ValidMappingExists = exists,
            CriuMessages = criu.Messages,
            TargetOrder = target.Order,
            SwitchesOff = [.. environment.Off.Select(MatchEnvironment.NameOf)],
        };
    }

    /// <summary>CRI419: the reader of the target was refused GPU nodes, which the restore sees only under a device cgroup that allows them.</summary>
    private static HostFinding HiddenGpus(KfdTopology target) =>
        new(Descriptors.TargetGpusHidden, $"{target.HiddenGpuNodes.Count} GPU node(s) of the target (node {string.Join(", ", target.HiddenGpuNodes)}) refused their gpu_id to the reader: its device cgroup lacks their render nodes (kfd_topology.c node_show: kfd_devcgroup_check_permission, -EPERM); CRIU skips such nodes too (topology.c:960-963), so this verdict holds only for a restore given the same GPUs as the reader (the restore runs in the restored container's device cgroup)");

    /// <summary><c>device_properties_match</c> (topology.c:991-1012).</summary>
    internal static bool PropertiesMatch(TopologyNode source, TopologyNode target, MatchEnvironment environment) =>
        PropertyRule.All.All(r => !r.Applies(environment) || r.Holds(source, target));

    private static List<GpuMapEntry> ToEntries(IReadOnlyList<(uint Source, uint Target)> pairs, KfdTopology source, KfdTopology target) =>
        [.. pairs.Select(p => new GpuMapEntry(p.Source, p.Target, Gpu(source, p.Source).DrmRenderMinor, Gpu(target, p.Target).DrmRenderMinor))];

    private static TopologyNode Gpu(KfdTopology topology, uint gpuId) => topology.Nodes.First(n => n.GpuId == gpuId);

    private static void Accepted(IReadOnlyList<GpuMapEntry> map, KfdTopology source, KfdTopology target, MatchEnvironment environment, List<HostFinding> findings)
    {
        foreach (GpuMapEntry pair in map)
        {
            if (pair.DestRenderMinor is < 128 or > 255)
            {
                findings.Add(new HostFinding(Descriptors.TargetRenderMinorOutOfRange, $"checkpointed GPU {TopologyNode.GpuIdText(pair.SrcGpuId)} maps to target GPU {TopologyNode.GpuIdText(pair.DestGpuId)}, whose drm_render_minor {pair.DestRenderMinor} is outside [128, 255]: 'DRM render minor {pair.DestRenderMinor} out of range' (open_drm_render_device, topology.c:53-57), then 'Restore ioctl failed'")
                {
                    SrcGpuId = pair.SrcGpuId,
                    DestGpuId = pair.DestGpuId,
                    Property = "drm_render_minor",
                    DestValue = pair.DestRenderMinor,
                });
            }

            TopologyNode s = Gpu(source, pair.SrcGpuId);
            TopologyNode d = Gpu(target, pair.DestGpuId);
            foreach (PropertyRule rule in PropertyRule.All.Where(r => !r.Applies(environment) && !r.Holds(s, d)))
            {
                findings.Add(new HostFinding(Descriptors.CheckSwitchedOff, $"checkpointed GPU {s.Label} {rule.Name} {rule.Value(s)} {Against(rule)} target GPU {d.Label}'s {rule.Value(d)}: accepted only because {MatchEnvironment.NameOf(rule.Switch!.Value)} is off")
                {
                    Property = rule.Name,
                    SrcGpuId = s.GpuId,
                    SrcValue = rule.Value(s),
                    DestGpuId = d.GpuId,
                    DestValue = rule.Value(d),
                });
            }
        }

        if (target.Gpus.Count() is > 1 and <= OrderProbeMaxGpus && OtherOrder(source, target, environment, map) is { } other)
        {
            findings.Add(new HostFinding(Descriptors.MapDependsOnOrder, $"CRIU takes the first fitting target GPU in directory order ({target.Order}); with the target's nodes listed in another order it would choose {other}"));
        }
    }

    /// <summary>What CRIU would decide if the target listed its nodes in another order (rotations), when that differs.</summary>
    private static string? OtherOrder(KfdTopology source, KfdTopology target, MatchEnvironment environment, IReadOnlyList<GpuMapEntry> map)
    {
        for (int shift = 1; shift < target.Nodes.Count; shift++)
        {
            KfdTopology rotated = target with { Nodes = [.. target.Nodes.Skip(shift), .. target.Nodes.Take(shift)] };
            CriuMatcher.MatchResult other = CriuMatcher.Run(source, rotated, environment);
            string order = string.Join(" ", rotated.Nodes.Select(n => n.NodeId));
            if (other.Outcome != CriuOutcome.Mapped)
            {
                return $"another outcome (nodes {order}: {other.Outcome})";
            }

            if (!other.Map.SequenceEqual(map.Select(e => (e.SrcGpuId, e.DestGpuId))))
            {
                return $"another map (nodes {order}: {string.Join(", ", other.Map.Select(p => $"{TopologyNode.GpuIdText(p.Source)}->{TopologyNode.GpuIdText(p.Target)}"))})";
            }
        }

        return null;
    }

    private static void Refused(CriuMatcher.MatchResult criu, bool? exists, IReadOnlyList<(uint Source, uint Target)>? example, LinkView source, LinkView target, MatchEnvironment environment, List<HostFinding> findings)
    {
        int explained = findings.Count;
        TopologyNode[] sourceGpus = [.. source.Topology.Gpus];
        TopologyNode[] targetGpus = [.. target.Topology.Gpus];
        foreach (TopologyNode s in sourceGpus)
        {
            if (!targetGpus.Any(t => Fits(s, t, source, target, environment)))
            {
                ExplainSource(s, targetGpus, source, target, environment, findings);
            }
        }

        // The target side is explained only when every checkpointed GPU has a candidate (one GPU too old on
        // the target, say); otherwise it would repeat the same differences from the other side.
        foreach (TopologyNode t in findings.Count > explained ? [] : targetGpus)
        {
            if (!sourceGpus.Any(s => Fits(s, t, source, target, environment)))
            {
                ExplainTarget(t, sourceGpus, environment, findings);
            }
        }

        bool gpuReasons = findings.Count > explained;
        string existence = exists switch
        {
            true => $"a valid map exists ({string.Join(", ", example!.Select(p => $"{TopologyNode.GpuIdText(p.Source)}->{TopologyNode.GpuIdText(p.Target)}"))})",
            false => "no valid map exists",
            null => "whether a valid map exists was not decided",
        };
        string said = criu.Messages.Count > 0 ? $"'{string.Join("', '", criu.Messages)}'" : "nothing";
        switch (criu.Outcome)
        {
            case CriuOutcome.NeverEnds:
                findings.Add(new HostFinding(Descriptors.SearchNeverEnds, $"CRIU's backtracking re-inserts target GPUs at the head of the list it is walking (map_devices, topology.c:1207-1237) and never finishes: {criu.Detail}; criu restore spins at 100% CPU and prints nothing; {existence}{(gpuReasons ? "; the findings above say what rules the GPUs out" : "")}"));
                return;
            case CriuOutcome.Crashes:
                findings.Add(new HostFinding(Descriptors.SearchCrashes, $"{criu.Detail}; {existence}"));
                return;
            case CriuOutcome.Undecided:
                findings.Add(new HostFinding(Descriptors.SearchUndecided, $"the replay of CRIU's search stopped undecided: {criu.Detail}; {existence}"));
                return;
            case CriuOutcome.HivesNotMatched:
                findings.Add(new HostFinding(Descriptors.HiveNotPlaced, $"CRIU places each checkpointed XGMI hive whole in one target hive (match_xgmi_groups, topology.c:1274-1349) and finds no placement: it prints {said}; {existence}"));
                break;
        }

        if (exists == true)
        {
            string why = criu.Messages.Any(m => m.Contains("mapping already exists", StringComparison.Ordinal))
                ? "after a later hive failed, the hive stage retried an earlier hive without removing the GPU pairs it had already recorded (no maps_pop, topology.c:1328-1335), so every retry trips maps_push (topology.c:352-359)"
                : criu.Outcome == CriuOutcome.HivesNotMatched
                    ? "its hive-by-hive search (topology.c:1274-1349) does not try every target GPU after backtracking (topology.c:1207-1237)"
                    : "its backtracking does not try every target GPU after re-inserting one at the head of the list (topology.c:1207-1237), it keeps the first CPU node that fits (topology.c:1101-1117), and it never revisits the hive stage's choice (topology.c:1413-1437)";
            findings.Add(new HostFinding(Descriptors.SearchMissesMapping, $"CRIU refuses ({said}) although {existence}: {why}"));
        }
        else if (!gpuReasons && criu.Outcome == CriuOutcome.RemainingNotMatched)
        {
            findings.Add(new HostFinding(Descriptors.NoAssignment, $"every GPU fits some GPU on the other side, but no one-to-one assignment (with a consistent CPU-node map under KFD_NUMA_CHECK) covers them all: CRIU prints {said}; {existence}"));
        }
    }

    /// <summary>Whether a GPU of either side fits no GPU of the other: then no one-to-one map exists.</summary>
    private static bool SomeGpuFitsNothing(LinkView source, LinkView target, MatchEnvironment environment)
    {
        TopologyNode[] sourceGpus = [.. source.Topology.Gpus];
        TopologyNode[] targetGpus = [.. target.Topology.Gpus];
        return sourceGpus.Any(s => !targetGpus.Any(t => Fits(s, t, source, target, environment)))
            || targetGpus.Any(t => !sourceGpus.Any(s => Fits(s, t, source, target, environment)));
    }

    /// <summary>The pair passes <c>map_device</c> on its own (properties, link count, CPU links with no CPU mapped yet).</summary>
    private static bool Fits(TopologyNode s, TopologyNode t, LinkView source, LinkView target, MatchEnvironment environment) =>
        PropertiesMatch(s, t, environment) && LinkProblem(s, t, source, target, environment) is null;

    /// <summary>Why the links of <paramref name="s"/> cannot be served by <paramref name="t"/>'s, or null.</summary>
    private static string? LinkProblem(TopologyNode s, TopologyNode t, LinkView source, LinkView target, MatchEnvironment environment)
    {
        int sourceCount = source.ValidLinks(s);
        int targetCount = target.ValidLinks(t);
        if (sourceCount > targetCount)
        {
            return $"{sourceCount} valid io_links against {targetCount} on {t.Label} ('Mismatch between number of iolinks', topology.c:1073-1077)";
        }

        var used = new HashSet<uint>();
        foreach (TopologyLink link in s.Links)
        {
            if (source.Peer(link) is not { IsGpu: false } cpu)
            {
                continue;
            }

            TopologyLink[] fitting = [.. t.Links.Where(d => source.LinkMatches(s, link, target, t, d))];
            bool ok = environment.IsOn(CheckSwitch.Numa) ? fitting.Any(d => used.Add(d.NodeTo)) : fitting.Length > 0;
            if (!ok)
            {
                return $"its {link.TypeName} link to CPU node {cpu.NodeId} has no counterpart on {t.Label} ('Mismatch between iolink to CPU', topology.c:1079-1135)";
            }
        }

        return null;
    }

    private static void ExplainSource(TopologyNode s, TopologyNode[] targets, LinkView source, LinkView target, MatchEnvironment environment, List<HostFinding> findings)
    {
        bool any = false;
        foreach (PropertyRule rule in PropertyRule.All.Where(r => r.Applies(environment)))
        {
            TopologyNode[] failing = [.. targets.Where(t => !rule.Holds(s, t))];
            if (failing.Length == 0)
            {
                continue;
            }

            any = true;
            findings.Add(new HostFinding(Descriptors.PropertyMismatch, $"checkpointed GPU {s.Label} fits no target GPU: its {rule.Name} {rule.Value(s)} {Against(rule)} {string.Join(", ", failing.Select(t => $"{t.Label}'s {rule.Value(t)}"))}{SwitchHint(rule)}")
            {
                Property = rule.Name,
                SrcGpuId = s.GpuId,
                SrcValue = rule.Value(s),
                Candidates = [.. failing.Select(t => new FindingGpu(t.GpuId, rule.Value(t)))],
            });
        }

        if (!any || targets.Any(t => PropertiesMatch(s, t, environment)))
        {
            TopologyNode[] linkFailing = [.. targets.Where(t => PropertiesMatch(s, t, environment))];
            findings.Add(new HostFinding(Descriptors.IoLinkMismatch, $"checkpointed GPU {s.Label} fits no target GPU by its io_links: {string.Join("; ", linkFailing.Select(t => LinkProblem(s, t, source, target, environment)))}")
            {
                SrcGpuId = s.GpuId,
                Candidates = [.. linkFailing.Select(t => new FindingGpu(t.GpuId, null))],
            });
        }
    }

    private static void ExplainTarget(TopologyNode t, TopologyNode[] sources, MatchEnvironment environment, List<HostFinding> findings)
    {
        foreach (PropertyRule rule in PropertyRule.All.Where(r => r.Applies(environment)))
        {
            TopologyNode[] failing = [.. sources.Where(s => !rule.Holds(s, t))];
            if (failing.Length == 0)
            {
                continue;
            }

            findings.Add(new HostFinding(Descriptors.PropertyMismatch, $"target GPU {t.Label} fits no checkpointed GPU: its {rule.Name} {rule.Value(t)} against {string.Join(", ", failing.Select(s => $"{s.Label}'s {rule.Value(s)}"))} ({(rule.Relation == PropertyRelation.Equal ? "must be equal" : "the checkpointed value must not be larger")}){SwitchHint(rule)}")
            {
                Property = rule.Name,
                DestGpuId = t.GpuId,
                DestValue = rule.Value(t),
                Candidates = [.. failing.Select(s => new FindingGpu(s.GpuId, rule.Value(s)))],
            });
        }
    }

    private static string Against(PropertyRule rule) => rule.Relation == PropertyRelation.Equal ? "differs from" : "is above";

    private static string SwitchHint(PropertyRule rule) => rule.Switch is { } s ? $" ({MatchEnvironment.NameOf(s)}=0 turns this check off)" : "";
}
