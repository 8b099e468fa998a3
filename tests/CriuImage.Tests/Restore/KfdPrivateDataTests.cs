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
    [InlineData("damaged/kfd-event-page-small", "event-page-size", 22)]
    [InlineData("damaged/kfd-queue-type", "queue-type", 22)]
    [InlineData("damaged/kfd-queue-mqd-size", "queue-mqd-size", 22)]
    [InlineData("damaged/kfd-queue-multi-xcc-mqd", "queue-mqd-size", 22)]
    [InlineData("damaged/kfd-queue-ring", "queue-ring", 22)]
    [InlineData("damaged/kfd-queue-qid", "queue-qid-taken", 28)]
    [InlineData("damaged/kfd-queue-gfx11-ctl-stack", "queue-ctl-stack", 22)]
    [InlineData("damaged/kfd-svm-size", "svm-size", 22)]
    [InlineData("damaged/kfd-xnack-gfx11", "process-xnack", 1)]
    [InlineData("damaged/kfd-queue-gfx12-sdma", "queue-restore-mqd", 95)]
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
    public void TheFirstBoOfATakenIdrHandle_IsFound_PastTheKeysHeld()
    {
        // 100,000 BOs: the keys are sorted in runs of 32,768 on disk and merged. BO 90,000 takes BO 5's handle, which
        // sorts first; BO 80,000 takes BO 70,000's, and is the first the kernel meets: the BO refused is the lowest.
        CriuKfd kfd = CriuFileReader.Lax.ReadKfd(KfdImages.WithPrivateData(100_000)).Message;
        byte[] priv = kfd.PrivData.ToArray();
        Assert.Null(KfdPrivateData.Walk(kfd, KernelProfile.Linux6_18));
        BitConverter.GetBytes(5u).CopyTo(priv, 16 + (90_000 * KfdImages.BoPriv) + 8);
        Assert.Contains("BO 90000's idr handle 5 ", KfdPrivateData.Walk(kfd with { PrivData = priv }, KernelProfile.Linux6_18)?.Message, StringComparison.Ordinal);
        BitConverter.GetBytes(70_000u).CopyTo(priv, 16 + (80_000 * KfdImages.BoPriv) + 8);
        var refusal = KfdPrivateData.Walk(kfd with { PrivData = priv }, KernelProfile.Linux6_18);
        Assert.Equal(("bo-idr-taken", 12), (refusal?.Check, refusal?.Errno));
        Assert.Contains("BO 80000's idr handle 70000 ", refusal!.Message, StringComparison.Ordinal);
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
            Assert.Null(KfdPrivateData.WalkLine(Kfd(dump), noBuffers with { MesWptr = false }));
        }

        // Without the lookup, 6.12's init_user_queue reaches a MES GPU's NULL write pointer BO; the MI210 ring fixture has no MES.
        Assert.Equal("queue-wptr-null", KfdPrivateData.WalkLine(Kfd("damaged/kfd-queue-gfx11-ctl-stack"), noBuffers)?.Check);
        Assert.Null(KfdPrivateData.WalkLine(Kfd("damaged/kfd-queue-ring"), noBuffers));
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

    [Theory]
    [InlineData("criu-dev-queues", 0x740C, 440, "Instinct MI250X/MI250", 90402u, 1u, 36864u, 67170304u, 131072u, 67301376ul)]
    [InlineData("hosts/mi300x-8", 0x74A0, 912, "Instinct MI300A", 90403u, 6u, 12288u, 23203840u, 48640u, 139517952ul)]
    [InlineData("criu-dev", 0x747E, 120, "Radeon RX 7700 XT/7800 XT", 110003u, 1u, 24576u, 28778496u, 61440u, 28839936ul)]
    [InlineData("criu-dev", 0x7480, 64, "Radeon RX 7600/7600 XT", 110002u, 1u, 16384u, 11157504u, 32768u, 11190272ul)]
    [InlineData("criu-dev", 0x7550, 128, "Radeon RX 9070/9070 XT", 120001u, 1u, 28672u, 30699520u, 65536u, 30765056ul)]
    [InlineData("criu-dev", 0x7590, 64, "Radeon RX 9060 XT", 120000u, 1u, 16384u, 15351808u, 32768u, 15384576ul)]
    public void TheAddedAsics_HaveTheNodeSizesOfTheKernelsFormula(string dump, int deviceId, int simdCount, string name, uint gc, uint xcc, uint ctlStack, uint cwsr, uint debug, ulong cwsrBo)
    {
        // By hand from kfd_queue.c:449-487 (6.12.118; the same for these GC versions at 7.2.13, :494-527): MI250X's GCD
        // 110 CUs, the MI210's 4096-wave limit; MI300A 228 CUs in 6 XCCs of 38; RX 7800 XT 60 CUs, gfx1101 (VGPR
        // 0x60000); RX 7600 32 CUs, gfx1102 (0x40000: not in the kernel's list); RX 9070 XT 64 and RX 9060 XT 32 CUs
        // (0x60000); RDNA 32 waves per CU, 12 bytes each. The CWSR BO is (cwsr + debug) x XCCs, a whole page.
        KfdDeviceEntry basis = Kfd(dump).DeviceEntries.First(d => d.IsGpu);
        ulong[] values = [.. Enumerable.Range(1, KfdDeviceEntry.FieldNames.Count).Select(n => basis[n])];
        values[Field("device_id")] = (ulong)deviceId;
        values[Field("simd_count")] = (ulong)simdCount;
        KfdNode node = KfdNode.Of(new KfdDeviceEntry(values, basis.Iolinks))!;
        Assert.Equal((name, gc, xcc, ctlStack, cwsr, debug), (node.Name, node.Gc, node.NumXcc, node.CtlStackSize, node.CwsrSize, node.DebugMemorySize));
        Assert.Equal(cwsrBo, node.CwsrBoSize(node.CwsrSize));
    }

    [Fact]
    public void AGfx12Queue_IsRefusedWithEopnotsupp_AfterItsSdmaId_AndNotWhereTheLineRestoresIt()
    {
        // 6.12.118's GFX 12 MQD managers have no restore_mqd: create_queue_cpsch refuses the restored SDMA queue after
        // allocate_sdma_queue took its id; a line whose managers restore it (7.2.13's do) takes the same queue.
        CriuKfd kfd = Kfd("damaged/kfd-queue-gfx12-sdma");
        var refusal = KfdPrivateData.Walk(kfd, KernelProfile.Linux6_18)!;
        Assert.Equal(("EOPNOTSUPP", "drivers/gpu/drm/amd/amdkfd/kfd_device_queue_manager.c:2013 at Linux 6.12.118"), (refusal.ErrnoName, refusal.Source));
        Assert.Contains("RX 9070", refusal.Message, StringComparison.Ordinal);
        Assert.Null(KfdPrivateData.WalkLine(kfd, KfdLine.All[^1] with { Gfx12RestoreMqd = true }));
    }

    [Fact]
    public void TheAsicTables_OfTheFacts_TheGenerator_AndTheFakeKernel_Agree()
    {
        // One ASIC in three places (restore-facts.json for the model, kfd_objects.py for the fixtures, fake_kfd_queue.c
        // for the oracle): each holds the same device ids with the same gfx_target_version, XCCs and CUs per XCC.
        string[] facts = [.. RestoreFacts.KfdAsics.Select(a => $"{a.DeviceId:x4} {a.GfxTargetVersion} {a.NumXcc} {a.CusPerXcc}").Order()];
        string python = File.ReadAllText(Path.Combine(RepoPaths.Root, "fixtures", "criu", "kfd_objects.py"));
        var cus = System.Text.RegularExpressions.Regex.Matches(python[python.IndexOf("CUS_PER_XCC = {", StringComparison.Ordinal)..].Split('\n')[0], @"0x([0-9A-F]{4}): (\d+)")
            .ToDictionary(m => m.Groups[1].Value.ToLowerInvariant(), m => m.Groups[2].Value);
        string asics = python[python.IndexOf("ASICS = {", StringComparison.Ordinal)..python.IndexOf("CUS_PER_XCC", StringComparison.Ordinal)];
        string[] generator = [.. System.Text.RegularExpressions.Regex.Matches(asics, @"0x([0-9A-F]{4}): \((\d+), (\d+)\)")
            .Select(m => $"{m.Groups[1].Value.ToLowerInvariant()} {m.Groups[2].Value} {m.Groups[3].Value} {cus.GetValueOrDefault(m.Groups[1].Value.ToLowerInvariant(), "0")}").Order()];
        string c = File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "restore-oracle", "harness", "fake_kfd_queue.c"));
        string[] fake = [.. System.Text.RegularExpressions.Regex.Matches(c, @"\{ 0x([0-9A-F]{4}), (\d+), \d+, (\d+), (\d+) \}")
            .Select(m => $"{m.Groups[1].Value.ToLowerInvariant()} {m.Groups[2].Value} {m.Groups[3].Value} {m.Groups[4].Value}").Order()];
        Assert.Equal(12, facts.Length);
        Assert.Equal(facts, generator);
        Assert.Equal(facts, fake);
    }

    private static int Field(string name) => KfdDeviceEntry.FieldNames.ToList().IndexOf(name);

    [Fact]
    public void AnMi300xPartition_IsANodeOfFewerXccs_WithTheSameSizesPerXcc()
    {
        // A CPX partition's node has one XCC's 38 CUs (152 SIMDs): kfd_queue_ctx_save_restore_size gives the SPX
        // node's per-XCC sizes, and its CWSR BO is one XCC's (cwsr + debug memory = 23,252,480 bytes, a whole page:
        // 23,252,992), not eight XCCs' (186,019,840).
        KfdDeviceEntry spx = Kfd("hosts/mi300x-8").DeviceEntries.First(d => d.IsGpu);
        ulong[] values = [.. Enumerable.Range(1, KfdDeviceEntry.FieldNames.Count).Select(n => spx[n])];
        values[3] = 152;
        KfdNode whole = KfdNode.Of(spx)!, cpx = KfdNode.Of(new KfdDeviceEntry(values, spx.Iolinks))!;
        Assert.Equal((8u, 1u), (whole.NumXcc, cpx.NumXcc));
        Assert.Equal((whole.CtlStackSize, whole.CwsrSize, whole.DebugMemorySize), (cpx.CtlStackSize, cpx.CwsrSize, cpx.DebugMemorySize));
        Assert.Equal((186_019_840ul, 23_252_992ul), (whole.CwsrBoSize(whole.CwsrSize), cpx.CwsrBoSize(cpx.CwsrSize)));
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
    public void AnSvmRangeOfAnotherGpu_IsTakenByRestore_AndRefusedByResume()
    {
        // kfd_criu_restore_svm only stores the range; kfd_criu_resume_svm's svm_range_check_attr finds no gpu 0xbeef.
        CriuKfd kfd = Kfd("damaged/kfd-svm-gpu");
        foreach (KernelProfile? target in new[] { null, KernelProfile.Pre6_18, KernelProfile.Linux6_18 })
        {
            Assert.Null(KfdPrivateData.Walk(kfd, target));
            var refusal = KfdSvmResume.Refusal(kfd, target);
            Assert.Equal(("svm-attr-gpu", 22, "drivers/gpu/drm/amd/amdkfd/kfd_svm.c:751 at Linux 6.12.118"), (refusal?.Check, refusal?.Errno, refusal?.Source));
        }

        Assert.Null(KfdSvmResume.Refusal(Kfd("criu-dev-queues"), KernelProfile.Linux6_18));
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
