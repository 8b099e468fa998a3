using System.Reflection;
using CriuImage.Criu;
using CriuImage.Input;
using CriuImage.Tests.Support;
using CriuImage.Topology;

namespace CriuImage.Tests.Topology;

/// <summary>
/// A dump's <c>kfd_device_entry</c>s become CRIU's checkpointed topology as <c>devinfo_to_topology</c> builds it
/// (amdgpu_plugin.c:255-307): on a hand-built KFD image, and on the dumps generated from the topology fixtures,
/// whose topology must be what <see cref="KfdTopology.AsCheckpointed"/> makes of the host they were taken on.
/// </summary>
public sealed class CheckpointTopologyTests
{
    /// <summary>The TopologyNode property each device-entry field fills; the others are ids, links or never used.</summary>
    private static readonly string[] Copied = [.. KfdDeviceEntry.FieldNames.Where(n => n is not ("node_id" or "gpu_id" or "cpu_cores_count" or "gds_size_in_kb"))];

    [Fact]
    public void GpuEntry_FillsEachPropertyFromTheFieldOfItsName()
    {
        // A distinct value per field (its number, times 1000, plus 7); hive_id and vram_size above 32 bits.
        ulong[] values = [.. Enumerable.Range(1, 31).Select(n => (ulong)(n * 1000 + 7))];
        values[1] = 0xBEEF;
        values[2] = 0;
        values[21] = 0x1_2345_6789;
        values[29] = 2;
        values[30] = 0x6_0000_0000;
        KfdTopology t = CheckpointTopology.FromKfd(ParseKfd(KfdImage(2, 0, Entry(values, (11, 3), (2, 0)))));
        TopologyNode gpu = Assert.Single(t.Nodes);
        Assert.True(gpu.IsGpu);
        foreach (string field in Copied)
        {
            PropertyInfo property = typeof(TopologyNode).GetProperty(Pascal(field))!;
            object expected = field == "vram_public" ? true : property.PropertyType == typeof(ulong) ? values[Number(field) - 1] : (object)(uint)values[Number(field) - 1];
            Assert.True(expected.Equals(property.GetValue(gpu)), $"{field}: {property.GetValue(gpu)} instead of {expected}");
        }

        Assert.Equal((1007u, 0xBEEFu, 0u), (gpu.NodeId, gpu.GpuId, gpu.CpuCoresCount));
        Assert.Equal([new TopologyLink(11, 3), new TopologyLink(2, 0)], gpu.Links);
    }

    [Fact]
    public void CpuCoresCount_CopiesOnlyTheIdsTheCountAndTheLinks_AndAGpuIdStillMakesAGpu()
    {
        ulong[] cpu = [.. Enumerable.Range(1, 31).Select(n => (ulong)(n + 100))];
        cpu[1] = 0;
        ulong[] odd = [.. cpu];
        odd[1] = 0x77;
        KfdTopology t = CheckpointTopology.FromKfd(ParseKfd(KfdImage(1, 1, Entry(cpu, (2, 5)), Entry(odd))));
        Assert.Equal([103u, 103u], t.Nodes.Select(n => n.CpuCoresCount));
        Assert.All(t.Nodes, n => Assert.All(Copied, f => Assert.True(IsZero(typeof(TopologyNode).GetProperty(Pascal(f))!.GetValue(n)), $"{f} copied")));
        Assert.Equal([false, true], t.Nodes.Select(n => n.IsGpu));
        Assert.Equal([new TopologyLink(2, 5)], t.Nodes[0].Links);
        Assert.Equal([101u, 101u], t.Nodes.Select(n => n.NodeId));
    }

    [Fact]
    public void TakesTheCountsEntries_InImageOrder()
    {
        ulong[] Gpu(ulong node, ulong id)
        {
            ulong[] v = new ulong[31];
            (v[0], v[1]) = (node, id);
            return v;
        }

        byte[] image = KfdImage(2, 0, Entry(Gpu(3, 30)), Entry(Gpu(1, 10)), Entry(Gpu(2, 20)));
        Assert.Equal([30u, 10u], CheckpointTopology.FromKfd(ParseKfd(image)).Nodes.Select(n => n.GpuId));
        Assert.Equal([30u, 10u, 20u], CheckpointTopology.FromDeviceEntries(ParseKfd(image).DeviceEntries).Nodes.Select(n => n.GpuId));
        Assert.Equal(3, CheckpointTopology.FromKfd(ParseKfd(KfdImage(9, 9, Entry(Gpu(3, 30)), Entry(Gpu(1, 10)), Entry(Gpu(2, 20))))).Nodes.Count);
    }

    [Theory]
    [InlineData("gfx1100-2")]
    [InlineData("mi300x-8")]
    [InlineData("mi210-8")]
    public void GeneratedDump_IsTheCheckpointOfItsHost(string host)
    {
        CriuKfd kfd = ParseKfd(File.ReadAllBytes(Path.Combine(CriuFixtures.Root, "hosts", host, "amdgpu-kfd-5.img")));
        KfdTopology fromDump = CheckpointTopology.FromKfd(kfd);
        KfdTopology fromHost = HostTopology.Load(Path.Combine(RepoPaths.Fixtures, "topology", host)).AsCheckpointed();
        Assert.Equal(fromHost.Nodes.Select(Describe), fromDump.Nodes.Select(Describe));
    }

    [Fact]
    public void CriuDevFixture_HasItsCpuAndTwoGpus()
    {
        KfdTopology t = CheckpointTopology.FromKfd(ParseKfd(File.ReadAllBytes(Path.Combine(CriuFixtures.Root, "criu-dev", "amdgpu-kfd-5.img"))));
        Assert.Equal([0u, 0x1A2Bu, 0xC0DEu], t.Nodes.Select(n => n.GpuId));
        Assert.Equal(16u, t.Nodes[0].CpuCoresCount);
        TopologyNode b = t.Nodes[2];
        Assert.Equal((2250u, 24u, 129u, 24UL << 30, true), (b.FwVersion, b.SdmaFwVersion, b.DrmRenderMinor, b.VramSize, b.VramPublic));
        Assert.Equal([new TopologyLink(TopologyLink.Pcie, 0)], b.Links);
    }

    [Fact]
    public void HostCheckOfADump_GivesOneResultPerKfdImage()
    {
        string folder = Path.Combine(CriuFixtures.Root, "hosts", "gfx1100-2");
        InputSet inputs = DumpInputs.Collect([folder], new InputOptions(), () => Stream.Null);
        CriuDump dump = Assert.Single(InputPlan.Of(inputs).Dumps).Dump;
        HostTarget host = HostTarget.Load(Path.Combine(RepoPaths.Fixtures, "topology", "gfx1100-2-other-ids"), MatchEnvironment.Default, "6.18.2");
        var (file, result) = Assert.Single(HostCheck.Run(dump, host));
        Assert.Equal("amdgpu-kfd-5.img", Path.GetFileName(file.Input.Path));
        Assert.True(result.Restores);
        Assert.Equal([(0x1240u, 9090u), (0x7925u, 1234u)], result.GpuMap.Select(e => (e.SrcGpuId, e.DestGpuId)));
        Assert.Equal(KernelProfile.Linux6_18, host.Profile! with { Kfd = null });
        Assert.Equal("6.18.2", host.Profile!.Kfd!.Release);
    }

    [Theory]
    [InlineData("6.18.3", "6.18")]
    [InlineData("6.18", "6.18")]
    [InlineData("6.19.0-rc2", "6.18")]
    [InlineData("7.0.1", "6.18")]
    [InlineData("6.17.9-arch1-1", "pre-6.18")]
    [InlineData("6.8.0-51-generic", "pre-6.18")]
    [InlineData("5.18.0", "pre-6.18")]
    [InlineData("6.180.1", "6.18")]
    [InlineData("6.1", "pre-6.18")]
    public void KernelRelease_SelectsTheRestoreProfile(string release, string profile) =>
        Assert.Equal(profile, KernelProfile.ForRelease(release)?.Name);

    [Theory]
    [InlineData("")]
    [InlineData("six")]
    [InlineData("6")]
    [InlineData("6.x")]
    [InlineData("v6.18")]
    public void NotAKernelRelease_HasNoProfile(string release) => Assert.Null(KernelProfile.ForRelease(release));

    private static string Describe(TopologyNode n) =>
        string.Join(" ", typeof(TopologyNode).GetProperties().Where(p => p.Name != "Links").Select(p => $"{p.Name}={p.GetValue(n)}")) +
        " links=" + string.Join(",", n.Links.Select(l => $"{l.Type}>{l.NodeTo}"));

    private static bool IsZero(object? value) => value is 0u or 0UL or false;

    private static int Number(string field) => KfdDeviceEntry.FieldNames.ToList().IndexOf(field) + 1;

    private static string Pascal(string field) => string.Concat(field.Split('_').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    private static CriuKfd ParseKfd(byte[] file)
    {
        CriuMessageFile<CriuKfd> read = CriuFileReader.Lax.ReadKfd(file);
        Assert.Empty(read.Problems);
        return read.Message;
    }

    /// <summary>A <c>criu_kfd</c> image by hand: the 8-byte length, then pid, counts and the device entries (fields 1-4), no BO.</summary>
    private static byte[] KfdImage(uint gpus, uint cpus, params byte[][] entries)
    {
        var body = new List<byte>();
        Varint(body, 1, 4242);
        Varint(body, 2, gpus);
        Varint(body, 3, cpus);
        foreach (byte[] entry in entries)
        {
            Bytes(body, 4, entry);
        }

        Varint(body, 5, 0);
        Varint(body, 7, 0);
        Varint(body, 8, 0);
        Varint(body, 9, 0);
        Bytes(body, 10, []);
        return [.. BitConverter.GetBytes((ulong)body.Count), .. body];
    }

    /// <summary>A <c>kfd_device_entry</c>: its 31 scalars as fields 1-31 (protobuf-c writes every required field), then <c>dev_iolink</c>s as field 32.</summary>
    private static byte[] Entry(ulong[] values, params (uint Type, uint To)[] links)
    {
        var entry = new List<byte>();
        for (int i = 0; i < values.Length; i++)
        {
            Varint(entry, i + 1, values[i]);
        }

        foreach ((uint type, uint to) in links)
        {
            var link = new List<byte>();
            Varint(link, 1, type);
            Varint(link, 2, to);
            Bytes(entry, 32, [.. link]);
        }

        return [.. entry];
    }

    private static void Varint(List<byte> to, int field, ulong value)
    {
        Raw(to, (ulong)field << 3);
        Raw(to, value);
    }

    private static void Bytes(List<byte> to, int field, byte[] value)
    {
        Raw(to, ((ulong)field << 3) | 2);
        Raw(to, (ulong)value.Length);
        to.AddRange(value);
    }

    private static void Raw(List<byte> to, ulong value)
    {
        while (value >= 0x80)
        {
            to.Add((byte)(value | 0x80));
            value >>= 7;
        }

        to.Add((byte)value);
    }
}
