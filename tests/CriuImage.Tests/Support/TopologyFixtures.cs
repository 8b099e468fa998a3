using CriuImage.Topology;

namespace CriuImage.Tests.Support;

/// <summary>The topology fixtures (fixtures/topology) and topologies made up for tests.</summary>
internal static class TopologyFixtures
{
    /// <summary>The path of the fixture host <paramref name="name"/>.</summary>
    public static string Path_(string name) => Path.Combine(RepoPaths.Fixtures, "topology", name);

    /// <summary>Copies the fixture host <paramref name="name"/> to <paramref name="destination"/> (created) and returns it.</summary>
    public static string CopyTo(string name, string destination)
    {
        string source = Path_(name);
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        return destination;
    }

    /// <summary><paramref name="gpus"/> identical GPUs without links; the one at <paramref name="oldFirmware"/> (if any) has an older fw_version.</summary>
    public static KfdTopology Identical(int gpus, int oldFirmware) => new([.. Enumerable.Range(0, gpus).Select(i => new TopologyNode
    {
        NodeId = (uint)i + 1,
        GpuId = (uint)i + 100,
        SimdCount = 8,
        VendorId = 4098,
        FwVersion = i == oldFirmware ? 9u : 10u,
        DrmRenderMinor = 128 + (uint)i,
        VramPublic = true,
        VramSize = 1 << 30,
    })]);
}
