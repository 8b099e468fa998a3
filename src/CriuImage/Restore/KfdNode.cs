using CriuImage.Criu;
using CriuImage.Kernel;

namespace CriuImage.Restore;

/// <summary>
/// What the target kernel knows of one GPU of the process when CRIU_OP RESTORE restores its queues: the ASIC (by the
/// device entry's PCI device id, restore-facts.json <c>kfd_queues.asics</c>) and the sizes
/// kfd_queue_ctx_save_restore_size derives from the node's topology properties (kfd_queue.c:449-487, Linux 6.12.118;
/// :491-527 at 7.2.13, which adds GC 9.5.0). CRIU's GPU matching holds the device id and those properties equal
/// between the dumped GPU and its target (amdgpu_plugin_topology.c:991-1000 at criu-dev 2cf8f13), so the dump's device
/// entry gives the target's.
/// </summary>
/// <param name="Name">The ASIC's product name.</param>
/// <param name="Gc">The GC IP version, as MAJOR*10000 + MINOR*100 + PATCH.</param>
/// <param name="GfxTargetVersion">The node's gfx_target_version.</param>
/// <param name="NumXcc">The XCCs of the node (NUM_XCC of its xcc_mask).</param>
/// <param name="CtlStackSize">node_props.ctl_stack_size.</param>
/// <param name="CwsrSize">node_props.cwsr_size.</param>
/// <param name="DebugMemorySize">node_props.debug_memory_size.</param>
/// <param name="Entry">The device entry.</param>
internal sealed record KfdNode(string Name, uint Gc, uint GfxTargetVersion, uint NumXcc, uint CtlStackSize, uint CwsrSize, uint DebugMemorySize, KfdDeviceEntry Entry)
{
    private const uint Page = 4096;

    /// <summary>node_props.eop_buffer_size: 4096 for every GFX 9 and later node (kfd_queue.c:481-486).</summary>
    public const uint EopBufferSize = 4096;

    /// <summary>The node of a GPU device entry, or null when its ASIC is not one the facts know (then no queue check that needs it is made).</summary>
    public static KfdNode? Of(KfdDeviceEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var asic = RestoreFacts.KfdAsics.FirstOrDefault(a => a.DeviceId == entry.DeviceId);
        if (asic.Name is null || entry.SimdPerCu == 0 || entry.SimdArraysPerEngine == 0)
        {
            return null;
        }

        uint gfxv = asic.GfxTargetVersion;
        // A partition of an MI300X is a node of fewer XCCs: its CUs say how many (restore-facts.json cus_per_xcc).
        uint xcc = asic.CusPerXcc > 0 ? Math.Max(1, entry.SimdCount / entry.SimdPerCu / asic.CusPerXcc) : asic.NumXcc;
        uint cu = entry.SimdCount / entry.SimdPerCu / xcc;
        uint waves = gfxv < 100100 ? Math.Min(cu * 40, entry.ArrayCount / entry.SimdArraysPerEngine * 512) : cu * 32;
        uint vgpr = gfxv is 90402 or 90010 or 90008 or 90500 ? 0x80000u : gfxv is 110000 or 110001 or 110501 or 120000 or 120001 ? 0x60000u : 0x40000u;
        // GC 9.5.0 saves the node's own LDS per CU, every other GFX 9 .. 12.0 node 64 KiB (kfd_get_lds_size_per_cu, kfd_queue.c:455-462 at 7.2.13).
        ulong lds = gfxv == 90500 ? (ulong)entry.LdsSizeInKb << 10 : 0x10000;
        ulong wgData = Align((ulong)cu * (vgpr + 0x4000 + lds + 0x1000));
        ulong ctlStack = Align(40 + (ulong)waves * (gfxv >= 100100 ? 12u : 8u) + 8);
        if (gfxv / 10000 == 10)
        {
            // GFX 10's control stack is held to 0x7000 by the hardware (kfd_queue.c:471-477).
            ctlStack = Math.Min(ctlStack, 0x7000);
        }

        return new(asic.Name, KfdLine.GcVersion(asic.Gc), gfxv, xcc, (uint)ctlStack, (uint)(ctlStack + wgData), (uint)Align((ulong)waves * 32, 64), entry);
    }

    /// <summary>The GC version as the kernel prints it, e.g. 9.4.2.</summary>
    public string GcText => $"{Gc / 10000}.{Gc / 100 % 100}.{Gc % 100}";

    /// <summary>
    /// mqd_size_from_queue_type: the MQD manager of the queue type (compute, HIQ and DIQ: the CP manager's MQD;
    /// the SDMA types: the SDMA MQD), sized by restore-facts.json <c>kfd_queues.mqd_sizes</c>.
    /// </summary>
    public uint MqdSize(bool sdma)
    {
        var sizes = RestoreFacts.KfdMqdSizes;
        return sdma ? (Gc / 10000 == 10 ? sizes.SdmaGfx10 : sizes.Sdma) : sizes.Compute;
    }

    /// <summary>pqm_create_queue's per-device queue limit: 255 on GC 9.4.3, 9.4.4 and 9.5.0, else the HWS limit 127 (kfd_process_queue_manager.c:324-332 at 6.12.118, :331-338 at 7.2.13 with 9.5.0).</summary>
    public int MaxQueues => Gc is 90403 or 90404 or 90500 ? 255 : 127;

    /// <summary>The CWSR area a compute queue's BO must map: (its size + the debug memory) x the XCCs, a whole page (kfd_queue.c:318-326).</summary>
    public ulong CwsrBoSize(uint areaSize) => Align(((ulong)areaSize + DebugMemorySize) * NumXcc);

    internal static ulong Align(ulong value, ulong to = Page) => (value + to - 1) / to * to;
}
