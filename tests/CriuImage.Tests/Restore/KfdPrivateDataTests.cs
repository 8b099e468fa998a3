using CriuImage.Criu;
using CriuImage.Kernel;
using CriuImage.Restore;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// The C# walk of KFD private data against the fixtures generate.py writes as the kernel's CRIU_OP CHECKPOINT
/// does: each damaged fixture is refused at the check its name says (the same check the restore oracle's fake
/// kernel records for it, tests/restore-oracle/recordings), realistic data is taken, and no bytes make the walk
/// throw.
/// </summary>
public sealed class KfdPrivateDataTests
{
    private static CriuKfd Kfd(string dump) =>
        CriuFileReader.Lax.ReadKfd(File.ReadAllBytes(CriuFixtures.Path_($"{dump}/amdgpu-kfd-5.img"))).Message;

    [Theory]
    [InlineData("damaged/kfd-priv-version", "process-version", 22)]
    [InlineData("damaged/kfd-priv-bo-count", "bos-size", 22)]
    [InlineData("damaged/kfd-priv-size", "total-size", 22)]
    [InlineData("damaged/kfd-priv-object-type", "object-type", 22)]
    [InlineData("damaged/kfd-priv-truncated-object", "event-size", 22)]
    [InlineData("damaged/kfd-priv-object-count", "object-size", 22)]
    [InlineData("damaged/kfd-priv-mapped-gpu", "bo-mapped-gpu", 22)]
    [InlineData("damaged/kfd-queue-type", "queue-type", 22)]
    [InlineData("damaged/kfd-queue-mqd-size", "queue-mqd-size", 22)]
    [InlineData("damaged/kfd-queue-ring", "queue-ring", 22)]
    [InlineData("damaged/kfd-queue-qid", "queue-qid-taken", 28)]
    [InlineData("damaged/kfd-queue-gfx11-ctl-stack", "queue-ctl-stack", 22)]
    [InlineData("damaged/kfd-svm-size", "svm-size", 22)]
    [InlineData("damaged/kfd-xnack-gfx11", "process-xnack", 1)]
    public void ADamagedFixture_IsRefusedAtItsCheck_OnEveryTarget(string dump, string check, int errno)
    {
        foreach (KernelProfile? target in new[] { null, KernelProfile.Pre6_18, KernelProfile.Linux6_18 })
        {
            var refusal = KfdPrivateData.Walk(Kfd(dump), target);
            Assert.NotNull(refusal);
            Assert.Equal((check, errno), (refusal.Check, refusal.Errno));
        }
    }

    [Theory]
    [InlineData("criu-dev")]
    [InlineData("released-v4.2")]
    [InlineData("d5377d5d2")]
    [InlineData("hosts/mi300x-8")]
    [InlineData("damaged/no-contents-bos")]
    [InlineData("criu-dev-queues")]
    public void TheKernelsOwnLayout_IsTaken(string dump) => Assert.Null(KfdPrivateData.Walk(Kfd(dump), KernelProfile.Linux6_18));

    [Fact]
    public void SixteenSlotRecords_AreRefusedBy6_18_AndTakenWhereTheSlotsAreNotKnown()
    {
        // CRIU v3.17's kernels had MAX_GPU_INSTANCE 16 (80-byte BO records); 6.18 reads 272 bytes per BO.
        CriuKfd kfd = Kfd("released-v3.17");
        Assert.Equal("bos-size", KfdPrivateData.Walk(kfd, KernelProfile.Linux6_18)?.Check);
        Assert.Null(KfdPrivateData.Walk(kfd, KernelProfile.Pre6_18));
        Assert.Null(KfdPrivateData.Walk(kfd, null));
        Assert.Null(KfdPrivateData.Walk(kfd, 16));
    }

    [Fact]
    public void TheKernelFacts_GiveTheBoRecordSizes_OfTheKernelsTheFixturesStandFor()
    {
        // restore-facts.json: MAX_GPU_INSTANCE 16 on 6.1, 64 on 6.12, KFD_CRIU_PRIV_VERSION 1 on both.
        Assert.Equal([("6.1", 16), ("6.12", 64)], RestoreFacts.KfdGpuSlots.Select(l => ($"{l.Line.Major}.{l.Line.Minor}", l.Slots)));
        Assert.Equal(1u, RestoreFacts.KfdPrivVersion);
        // Process 8 + 2 devices x 8 + 5 BOs x record + 3 events x 64: 80-byte records for v3.17's kernels, 272 since.
        Assert.Equal(8 + 16 + (5 * 80) + (3 * 64), Kfd("released-v3.17").PrivData.Length);
        Assert.Equal(8 + 16 + (5 * 272) + (3 * 64), Kfd("criu-dev").PrivData.Length);
    }

    [Fact]
    public void TheRefusals_CiteTheKernelLineTheyMirror()
    {
        var refusal = KfdPrivateData.Walk(Kfd("damaged/kfd-priv-version"), KernelProfile.Linux6_18)!;
        Assert.Equal("drivers/gpu/drm/amd/amdkfd/kfd_chardev.c:2183 at Linux 6.12.118", refusal.Source);
        Assert.Contains("its version is 2", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEarlierBoWithTheSameIdrHandleOnItsGpu_IsENOMEM()
    {
        CriuKfd kfd = Kfd("criu-dev");
        byte[] priv = kfd.PrivData.ToArray();
        // BO 1 (GPU 0x1a2b, idr 1) takes BO 0's idr handle 0: the record of BO i starts at 8 + 2 * 8 + i * 272.
        BitConverter.GetBytes(0u).CopyTo(priv, 24 + 272 + 8);
        var refusal = KfdPrivateData.Walk(kfd with { PrivData = priv }, KernelProfile.Linux6_18);
        Assert.Equal(("bo-idr-taken", 12), (refusal?.Check, refusal?.Errno));
    }

    [Fact]
    public void TheQueueBufferChecks_BelongTo6_12_Not6_1()
    {
        // kfd_queue_acquire_buffers came after 6.1: the gfx11 queue's missing control stack and a ring of the
        // wrong size are refused only by a line that looks the buffers up.
        KfdLine line = KfdLine.All[^1], noBuffers = line with { QueueBuffers = false };
        Assert.True(line.QueueBuffers);
        Assert.False(KfdLine.All[0].QueueBuffers);
        foreach (string dump in new[] { "damaged/kfd-queue-gfx11-ctl-stack", "damaged/kfd-queue-ring" })
        {
            Assert.NotNull(KfdPrivateData.WalkLine(Kfd(dump), line));
            Assert.Null(KfdPrivateData.WalkLine(Kfd(dump), noBuffers));
        }
    }

    [Theory]
    [InlineData("criu-dev-queues", 1, "Instinct MI210", 90402u, 36864u, 63508480u, 131072u)]
    [InlineData("criu-dev", 1, "Radeon RX 7900 XT/7900 XTX", 110000u, 40960u, 46047232u, 98304u)]
    [InlineData("hosts/mi300x-8", 1, "Instinct MI300X", 90403u, 12288u, 23203840u, 48640u)]
    public void TheNodeSizes_AreWhatKfdQueueCtxSaveRestoreSizeComputes(string dump, int entry, string name, uint gc, uint ctlStack, uint cwsr, uint debug)
    {
        // By hand from kfd_queue.c:449-487: MI210 104 CUs, 4096 waves x 8 bytes; RX 7900 96 CUs x 32 waves x 12 bytes;
        // MI300X 1216 SIMDs / 4 / 8 XCCs = 38 CUs, 1520 waves.
        KfdNode node = KfdNode.Of(Kfd(dump).DeviceEntries.Where(d => d.IsGpu).ElementAt(entry - 1))!;
        Assert.Equal((name, gc, ctlStack, cwsr, debug), (node.Name, node.Gc, node.CtlStackSize, node.CwsrSize, node.DebugMemorySize));
    }

    [Fact]
    public void Xnack_IsPerProcessOnMi210_AndRefusedOnGfx11()
    {
        // criu-dev-queues has xnack_mode 1 on an MI210 (GC 9.4.2) and is taken; the same byte on gfx1100 is -EPERM.
        CriuKfd queues = Kfd("criu-dev-queues");
        Assert.Equal(1u, BitConverter.ToUInt32(queues.PrivData.Span[4..8]));
        Assert.Null(KfdPrivateData.Walk(queues, KernelProfile.Linux6_18));
        var refusal = KfdPrivateData.Walk(Kfd("damaged/kfd-xnack-gfx11"), KernelProfile.Linux6_18)!;
        Assert.Equal(("EPERM", "drivers/gpu/drm/amd/amdkfd/kfd_chardev.c:2190 at Linux 6.12.118"), (refusal.ErrnoName, refusal.Source));
    }

    [Fact]
    public void NoBytes_MakeTheWalkThrow()
    {
        foreach (CriuKfd kfd in new[] { Kfd("criu-dev"), Kfd("criu-dev-queues") })
        {
            MutateAndWalk(kfd);
        }
    }

    private static void MutateAndWalk(CriuKfd kfd)
    {
        var random = new Random(18);
        for (int i = 0; i < 2000; i++)
        {
            byte[] priv = kfd.PrivData.ToArray();
            int length = random.Next(4) == 0 ? random.Next(priv.Length + 64) : priv.Length;
            Array.Resize(ref priv, length);
            for (int flips = random.Next(1, 8); flips > 0 && length > 0; flips--)
            {
                priv[random.Next(length)] = (byte)random.Next(256);
            }

            CriuKfd mutated = kfd with { PrivData = priv, NumOfObjects = (uint)random.Next(6), NumOfGpus = (uint)random.Next(4) };
            _ = KfdPrivateData.Walk(mutated, KernelProfile.Linux6_18);
            _ = KfdPrivateData.Walk(mutated, null);
        }
    }
}
