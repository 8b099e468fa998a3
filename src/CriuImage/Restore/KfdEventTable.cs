using CriuImage.Criu;
using CriuImage.Kernel;
using static CriuImage.Restore.KfdPrivateData;

namespace CriuImage.Restore;

/// <summary>
/// The restored process's events as kfd_criu_restore_event builds them (kfd_events.c, Linux 6.12.118; 6.1.192 and 7.2.13
/// alike): the event page kfd_kmap_event_page maps, the event ids the idr holds (id 0 is taken by kfd_event_init_process,
/// :255) and the signal events counted against the page's slots. restore-facts.json <c>kfd_events</c> holds the sources.
/// </summary>
/// <param name="sizeCheck">Whether the kernel has kfd_event_page_set's size check (8a70a26c9f34); without it a small page is taken (and overrun).</param>
internal sealed class KfdEventTable(bool sizeCheck)
{
    private const string Events = "drivers/gpu/drm/amd/amdkfd/kfd_events.c", Gpuvm = "drivers/gpu/drm/amd/amdgpu/amdgpu_amdkfd_gpuvm.c";
    private const uint FlagUserptr = 1u << 2;
    private readonly HashSet<uint> ids = [0];
    private readonly uint limit = RestoreFacts.KfdSignalEventLimit;
    private ulong mappedSize;
    private ulong signalCount = 1;

    /// <summary>Whether p->signal_page is set: by the event page, or by the first signal event without one.</summary>
    public bool PageSet { get; private set; }

    /// <summary>kfd_kmap_event_page's map of BO <paramref name="index"/>, then kfd_event_page_set's size check.</summary>
    public KfdRefusal? SetPage(KfdBoEntry bo, int index, uint obj)
    {
        if ((bo.AllocFlags & FlagUserptr) != 0)
        {
            return Refuse(EINVAL, "event-page-userptr", 2314, $"event object {obj}'s event page is BO {index}, a userptr BO: 'userptr can't be mapped to kernel'", Gpuvm);
        }

        if (sizeCheck && bo.Size < limit * 8)
        {
            return Refuse(EINVAL, "event-page-size", 337, $"event object {obj}'s event page is BO {index} of {bo.Size} bytes, the kernel needs at least {limit * 8}: 'Event page size {bo.Size} is too small'", Events);
        }

        PageSet = true;
        mappedSize = bo.Size;
        return null;
    }

    /// <summary>create_signal_event with the restored id: the mapped slots, the id limit, the id still free.</summary>
    public KfdRefusal? CreateSignal(uint id, uint obj, ulong start)
    {
        if (mappedSize != 0 && signalCount == mappedSize / 8)
        {
            return Refuse(ENOSPC, "event-count", 202, $"signal event object {obj} (byte {start}) is one more than the {mappedSize / 8} slots the event page maps less id 0: 'limit was reached'", Events);
        }

        if (!PageSet)
        {
            // allocate_event_notification_slot allocates a kernel page of the full limit, of which old user mode maps 256 slots.
            PageSet = true;
            mappedSize = 256 * 8;
        }

        if (id >= limit)
        {
            return Refuse(EINVAL, "event-id-limit", 110, $"signal event object {obj} (byte {start}) has id {id}, KFD_SIGNAL_EVENT_LIMIT is {limit}", Events);
        }

        KfdRefusal? taken = Take(id, obj, start, 113);
        signalCount += taken is null ? 1u : 0u;
        return taken;
    }

    /// <summary>create_other_event with the restored id: the id still free.</summary>
    public KfdRefusal? CreateOther(uint id, uint obj, ulong start) => Take(id, obj, start, 226);

    private KfdRefusal? Take(uint id, uint obj, ulong start, int line) => ids.Add(id) ? null
        : Refuse(ENOSPC, "event-id-taken", line, $"event object {obj} (byte {start}) has id {id}, which {(id == 0 ? "kfd_event_init_process keeps for itself" : "an earlier event has")}: idr_alloc fails", Events);
}
