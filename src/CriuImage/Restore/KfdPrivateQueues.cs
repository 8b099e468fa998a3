using System.Globalization;
using CriuImage.Criu;
using static CriuImage.Restore.KfdPrivateData;

namespace CriuImage.Restore;

/// <summary>
/// The kernel's restore of one queue object, in its order (Linux 6.12.118): kfd_criu_restore_queue
/// (kfd_process_queue_manager.c:992-1092: the record's room, its GPU, its type, its MQD size for the GPU's ASIC,
/// the MQD and control stack's room), kfd_queue_acquire_buffers (kfd_queue.c:243-339, not in 6.1: the read and
/// write pointers, the ring, the EOP buffer and the CWSR area mapped in the GPU's VM at exactly their sizes, the
/// control stack size the node's), pqm_create_queue (the queue limit, the qid slot, the type) and
/// allocate_sdma_queue (kfd_device_queue_manager.c:1573-1625: the restored SDMA queue id) and create_queue_cpsch (:2013-2016:
/// the MQD manager's restore_mqd, which GFX 12's lacks).
/// </summary>
internal sealed class KfdPrivateQueues(CriuKfd kfd, KfdLine line, KfdQueueVm vm, HashSet<uint> gpus)
{
    private const string Pqm = "drivers/gpu/drm/amd/amdkfd/kfd_process_queue_manager.c", Buffers = "drivers/gpu/drm/amd/amdkfd/kfd_queue.c", Dqm = "drivers/gpu/drm/amd/amdkfd/kfd_device_queue_manager.c";
    private const uint Compute = 0, Sdma = 1, Hiq = 2, MaxQueuesPerProcess = 1024, MesGc = 110000;

    private readonly HashSet<uint> _qids = [];
    private readonly Dictionary<uint, int> _queues = [];
    private readonly HashSet<(uint Gpu, uint Type, uint Id)> _sdmaIds = [];
    private Dictionary<uint, KfdNode?>? _nodes;

    /// <summary>The line whose restore this is.</summary>
    public KfdLine Line => line;

    /// <summary>Where set, gets what the kernel takes but restores otherwise than it was checkpointed.</summary>
    public List<string>? Differs { get; init; }

    public KfdRefusal? Restore(KfdPrivateBytes.Reader p, ref ulong at, uint i)
    {
        ulong size = (ulong)p.Length, start = at;
        if (at + QueuePriv > size)
        {
            return Refuse(EINVAL, "queue-size", 1005, $"queue object {i} at byte {at} needs {QueuePriv} bytes, the private data has {size}", Pqm);
        }

        uint gpu = U32(p, at + 64), type = U32(p, at + 68), mqd = U32(p, at + 112), ctlStack = U32(p, at + 108);
        string q = $"queue object {i} (byte {start})";
        if (!gpus.Contains(gpu))
        {
            return Refuse(EINVAL, "queue-gpu", 1019, $"{q} is on gpu {Gpu(gpu)}, no device of the image", Pqm);
        }

        if (type >= line.QueueTypeMax)
        {
            return Refuse(EINVAL, "queue-type", 1025, $"{q} has queue type {type}, KFD_QUEUE_TYPE_MAX is {line.QueueTypeMax} on Linux {line.Name}", Pqm);
        }

        KfdNode? node = Node(gpu);
        if (node is not null && mqd != node.MqdSize(line.IsSdma(type)))
        {
            uint one = node.MqdSize(line.IsSdma(type));
            string why = node.NumXcc > 1 && mqd == (ulong)one * node.NumXcc ? PerXcc(node, one) : "";
            return Refuse(EINVAL, "queue-mqd-size", 1030, $"{q} has an MQD of {mqd} bytes (byte {start + 112}); gpu {Gpu(gpu)} ({node.Name}, GC {node.GcText}) has {one} for queue type {type}{why}", Pqm);
        }

        ulong extra = (ulong)ctlStack + mqd;
        at += QueuePriv;
        if (at + extra > size)
        {
            return Refuse(EINVAL, "queue-data-size", 1038, $"{q}'s MQD and control stack need {extra} bytes from byte {at}, the private data has {size}", Pqm);
        }

        at += extra;
        return (line.QueueBuffers && node is not null ? Acquire(p, start, q, gpu, type, node) : null) ?? Create(p, start, q, gpu, type);
    }

    private KfdRefusal? Acquire(KfdPrivateBytes.Reader p, ulong start, string q, uint gpu, uint type, KfdNode node)
    {
        ulong ring = U64(p, start + 8), ringSize = U64(p, start + 16), rptr = U64(p, start + 24), wptr = U64(p, start + 32);
        ulong eop = U64(p, start + 48), cwsr = U64(p, start + 56);
        uint format = U32(p, start + 72), eopSize = U32(p, start + 100), cwsrSize = U32(p, start + 104), ctlStack = U32(p, start + 108);
        // AQL queues of GFX 7 and 8 say twice their ring's size (kfd_queue.c:255-262).
        ulong expectedRing = type == Compute && format == 1 && node.GfxTargetVersion is >= 70000 and < 90000 ? ringSize / 2 : ringSize;
        KfdRefusal? refusal = Buffer(p, "queue-wptr", 269, q, "write pointer", gpu, wptr, 4096)
            ?? Buffer(p, "queue-rptr", 273, q, "read pointer", gpu, rptr, 4096)
            ?? Buffer(p, "queue-ring", 277, q, "ring", gpu, ring, expectedRing);
        if (refusal is not null || type != Compute)
        {
            return refusal;
        }

        if (eop != 0)
        {
            if (eopSize < KfdNode.EopBufferSize)
            {
                return Refuse(EINVAL, "queue-eop-size", 288, $"{q}'s EOP buffer has {eopSize} bytes, the node's eop_buffer_size is {KfdNode.EopBufferSize}", Buffers);
            }

            refusal = Buffer(p, "queue-eop", 295, q, "EOP buffer", gpu, eop, KfdNode.Align(eopSize));
            if (refusal is not null)
            {
                return refusal;
            }
        }

        if (ctlStack != node.CtlStackSize)
        {
            string why = ctlStack == 0 && node.GfxTargetVersion >= 100000 ? ": a GFX 10 or later compute queue is checkpointed with none, its MQD manager has no get_checkpoint_info (kfd_device_queue_manager.c:2637-2639)" : "";
            return Refuse(EINVAL, "queue-ctl-stack", 302, $"{q}'s control stack is {ctlStack} bytes, gpu {Gpu(gpu)}'s node ({node.Name}) has ctl_stack_size {node.CtlStackSize}{why}", Buffers);
        }

        if (cwsrSize < node.CwsrSize)
        {
            return Refuse(EINVAL, "queue-cwsr-size", 310, $"{q}'s CWSR area has {cwsrSize} bytes, fewer than the node's cwsr_size {node.CwsrSize}", Buffers);
        }

        // No SVM range exists yet to hold the CWSR area: CRIU_OP RESTORE only stores them, RESUME makes them (kfd_svm.c:4090-4136).
        return Buffer(p, "queue-cwsr", 328, q, "CWSR area", gpu, cwsr, node.CwsrBoSize(cwsrSize));
    }

    private KfdRefusal? Buffer(KfdPrivateBytes.Reader p, string check, int sourceLine, string q, string what, uint gpu, ulong address, ulong expectedSize)
    {
        string? why = vm.Lookup(p, gpu, address, expectedSize);
        return why is null ? null : Refuse(EINVAL, check, sourceLine, string.Create(CultureInfo.InvariantCulture, $"{q}'s {what} at 0x{address:x} needs a mapping of exactly {expectedSize} bytes from there in gpu {Gpu(gpu)}'s VM: {why}"), Buffers);
    }

    private KfdRefusal? Create(KfdPrivateBytes.Reader p, ulong start, string q, uint gpu, uint type)
    {
        uint qid = U32(p, start + 76), sdmaId = U32(p, start + 96);
        int count = _queues.GetValueOrDefault(gpu);
        KfdNode? node = Node(gpu);
        if (node is not null && count >= node.MaxQueues)
        {
            return Refuse(ENOSPC, "queue-count", 352, $"{q} is queue {count + 1} of gpu {Gpu(gpu)}, whose limit is {node.MaxQueues}", Pqm);
        }

        if (qid >= MaxQueuesPerProcess)
        {
            return Refuse(EINVAL, "queue-qid", 50, $"{q} has qid {qid} (byte {start + 76}), KFD_MAX_NUM_OF_QUEUES_PER_PROCESS is {MaxQueuesPerProcess}", Pqm);
        }

        if (!_qids.Add(qid))
        {
            return Refuse(ENOSPC, "queue-qid-taken", 53, $"{q} has qid {qid} (byte {start + 76}), which an earlier queue of the process has", Pqm);
        }

        if (type == Hiq)
        {
            return Refuse(EINVAL, "queue-create-type", 447, $"{q} has queue type {type} (HIQ), which pqm_create_queue does not create", Pqm);
        }

        if (!line.QueueBuffers && line.MesWptr && node is { Gc: >= MesGc })
        {
            return Mes(q, gpu, node);
        }

        if (type == line.SdmaByEngineId && line.WithoutDiq)
        {
            // No kernel checkpoints SDMA_BY_ENG_ID (allocate_sdma_queue turns it into SDMA or SDMA_XGMI), so a 4 here is a
            // DIQ kernel's SDMA_XGMI; set_queue_properties_from_criu sets no engine, so it lands on PCIe SDMA engine 0.
            Differs?.Add($"{q} has queue type {type}, SDMA_XGMI of the kernels with KFD_QUEUE_TYPE_DIQ (6.18 and before), which Linux {line.Name} numbers SDMA_BY_ENG_ID: "
                + "set_queue_properties_from_criu sets no sdma_engine_id, so allocate_sdma_queue (kfd_device_queue_manager.c:1821-1856 at 7.2.13) restores it as a PCIe SDMA queue on engine 0 "
                + $"in its first free slot, not the XGMI engine and SDMA queue id {U32(p, start + 96)} it was checkpointed on");
        }

        if ((type == Sdma || type == line.SdmaXgmi) && node is not null)
        {
            KfdDeviceEntry e = node.Entry;
            uint engines = type == Sdma ? e.NumSdmaEngines : e.NumSdmaXgmiEngines, slots = engines * e.NumSdmaQueuesPerEngine;
            if (sdmaId >= slots)
            {
                return Refuse(EINVAL, "queue-sdma-id", type == Sdma ? 1585 : 1613, $"{q} has SDMA queue id {sdmaId} (byte {start + 96}); gpu {Gpu(gpu)} has {slots} ({engines} engines x {e.NumSdmaQueuesPerEngine})", Dqm);
            }

            if (!_sdmaIds.Add((gpu, type, sdmaId)))
            {
                return Refuse(EBUSY, "queue-sdma-id-taken", type == Sdma ? 1589 : 1617, $"{q} has SDMA queue id {sdmaId} (byte {start + 96}), which an earlier queue of the process holds on gpu {Gpu(gpu)}", Dqm);
            }
        }

        if (node is not null && node.Gc / 10000 == 12 && !line.Gfx12RestoreMqd)
        {
            // Nor can a kernel of this line have written the queue: its GFX 12 MQD managers have no checkpoint_mqd either.
            return Refuse(EOPNOTSUPP, "queue-restore-mqd", 2013, $"{q} is on gpu {Gpu(gpu)} ({node.Name}, GC {node.GcText}), whose MQD manager has no restore_mqd on Linux {line.Name} (nor checkpoint_mqd: no kernel of the line checkpoints such a queue)", Dqm);
        }

        _queues[gpu] = count + 1;
        return null;
    }

    /// <summary>
    /// init_user_queue on a MES GPU (GC 11 and 12, amdgpu_discovery.c:2748-2766 at 7.2.13) when no queue buffer was looked
    /// up: the check of the partial revert refuses it; without the check the kernel dereferences the NULL write pointer BO.
    /// </summary>
    private KfdRefusal Mes(string q, uint gpu, KfdNode node)
    {
        string what = $"{q} is on gpu {Gpu(gpu)} ({node.Name}, GC {node.GcText}), a MES GPU, and the kernel did not look its queue buffers up at restore, so it has no write pointer BO";
        return line.MesQueueCheck
            ? Refuse(EINVAL, "queue-mes-buffers", 268, $"{what}: 'Queue initialization with shared MES requires queue buffers to be initialized'", Pqm, "7.2.13")
            : Refuse(0, "queue-wptr-null", 282, $"{what}: init_user_queue dereferences it (q_properties->wptr_bo->tbo.bdev), a kernel oops; the restoring task dies by it and CRIU aborts the restore ('killed by signal', criu/cr-restore.c:1260-1263)", Pqm) with { Oops = true };
    }

    /// <summary>
    /// Why a multi-XCC node's queue has one MQD per XCC: Linux 7.2.13 checkpoints it so, and no kernel checked restores it
    /// (the restore compares with one MQD manager's size on 6.12.118 and on 7.2.13 alike).
    /// </summary>
    private static string PerXcc(KfdNode node, uint one) =>
        $": one MQD per XCC ({node.NumXcc} x {one}), as Linux 7.2.13 checkpoints a queue of a node of {node.NumXcc} XCCs (get_queue_checkpoint_info, "
        + "kfd_device_queue_manager.c:2958 at 7.2.13), while CRIU_OP RESTORE compares the size with one MQD manager's (kfd_process_queue_manager.c:1023, "
        + "mqd_size_from_queue_type :3870-3873 at 7.2.13): no kernel checked restores a multi-XCC queue that 7.2.13 checkpointed";

    private KfdNode? Node(uint gpu)
    {
        _nodes ??= kfd.DeviceEntries.Where(d => d.IsGpu).GroupBy(d => d.GpuId).ToDictionary(g => g.Key, g => KfdNode.Of(g.First()));
        return _nodes.GetValueOrDefault(gpu);
    }
}
