using CriuImage.Criu;
using CriuImage.Kernel;
using CriuImage.Restore;
using CriuImage.Tests.Support;
using Xunit;

namespace CriuImage.Tests;

/// <summary>
/// The ASICs of restore-facts.json <c>kfd_queues.asics</c> the KFD queue restore sizes its checks by: the Instinct MI350X
/// and MI355X (GC 9.5.0, kfd_device.c:351-354 at 7.2.13), and a multi-XCC node's queue as Linux 7.2.13 checkpoints it
/// (one MQD per XCC), which every kernel checked refuses.
/// </summary>
public sealed class KfdAsicTests
{
    private static CriuKfd Kfd(string dump) =>
        CriuFileReader.Lax.ReadKfd(File.ReadAllBytes(CriuFixtures.Path_($"{dump}/amdgpu-kfd-5.img"))).Message;

    /// <summary>The MI300X host's GPU entry with another device id, CU count (4 SIMDs a CU) and LDS.</summary>
    private static KfdDeviceEntry Entry(uint deviceId, uint cus, uint ldsKb)
    {
        KfdDeviceEntry mi300x = Kfd("hosts/mi300x-8").DeviceEntries.First(e => e.IsGpu);
        ulong[] values = [.. Enumerable.Range(1, KfdDeviceEntry.FieldNames.Count).Select(n => n switch
        {
            4 => cus * 4UL, // simd_count
            9 => ldsKb, // lds_size_in_kb
            19 => deviceId, // device_id
            _ => mi300x[n],
        })];
        return new KfdDeviceEntry(values, mi300x.Iolinks);
    }

    [Theory]
    [InlineData(0x75A0u, "Instinct MI350X")]
    [InlineData(0x75A3u, "Instinct MI355X")]
    public void AnMi350SeriesNode_IsSizedAsLinux7_2_13SizesIt(uint deviceId, string name)
    {
        // 256 CUs, 32 per XCC (SPX: 8 XCCs), 160 KiB of LDS, the MI300X's 32 arrays of 1 per engine. kfd_queue.c at 7.2.13:
        // 32 CUs a XCC, min(32 x 40, 32 / 1 x 512) = 1280 waves; a CU saves VGPR 0x80000 + SGPR 0x4000 + its LDS 0x28000 +
        // HWREG 0x1000 = 708,608 bytes (32 CUs: 22,675,456); the control stack 40 + 1280 x 8 + 8 to a page = 12,288.
        KfdNode node = KfdNode.Of(Entry(deviceId, 256, 160))!;
        Assert.NotNull(node);
        Assert.Equal((name, "9.5.0", 90500u, 8u), (node.Name, node.GcText, node.GfxTargetVersion, node.NumXcc));
        Assert.Equal((12_288u, 12_288u + 22_675_456u, 40_960u), (node.CtlStackSize, node.CwsrSize, node.DebugMemorySize));
        Assert.Equal(255, node.MaxQueues);
        // The CWSR BO: (area + debug memory) x 8 XCCs, a whole page.
        Assert.Equal((12_288UL + 22_675_456 + 40_960) * 8, node.CwsrBoSize(node.CwsrSize));
    }

    [Fact]
    public void AnMi355xCpxPartition_IsANodeOfOneXcc()
    {
        KfdNode node = KfdNode.Of(Entry(0x75A3, 32, 160))!;
        Assert.Equal((1u, 12_288u + 22_675_456u), (node.NumXcc, node.CwsrSize));
    }

    [Fact]
    public void TheFacts_TableBothMi350SeriesParts_AndSayWhyGc12_1IsNot()
    {
        var asics = RestoreFacts.KfdAsics.Where(a => a.Gc == "9.5.0").Select(a => (a.DeviceId, a.Name, a.GfxTargetVersion, a.NumXcc, a.CusPerXcc));
        Assert.Equal([(0x75A0u, "Instinct MI350X", 90500u, 8u, 32u), (0x75A3u, "Instinct MI355X", 90500u, 8u, 32u)], asics);
        Assert.DoesNotContain(RestoreFacts.KfdAsics, a => a.Gc.StartsWith("12.1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("6.18.20")]
    [InlineData("6.18.53")]
    [InlineData("7.2.13")]
    [InlineData("7.3.1")]
    public void AQueueCheckpointedPerXccBy7_2_13_IsRefusedByEveryKernel(string? release)
    {
        KernelProfile target = release is null ? KernelProfile.Linux6_18 : KernelProfile.ForRelease(release)!;
        var refusal = KfdPrivateData.Walk(Kfd("damaged/kfd-queue-multi-xcc-mqd"), target);
        Assert.NotNull(refusal);
        Assert.Equal(("queue-mqd-size", 22), (refusal.Check, refusal.Errno));
        Assert.Contains("has an MQD of 16384 bytes", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("one MQD per XCC (8 x 2048), as Linux 7.2.13 checkpoints a queue of a node of 8 XCCs", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OneXccsMqd_OfAnotherSize_IsNotSaidToBePerXcc()
    {
        // damaged/kfd-queue-mqd-size: a single-XCC MI210's SDMA queue with v10's 520-byte MQD.
        var refusal = KfdPrivateData.Walk(Kfd("damaged/kfd-queue-mqd-size"), KernelProfile.Linux6_18)!;
        Assert.Equal("queue-mqd-size", refusal.Check);
        Assert.DoesNotContain("per XCC", refusal.Message, StringComparison.Ordinal);
    }
}
