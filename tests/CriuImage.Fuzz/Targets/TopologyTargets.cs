using CriuImage.Topology;

namespace CriuImage.Fuzz.Targets;

/// <summary>
/// Targets of a restore target's topology: CRIU's parsing rules on a tar of a topology folder or on a host
/// snapshot, each a file told by its first bytes (a damaged input, or one CRIU refuses, is a
/// <see cref="TopologyFormatException"/>), then the host check of the host's own checkpoint against it, which
/// matches every GPU property. The two differ in their seeds and corpus.
/// </summary>
internal static class TopologyTargets
{
    /// <summary>A tar (or .tar.gz) of /sys/class/kfd/kfd/topology, as a file (the reader seeks in it).</summary>
    public static FuzzTarget TopologyTar { get; } = new("topology-tar", "HostTopology.Load of a file (TarTree, TopologyParser: CRIU's topology_parse), then HostCheck", nameof(TopologyFormatException), Check);

    /// <summary>A host snapshot (docs/host-check.md), as a file.</summary>
    public static FuzzTarget HostSnapshot { get; } = new("host-snapshot", "HostTopology.Load of a file (HostSnapshot.Read, TopologyParser), then HostCheck", nameof(TopologyFormatException), Check);

    /// <summary>Loads <paramref name="input"/> as a file named on the command line would be, and checks the host against its own checkpoint.</summary>
    private static void Check(byte[] input)
    {
        string path = Path.Combine(Path.GetTempPath(), $"criu-image-fuzz-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(path, input);
            KfdTopology host;
            try
            {
                host = HostTopology.Load(path);
            }
            catch (TopologyFormatException)
            {
                return;
            }

            _ = HostCheck.Run(host.AsCheckpointed(), host, MatchEnvironment.Default);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
