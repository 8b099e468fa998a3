namespace CriuImage.Topology;

/// <summary>
/// A replay of CRIU's GPU matching, state for state: the same intrusive doubly-linked lists, the same
/// re-insertion at the head during backtracking, the same map lists (<c>maps_push</c>/<c>maps_pop</c>),
/// so that it ends the way CRIU's does, with the same GPU map. Where CRIU would run forever, the replay
/// notices that a search loop came back to a state it was in before (everything the rest of the run depends
/// on is in that state, so CRIU would repeat it forever) and says so.
/// </summary>
internal sealed partial class CriuMatcher
{
    /// <summary>Calls of <c>map_device</c> before the replay gives up (CRIU ends far sooner on any real host).</summary>
    public const long DefaultBudget = 1_000_000;

    private readonly MatchEnvironment _environment;
    private readonly long _budget;
    private readonly List<string> _messages = [];
    private long _evaluations;
    private int _nodeCount;

    private CriuMatcher(MatchEnvironment environment, long budget)
    {
        _environment = environment;
        _budget = budget;
    }

    /// <summary>The result of one replay.</summary>
    /// <param name="Outcome">How it ended.</param>
    /// <param name="Map">On <see cref="CriuOutcome.Mapped"/>: (checkpointed gpu_id, target gpu_id) per checkpointed GPU, in checkpoint order.</param>
    /// <param name="Messages">What CRIU prints at its default log level on the way (<c>pr_err</c>).</param>
    /// <param name="Detail">For <see cref="CriuOutcome.NeverEnds"/> and <see cref="CriuOutcome.Crashes"/>: where and why.</param>
    /// <param name="Evaluations">How many GPU pairs CRIU evaluated (<c>map_device</c> calls) before the end or the first repeated state.</param>
    public sealed record MatchResult(CriuOutcome Outcome, IReadOnlyList<(uint Source, uint Target)> Map, IReadOnlyList<string> Messages, string? Detail, long Evaluations);

    /// <summary>Replays <c>set_restore_gpu_maps(source, target)</c> under <paramref name="environment"/>.</summary>
    public static MatchResult Run(KfdTopology source, KfdTopology target, MatchEnvironment environment, long budget = DefaultBudget)
    {
        var matcher = new CriuMatcher(environment, budget);
        try
        {
            return matcher.SetRestoreGpuMaps(source, target);
        }
        catch (Stop stop)
        {
            return new MatchResult(stop.Outcome, [], matcher._messages, stop.Message, matcher._evaluations);
        }
    }

    private MatchResult SetRestoreGpuMaps(KfdTopology sourceTopology, KfdTopology targetTopology)
    {
        SimSystem source = Build(sourceTopology, 's');
        SimSystem target = Build(targetTopology, 'd');
        _nodeCount = source.Nodes.Count + target.Nodes.Count;
        DetermineIoLinks(source, "checkpointed");
        DetermineIoLinks(target, "target");
        var maps = new Maps();

        int sourceGpus = source.Nodes.Count(n => n.IsGpu);
        int targetGpus = target.Nodes.Count(n => n.IsGpu);
        if (sourceGpus != targetGpus)
        {
            return Fail(CriuOutcome.DeviceCountMismatch, $"Number of devices mismatch (checkpointed:{sourceGpus} local:{targetGpus})");
        }

        if (source.GroupCount > target.GroupCount)
        {
            return Fail(CriuOutcome.HiveCountMismatch, $"Number of xgmi groups mismatch (checkpointed:{source.GroupCount} local:{target.GroupCount})");
        }

        if (source.GroupCount > 0 && !MatchGroups(source.Groups, target.Groups, maps))
        {
            return Fail(CriuOutcome.HivesNotMatched, "Failed to match all GPU groups");
        }

        // Head insertion: both lists come out in reverse node order (topology.c:1426-1434).
        var sourceList = ListEntry<SimNode>.NewHead();
        foreach (SimNode node in source.Nodes.Where(n => n.IsGpu && maps.DestGpu(n.GpuId) == 0))
        {
            ListEntry<SimNode>.Add(node.Mapping, sourceList);
        }

        var targetList = ListEntry<SimNode>.NewHead();
        foreach (SimNode node in target.Nodes.Where(n => n.IsGpu && !maps.DestGpuMapped(n.GpuId)))
        {
            ListEntry<SimNode>.Add(node.Mapping, targetList);
        }

        if (!MapDevices(sourceList, targetList, maps))
        {
            return Fail(CriuOutcome.RemainingNotMatched, "Failed to match remaining nodes");
        }

        List<(uint, uint)> map = [.. source.Nodes.Where(n => n.IsGpu).Select(n => (n.GpuId, maps.DestGpu(n.GpuId)))];
        return new MatchResult(CriuOutcome.Mapped, map, _messages, null, _evaluations);
    }

    private MatchResult Fail(CriuOutcome outcome, string message)
    {
        _messages.Add(message);
        return new MatchResult(outcome, [], _messages, null, _evaluations);
    }

    private static SimSystem Build(KfdTopology topology, char side)
    {
        var system = new SimSystem();
        foreach (TopologyNode node in topology.Nodes)
        {
            var sim = new SimNode(node, (side == 's' ? 0 : 1L << 32) + system.Nodes.Count);
            sim.Links.AddRange(node.Links.Select(l => new SimLink(l.Type, l.NodeTo)));
            system.Nodes.Add(sim);
        }

        return system;
    }

    /// <summary><c>topology_determine_iolinks</c> (topology.c:840-897).</summary>
    private static void DetermineIoLinks(SimSystem system, string which)
    {
        foreach (SimNode node in system.Nodes)
        {
            foreach (SimLink link in node.Links)
            {
                SimNode? peer = system.Nodes.FirstOrDefault(n => n.Node.NodeId == link.NodeToId);
                if (peer is null)
                {
                    link.Valid = false;
                    continue;
                }

                link.Valid = true;
                node.ValidLinks++;
                link.NodeTo = peer;

                // get_tp_peer_iolink takes the type as uint8_t (topology.c:195-205).
                SimLink? back = peer.Links.FirstOrDefault(l => l.NodeToId == node.Node.NodeId && l.Type == (byte)link.Type);
                if (back is null)
                {
                    continue;
                }

                link.Peer = back;
                back.Peer = link;
                if (link.Type != TopologyLink.Xgmi)
                {
                    continue;
                }

                SimGroup? group = system.GroupList().FirstOrDefault(g => g.Members.Any(m => m.GpuId == node.GpuId));
                if (group is null)
                {
                    group = new SimGroup($"{which} hive {system.GroupCount}", (which == "target" ? 3L : 2L) << 32 | (uint)system.GroupCount);
                    ListEntry<SimGroup>.AddTail(group.System, system.Groups);
                    system.GroupCount++;
                    Join(group, node, which);
                }

                if (!group.Members.Any(m => m.GpuId == peer.GpuId))
                {
                    Join(group, peer, which);
                }
            }
        }
    }

    /// <summary>
    /// <c>list_add_tail(&amp;node-&gt;listm_p2pgroup, ...)</c>. A node already linked into another hive would be
    /// re-linked without being taken out of the first: CRIU's hive lists become corrupt (an XGMI graph that is
    /// not a set of complete hives, or XGMI links between CPU nodes, which share gpu_id 0).
    /// </summary>
    private static void Join(SimGroup group, SimNode node, string which)
    {
        if (node.Group is not null)
        {
            throw new Stop(CriuOutcome.Crashes, $"the {which} topology's XGMI links do not form complete hives: {node.Label} would be linked into two hive lists at once, corrupting them (topology.c:871-888)");
        }

        node.Group = group;
        group.Members.Add(node);
    }

    /// <summary><c>match_xgmi_groups</c> (topology.c:1274-1349).</summary>
    private bool MatchGroups(ListEntry<SimGroup> sourceGroups, ListEntry<SimGroup> targetGroups, Maps maps)
    {
        if (sourceGroups.IsEmpty)
        {
            return true;
        }

        ListEntry<SimGroup> first = sourceGroups.Next!;
        SimGroup sourceGroup = first.Owner!;
        ListEntry<SimGroup>.Delete(first);
        var seen = new HashSet<(ulong, ulong)>();
        ListEntry<SimGroup> position = targetGroups.Next!;
        ListEntry<SimGroup> next = Step(position);
        while (position != targetGroups)
        {
            SimGroup targetGroup = position.Owner ?? throw new Stop(CriuOutcome.Crashes, "CRIU walks off its list of target hives into another list (a corrupted list)");
            Remember(seen, State(position, next, sourceGroups, targetGroups, maps), $"the hive search for {sourceGroup.Name}");
            var sourceNodes = ListEntry<SimNode>.NewHead();
            var targetNodes = ListEntry<SimNode>.NewHead();
            foreach (SimNode node in sourceGroup.Members)
            {
                ListEntry<SimNode>.AddTail(node.Mapping, sourceNodes);
            }

            foreach (SimNode node in targetGroup.Members)
            {
                ListEntry<SimNode>.AddTail(node.Mapping, targetNodes);
            }

            if (MapDevices(sourceNodes, targetNodes, maps))
            {
                ListEntry<SimGroup>.Delete(position);
                if (MatchGroups(sourceGroups, targetGroups, maps))
                {
                    return true;
                }

                // The GPU pairs of this hive stay in the maps: CRIU has no maps_pop here (topology.c:1334).
                ListEntry<SimGroup>.Add(position, targetGroups);
            }

            position = Advance(next);
            next = Step(position);
        }

        ListEntry<SimGroup>.AddTail(first, sourceGroups);
        return false;
    }

    /// <summary><c>map_devices</c> (topology.c:1182-1247).</summary>
    private bool MapDevices(ListEntry<SimNode> sources, ListEntry<SimNode> targets, Maps maps)
    {
        if (sources.IsEmpty)
        {
            return true;
        }

        ListEntry<SimNode> first = sources.Next!;
        SimNode source = first.Owner ?? throw new Stop(CriuOutcome.Crashes, "CRIU takes a list head for a GPU (a corrupted list)");
        ListEntry<SimNode>.Delete(first);
        var seen = new HashSet<(ulong, ulong)>();
        ListEntry<SimNode> position = targets.Next!;
        ListEntry<SimNode> next = Step(position);
        while (position != targets)
        {
            SimNode target = position.Owner ?? throw new Stop(CriuOutcome.Crashes, "CRIU walks off its list of target GPUs into another list (a corrupted list)");
            Remember(seen, State(position, next, sources, targets, maps), $"map_devices looking for a target for {source.Label} among [{Labels(targets)}]");
            var added = new Maps();
            if (MapDevice(source, target, maps, added))
            {
                ListEntry<SimNode>.Delete(position);
                if (!maps.Push(added, _messages))
                {
                    // Returns without putting the source GPU back (topology.c:1218-1219).
                    return false;
                }

                if (MapDevices(sources, targets, maps))
                {
                    return true;
                }

                ListEntry<SimNode>.Add(position, targets);
                maps.Pop(added);
            }

            position = Advance(next);
            next = Step(position);
        }

        ListEntry<SimNode>.Add(first, sources);
        return false;
    }

    /// <summary><c>map_device</c> (topology.c:1060-1153).</summary>
    private bool MapDevice(SimNode source, SimNode target, Maps maps, Maps added)
    {
        if (++_evaluations > _budget)
        {
            throw new Stop(CriuOutcome.Undecided, $"no decision after {_budget} GPU-pair evaluations");
        }

        if (!HostCheck.PropertiesMatch(source.Node, target.Node, _environment))
        {
            return false;
        }

        if (source.ValidLinks > target.ValidLinks)
        {
            return false;
        }

        foreach (SimLink link in source.Links)
        {
            SimNode to = link.NodeTo ?? throw new Stop(CriuOutcome.Crashes, $"checkpointed {source.Label} has a link to node {link.NodeToId}, which is not in the checkpoint: CRIU dereferences a null node (topology.c:1082)");
            if (to.IsGpu)
            {
                continue;
            }

            if (!CpuLinkMatches(link, to, target, maps, added))
            {
                return false;
            }
        }

        added.AddGpu(source.GpuId, target.GpuId);
        return true;
    }

    private bool CpuLinkMatches(SimLink link, SimNode cpu, SimNode target, Maps maps, Maps added)
    {
        if (!_environment.IsOn(CheckSwitch.Numa))
        {
            return target.Links.Any(d => LinkMatches(link, d));
        }

        uint destCpu = maps.DestCpu(cpu.Node.NodeId);
        if (destCpu == Maps.InvalidCpu)
        {
            destCpu = added.DestCpu(cpu.Node.NodeId);
        }

        if (destCpu == Maps.InvalidCpu)
        {
            foreach (SimLink candidate in target.Links)
            {
                if (LinkMatches(link, candidate) && !maps.DestCpuMapped(candidate.NodeTo!.Node.NodeId) && !added.DestCpuMapped(candidate.NodeTo.Node.NodeId))
                {
                    added.AddCpu(cpu.Node.NodeId, candidate.NodeTo.Node.NodeId);
                    return true;
                }
            }

            return false;
        }

        SimLink? same = target.Links.FirstOrDefault(d => d.NodeToId == destCpu && d.Type == link.Type);
        return same is not null && LinkMatches(link, same);
    }

    /// <summary><c>iolink_match</c> (topology.c:1021-1041): can target link <paramref name="d"/> stand in for <paramref name="s"/>.</summary>
    private static bool LinkMatches(SimLink s, SimLink d) =>
        !s.Valid || (d.Valid
            && s.NodeTo!.IsGpu == d.NodeTo!.IsGpu
            && !(s.Type == TopologyLink.Xgmi && d.Type == TopologyLink.Pcie)
            && !(s.Peer is not null && d.Peer is null));

    private void Remember(HashSet<(ulong, ulong)> seen, (ulong, ulong) state, string where)
    {
        if (!seen.Add(state))
        {
            throw new Stop(CriuOutcome.NeverEnds, $"{where} returns to a state it was in before, so CRIU repeats it forever (after {_evaluations} GPU-pair evaluations)");
        }
    }

    /// <summary>
    /// Everything the rest of a search loop depends on: its position and saved successor, the order of the two
    /// lists it works on, and the maps. Kept as a 128-bit hash (two independent 64-bit hashes) so that a long
    /// search stays small in memory; a false "repeated state" would need a 128-bit collision.
    /// </summary>
    private (ulong, ulong) State<T>(ListEntry<T> position, ListEntry<T> next, ListEntry<T> first, ListEntry<T> second, Maps maps)
        where T : class
    {
        var hash = default(StateHash);
        hash.Add(Id(position));
        hash.Add(Id(next));
        AddOrder(ref hash, first);
        AddOrder(ref hash, second);
        maps.AddTo(ref hash);
        return hash.Value;
    }

    private void AddOrder<T>(ref StateHash hash, ListEntry<T> head)
        where T : class
    {
        hash.Add(-3);
        ListEntry<T>? e = head.Next;
        for (int steps = 0; e is not null && e != head; e = e.Next, steps++)
        {
            if (steps > _nodeCount + 1)
            {
                // A list that does not come back to its head: corrupted; its first entries stand for it.
                hash.Add(-4);
                return;
            }

            hash.Add(Id(e));
        }
    }

    /// <summary>The entry after <paramref name="entry"/>, read the way <c>list_for_each_entry_safe</c> reads it.</summary>
    private static ListEntry<T> Step<T>(ListEntry<T> entry)
        where T : class => entry.Next ?? throw new Stop(CriuOutcome.Crashes, "CRIU reads the successor of a deleted list entry (LIST_POISON): the restore crashes");

    /// <summary>Moving to the saved successor: if it was deleted meanwhile CRIU follows its poisoned pointers.</summary>
    private static ListEntry<T> Advance<T>(ListEntry<T> saved)
        where T : class => saved.Poisoned
            ? throw new Stop(CriuOutcome.Crashes, "CRIU's search continues from a GPU it had taken off the list (LIST_POISON): the restore crashes")
            : saved;

    private static long Id<T>(ListEntry<T> entry)
        where T : class => entry.Owner switch { SimNode n => n.Index, SimGroup g => g.Index, _ => entry.Poisoned ? -2 : -1 };

    private static string Labels(ListEntry<SimNode> head)
    {
        var labels = new List<string>();
        for (ListEntry<SimNode>? e = head.Next; e is not null && e != head && labels.Count < 64; e = e.Next)
        {
            labels.Add(e.Owner?.Label ?? "?");
        }

        return string.Join(", ", labels);
    }

    /// <summary>How a replay ends early: a repeated state, a crash, or the budget.</summary>
    private sealed class Stop(CriuOutcome outcome, string message) : Exception(message)
    {
        public CriuOutcome Outcome { get; } = outcome;
    }

    private sealed class SimNode
    {
        public SimNode(TopologyNode node, long index)
        {
            Node = node;
            Index = index;
            Mapping = ListEntry<SimNode>.For(this);
        }

        public TopologyNode Node { get; }

        /// <summary>Identity in state hashes, unique over both topologies.</summary>
        public long Index { get; }

        public uint GpuId => Node.GpuId;

        public bool IsGpu => Node.IsGpu;

        public string Label => Node.Label;

        public List<SimLink> Links { get; } = [];

        public uint ValidLinks { get; set; }

        public SimGroup? Group { get; set; }

        /// <summary><c>listm_mapping</c>.</summary>
        public ListEntry<SimNode> Mapping { get; }
    }

    private sealed class SimLink(uint type, uint nodeToId)
    {
        public uint Type { get; } = type;

        public uint NodeToId { get; } = nodeToId;

        public SimNode? NodeTo { get; set; }

        public bool Valid { get; set; }

        public SimLink? Peer { get; set; }
    }

    private sealed class SimGroup
    {
        public SimGroup(string name, long index)
        {
            Name = name;
            Index = index;
            System = ListEntry<SimGroup>.For(this);
        }

        public string Name { get; }

        /// <summary>Identity in state hashes.</summary>
        public long Index { get; }

        public List<SimNode> Members { get; } = [];

        public ListEntry<SimGroup> System { get; }
    }

    private sealed class SimSystem
    {
        public List<SimNode> Nodes { get; } = [];

        public ListEntry<SimGroup> Groups { get; } = ListEntry<SimGroup>.NewHead();

        public int GroupCount { get; set; }

        public IEnumerable<SimGroup> GroupList()
        {
            for (ListEntry<SimGroup>? e = Groups.Next; e is not null && e != Groups; e = e.Next)
            {
                yield return e.Owner!;
            }
        }
    }
}
