using CriuImage.Topology;

namespace CriuImage.Fuzz.Targets;

/// <summary>
/// Targets of a restore target's topology: CRIU's parsing rules on a tar of a topology folder or on a host
/// snapshot (a damaged input, or one CRIU refuses, is a <see cref="TopologyFormatException"/>), then the host
/// check of the host's own checkpoint against it, which matches every GPU property.
/// </summary>
internal static class TopologyTargets
{
    /// <summary>A tar (or .tar.gz) of /sys/class/kfd/kfd/topology.</summary>
    public static FuzzTarget TopologyTar { get; } = new("topology-tar", "TarTree and TopologyParser (CRIU's topology_parse), then HostCheck", nameof(TopologyFormatException), input =>
        Check(() => TarTree.Read(new MemoryStream(input, writable: false), "fuzz.tar")));

    /// <summary>A host snapshot (docs/host-check.md).</summary>
    public static FuzzTarget HostSnapshot { get; } = new("host-snapshot", "HostSnapshot.Read and TopologyParser, then HostCheck", nameof(TopologyFormatException), input =>
        Check(() => Topology.HostSnapshot.Read(input, "fuzz.snapshot")));

    private static void Check(Func<TopologyTree> read)
    {
        KfdTopology host;
        try
        {
            host = TopologyParser.Parse(read());
        }
        catch (TopologyFormatException)
        {
            return;
        }

        _ = HostCheck.Run(host.AsCheckpointed(), host, MatchEnvironment.Default);
    }
}
