using CriuImage.Criu;
using static CriuImage.Restore.KfdPrivateData;

namespace CriuImage.Restore;

/// <summary>
/// The GPU VM mappings the restore has made when it reaches the queues: criu_restore_bos has restored every BO and
/// mapped each at its address on every GPU its record names, up to the first 0 and at most one per device
/// (kfd_chardev.c:2407-2430, Linux 6.12.118), one mapping per BO of its whole size. Built on the first lookup.
/// </summary>
internal sealed class KfdQueueVm(CriuKfd kfd, ulong bosAt, ulong boPriv, int gpuSlots)
{
    private const int PageShift = 12;
    private Dictionary<uint, (ulong[] Starts, ulong[] Lasts)>? _byGpu;

    /// <summary>
    /// kfd_queue_buffer_get (kfd_queue.c:197-226): a mapping of <paramref name="gpu"/>'s VM holds the page of
    /// <paramref name="address"/>, starts there and, unless <paramref name="expectedSize"/> is under a page, is exactly
    /// that size. The reason it is not, or null.
    /// </summary>
    public string? Lookup(KfdPrivateBytes.Reader p, uint gpu, ulong address, ulong expectedSize)
    {
        _byGpu ??= Build(p);
        ulong page = address >> PageShift, pages = expectedSize >> PageShift;
        if (!_byGpu.TryGetValue(gpu, out var mappings))
        {
            return "no BO is mapped on that GPU";
        }

        // The last mapping starting at or before the page (mappings of one VM do not overlap).
        int i = Array.BinarySearch(mappings.Starts, page);
        i = i >= 0 ? i : ~i - 1;
        if (i < 0 || mappings.Lasts[i] < page)
        {
            return "no BO is mapped there";
        }

        (ulong start, ulong last) = (mappings.Starts[i], mappings.Lasts[i]);
        if (start != page || (pages != 0 && page + pages - 1 != last))
        {
            return $"the BO mapped there spans 0x{start << PageShift:x}..0x{((last + 1) << PageShift) - 1:x}";
        }

        return null;
    }

    /// <summary>Per GPU, its mappings' first and last pages sorted by the first: counted, then filled into two arrays per GPU (no list, no tuple, no hashing per BO).</summary>
    private Dictionary<uint, (ulong[] Starts, ulong[] Lasts)> Build(KfdPrivateBytes.Reader p)
    {
        uint[] ids = [.. kfd.DeviceEntries.Where(d => d.IsGpu).Select(d => d.GpuId).Distinct()];
        int bos = (int)Math.Min(kfd.NumOfBos, (ulong)kfd.BoEntries.Count);
        int[] counts = new int[ids.Length];
        for (int b = 0; b < bos; b++)
        {
            for (int j = 0; j < MappedOn(p, b); j++)
            {
                counts[GpuIndex(p, ids, b, j)]++;
            }
        }

        ulong[][] starts = [.. counts.Select(c => new ulong[c])], lasts = [.. counts.Select(c => new ulong[c])];
        int[] filled = new int[ids.Length];
        for (int b = 0; b < bos; b++)
        {
            KfdBo bo = kfd.Bos.At(b);
            for (int j = 0; j < MappedOn(p, b); j++)
            {
                int g = GpuIndex(p, ids, b, j);
                starts[g][filled[g]] = bo.Addr >> PageShift;
                lasts[g][filled[g]++] = ((bo.Addr + bo.Size) >> PageShift) - 1;
            }
        }

        var vms = new Dictionary<uint, (ulong[] Starts, ulong[] Lasts)>();
        for (int g = 0; g < ids.Length; g++)
        {
            Array.Sort(starts[g], lasts[g]);
            vms[ids[g]] = (starts[g], lasts[g]);
        }

        return vms;
    }

    /// <summary>The index in <paramref name="ids"/> of the <paramref name="j"/>th GPU BO <paramref name="b"/> is mapped on: every one is a device, the walk refused the others before the queues (bo-mapped-gpu).</summary>
    private int GpuIndex(KfdPrivateBytes.Reader p, uint[] ids, int b, int j) => Array.IndexOf(ids, U32(p, bosAt + ((ulong)b * boPriv) + 12 + ((ulong)j * 4)));

    /// <summary>How many GPUs BO <paramref name="b"/> is mapped on: its record's list up to the first 0, at most one per device; none for an empty BO.</summary>
    private int MappedOn(KfdPrivateBytes.Reader p, int b)
    {
        ulong record = bosAt + ((ulong)b * boPriv);
        int n = 0;
        while (kfd.Bos.At(b).Size > 0 && n < (int)kfd.NumOfGpus && n < gpuSlots && U32(p, record + 12 + ((ulong)n * 4)) != 0)
        {
            n++;
        }

        return n;
    }
}
