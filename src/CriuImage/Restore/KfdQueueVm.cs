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
    private Dictionary<uint, (ulong Start, ulong Last)[]>? _byGpu;

    /// <summary>
    /// kfd_queue_buffer_get (kfd_queue.c:197-226): a mapping of <paramref name="gpu"/>'s VM holds the page of
    /// <paramref name="address"/>, starts there and, unless <paramref name="expectedSize"/> is under a page, is exactly
    /// that size. The reason it is not, or null.
    /// </summary>
    public string? Lookup(ReadOnlySpan<byte> p, uint gpu, ulong address, ulong expectedSize)
    {
        _byGpu ??= Build(p);
        ulong page = address >> PageShift, pages = expectedSize >> PageShift;
        if (!_byGpu.TryGetValue(gpu, out var mappings))
        {
            return "no BO is mapped on that GPU";
        }

        int i = Array.BinarySearch(mappings, (page, ulong.MaxValue), Comparer<(ulong Start, ulong Last)>.Create((a, b) => a.Start.CompareTo(b.Start)));
        i = i >= 0 ? i : ~i - 1;
        if (i < 0 || mappings[i].Last < page)
        {
            return "no BO is mapped there";
        }

        (ulong start, ulong last) = mappings[i];
        if (start != page || (pages != 0 && page + pages - 1 != last))
        {
            return $"the BO mapped there spans 0x{start << PageShift:x}..0x{((last + 1) << PageShift) - 1:x}";
        }

        return null;
    }

    private Dictionary<uint, (ulong Start, ulong Last)[]> Build(ReadOnlySpan<byte> p)
    {
        var lists = new Dictionary<uint, List<(ulong, ulong)>>();
        int bos = (int)Math.Min(kfd.NumOfBos, (ulong)kfd.BoEntries.Count);
        for (int b = 0; b < bos; b++)
        {
            KfdBoEntry bo = kfd.BoEntries[b];
            ulong record = bosAt + ((ulong)b * boPriv);
            for (int j = 0; j < (int)kfd.NumOfGpus && j < gpuSlots; j++)
            {
                uint mapped = U32(p, record + 12 + ((ulong)j * 4));
                if (mapped == 0)
                {
                    break;
                }

                if (bo.Size > 0)
                {
                    (lists.TryGetValue(mapped, out var list) ? list : lists[mapped] = []).Add((bo.Addr >> PageShift, ((bo.Addr + bo.Size) >> PageShift) - 1));
                }
            }
        }

        return lists.ToDictionary(l => l.Key, l => l.Value.OrderBy(m => m.Item1).ToArray());
    }
}
