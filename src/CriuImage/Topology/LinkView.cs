namespace CriuImage.Topology;

/// <summary>
/// What <c>topology_determine_iolinks</c> (topology.c:840-897) derives from a topology's links: which links
/// are valid (their peer node exists), which are bi-directional (the peer links back with the same type),
/// how many valid links each node has, and the XGMI hives, built in CRIU's order.
/// </summary>
internal sealed class LinkView
{
    private readonly Dictionary<uint, TopologyNode> _byNodeId = [];

    public LinkView(KfdTopology topology)
    {
        Topology = topology;
        foreach (TopologyNode node in topology.Nodes)
        {
            _byNodeId.TryAdd(node.NodeId, node);
        }

        var hives = new List<List<TopologyNode>>();
        var hiveOf = new Dictionary<TopologyNode, List<TopologyNode>>(ReferenceEqualityComparer.Instance);
        foreach (TopologyNode node in topology.Nodes)
        {
            foreach (TopologyLink link in node.Links)
            {
                if (Peer(link) is not { } peer || link.Type != TopologyLink.Xgmi || !IsBidirectional(node, link))
                {
                    continue;
                }

                List<TopologyNode>? hive = hives.FirstOrDefault(h => h.Any(m => m.GpuId == node.GpuId));
                if (hive is null)
                {
                    hive = [];
                    hives.Add(hive);
                    WellFormed &= hiveOf.TryAdd(node, hive);
                    hive.Add(node);
                }

                if (!hive.Any(m => m.GpuId == peer.GpuId))
                {
                    WellFormed &= hiveOf.TryAdd(peer, hive);
                    hive.Add(peer);
                }
            }
        }

        Hives = hives;
        HiveOf = hiveOf;
    }

    public KfdTopology Topology { get; }

    /// <summary>The XGMI hives in CRIU's order, members in CRIU's order.</summary>
    public IReadOnlyList<List<TopologyNode>> Hives { get; }

    /// <summary>The hive of each hive member.</summary>
    public IReadOnlyDictionary<TopologyNode, List<TopologyNode>> HiveOf { get; }

    /// <summary>False when a node would belong to two hives (CRIU's lists would be corrupted).</summary>
    public bool WellFormed { get; } = true;

    /// <summary>The node a link goes to, or null when the link is invalid.</summary>
    public TopologyNode? Peer(TopologyLink link) => _byNodeId.GetValueOrDefault(link.NodeTo);

    public int ValidLinks(TopologyNode node) => node.Links.Count(l => Peer(l) is not null);

    /// <summary>The peer has a link back of the same type (compared as CRIU's uint8_t).</summary>
    public bool IsBidirectional(TopologyNode node, TopologyLink link) =>
        Peer(link) is { } peer && peer.Links.Any(l => l.NodeTo == node.NodeId && l.Type == (byte)link.Type);

    /// <summary><c>iolink_match</c>: can target link <paramref name="d"/> (in <paramref name="target"/>) stand in for source link <paramref name="s"/>.</summary>
    public bool LinkMatches(TopologyNode sNode, TopologyLink s, LinkView target, TopologyNode dNode, TopologyLink d)
    {
        if (Peer(s) is not { } sTo)
        {
            return true;
        }

        return target.Peer(d) is { } dTo
            && sTo.IsGpu == dTo.IsGpu
            && !(s.Type == TopologyLink.Xgmi && d.Type == TopologyLink.Pcie)
            && !(IsBidirectional(sNode, s) && !target.IsBidirectional(dNode, d));
    }
}
