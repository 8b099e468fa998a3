using System.Formats.Tar;
using CriuImage.Tests.Support;
using CriuImage.Topology;

namespace CriuImage.Tests.Topology;

/// <summary>Reading a topology the way CRIU's parser does, from a folder, a tar and a host snapshot.</summary>
public sealed class TopologyInputTests : TempFolder
{
    private static string Fixture(string name) => Path.Combine(RepoPaths.Fixtures, "topology", name);

    [Fact]
    public void KernfsOrder_MatchesTheKernelsHashOrder()
    {
        // Derived by hand from fs/kernfs/dir.c kernfs_name_hash (and in shared/reference/criu-topology.md §9).
        Assert.Equal(["1", "2", "0"], KernfsOrder.Sort(["0", "1", "2"]));
        Assert.Equal(["7", "5", "3", "1", "8", "6", "4", "2", "0", "9"], KernfsOrder.Sort([.. Enumerable.Range(0, 10).Select(i => i.ToString())]));
    }

    [Fact]
    public void Folder_IsReadWithCriusRules()
    {
        KfdTopology t = HostTopology.Load(Fixture("gfx1100-2"));
        Assert.Equal([1u, 2u, 0u], t.Nodes.Select(n => n.NodeId));
        TopologyNode gpu = t.Nodes.First(n => n.GpuId == 4672);
        Assert.Equal((192u, 29772u, 2140u, 20u, true, 25753026560UL, 128u), (gpu.SimdCount, gpu.DeviceId, gpu.FwVersion, gpu.SdmaFwVersion, gpu.VramPublic, gpu.VramSize, gpu.DrmRenderMinor));
        Assert.Equal([new TopologyLink(TopologyLink.Pcie, 0)], gpu.Links);
        TopologyNode cpu = t.Nodes.First(n => !n.IsGpu);
        Assert.Equal(96u, cpu.CpuCoresCount);
    }

    [Fact]
    public void Snapshot_RoundTrips_AndKeepsTheRecordedOrder()
    {
        string folder = CopyFixture("mi300x-8");
        string snapshot = Path.Combine(Folder, "host.snapshot");
        using (FileStream file = File.Create(snapshot))
        {
            HostSnapshot.Write(folder, file, "6.8.0-test");
        }

        KfdTopology fromDisk = HostTopology.Load(folder);
        KfdTopology fromSnapshot = HostTopology.Load(snapshot);
        Assert.Equal("6.8.0-test", fromSnapshot.KernelRelease);
        Assert.Equal(fromDisk.Nodes.Select(Describe), fromSnapshot.Nodes.Select(Describe));
        Assert.StartsWith(HostSnapshot.Magic + "\n@ kernel-release 6.8.0-test\n", File.ReadAllText(snapshot), StringComparison.Ordinal);
    }

    [Fact]
    public void Snapshot_Truncated_IsOneClearError()
    {
        string snapshot = Path.Combine(Folder, "host.snapshot");
        using (FileStream file = File.Create(snapshot))
        {
            HostSnapshot.Write(Fixture("gfx1100-2"), file, null);
        }

        byte[] bytes = File.ReadAllBytes(snapshot);
        File.WriteAllBytes(snapshot, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<TopologyFormatException>(() => HostTopology.Load(snapshot));
        Assert.False(e.CriuRefuses);
    }

    [Fact]
    public void Tar_KeepsMemberOrder_AndDropsTheNulPaddingTarAddsToSysfsFiles()
    {
        string tar = Path.Combine(Folder, "host.tar");
        using (FileStream file = File.Create(tar))
        using (var writer = new TarWriter(file))
        {
            foreach (string path in new[] { "topology/", "topology/nodes/", "topology/nodes/2/", "topology/nodes/0/", "topology/nodes/1/" })
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, path));
            }

            string root = Fixture("gfx1100-2");
            foreach (string file2 in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                byte[] content = [.. File.ReadAllBytes(file2), .. new byte[64]];
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "topology/" + Path.GetRelativePath(root, file2).Replace('\\', '/')) { DataStream = new MemoryStream(content) });
            }
        }

        KfdTopology t = HostTopology.Load(tar);
        Assert.Equal([2u, 0u, 1u], t.Nodes.Select(n => n.NodeId));
        Assert.Equal(HostTopology.Load(Fixture("gfx1100-2")).Nodes.OrderBy(n => n.NodeId).Select(Unordered), t.Nodes.OrderBy(n => n.NodeId).Select(Unordered));
    }

    [Theory]
    [InlineData("nodes/1/properties", "cpu_cores_count 0\n\nsimd_count 192\n", "line 2")]
    [InlineData("nodes/1/properties", "cpu_cores_count 0\nsimd_count -\n", "line 2")]
    [InlineData("nodes/1/mem_banks/0/properties", "heap_type 0\nsize_in_bytes 100\n", "Failed to determine memory type")]
    [InlineData("nodes/1/mem_banks/0/properties", "heap_type 1\nsize_in_bytes 0\n", "Failed to determine memory type")]
    public void WhatCriusParserRefuses_IsReportedAsCriuRefusing(string file, string content, string expected)
    {
        string folder = CopyFixture("gfx1100-2");
        File.WriteAllText(Path.Combine(folder, file), content);
        var e = Assert.Throws<TopologyFormatException>(() => HostTopology.Load(folder));
        Assert.True(e.CriuRefuses);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WhatCriusParserPassesOver_IsPassedOver()
    {
        string folder = CopyFixture("gfx1100-2");
        Directory.CreateDirectory(Path.Combine(folder, "nodes", "x"));                                // not numeric
        Directory.CreateDirectory(Path.Combine(folder, "nodes", "7"));                                // no gpu_id
        File.WriteAllText(Path.Combine(folder, "nodes", "2", "gpu_id"), "31013999\n");                // only 6 bytes read
        File.WriteAllText(Path.Combine(folder, "nodes", "0", "properties"), "cpu_cores_count 96\nthis is not read\n"); // a CPU stops after the count
        Directory.CreateDirectory(Path.Combine(folder, "nodes", "1", "io_links", "5"));
        File.WriteAllText(Path.Combine(folder, "nodes", "1", "io_links", "5", "properties"), "type 1\nnode_to 0\n"); // HyperTransport: dropped
        KfdTopology t = HostTopology.Load(folder);
        Assert.Equal([0u, 4672u, 310139u], t.Nodes.Select(n => n.GpuId).Order());
        Assert.Single(t.Nodes.First(n => n.GpuId == 4672).Links);
    }

    private static string Describe(TopologyNode n) =>
        $"{n.NodeId} {n.GpuId} {n.CpuCoresCount} {n.SimdCount} {n.FwVersion} {n.VramSize} {n.DrmRenderMinor} {string.Join(",", n.Links)}";

    private static string Unordered(TopologyNode n) => Describe(new TopologyNode
    {
        NodeId = n.NodeId, GpuId = n.GpuId, CpuCoresCount = n.CpuCoresCount, SimdCount = n.SimdCount, FwVersion = n.FwVersion,
        VramSize = n.VramSize, DrmRenderMinor = n.DrmRenderMinor, Links = [.. n.Links.OrderBy(l => l.NodeTo)],
    });

    private string CopyFixture(string name)
    {
        string source = Fixture(name);
        string target = Path.Combine(Folder, name);
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        return target;
    }
}
