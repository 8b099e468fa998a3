using CriuImage.Criu;
using static CriuImage.Restore.KfdPrivateData;

namespace CriuImage.Restore;

/// <summary>
/// The kernel's checks of each BO's private record, in BO order, as criu_restore_bo and
/// criu_restore_memory_of_gpu make them (kfd_chardev.c:2309-2445, Linux 6.12.118): the BO's GPU is a device
/// of the process, its idr handle fits an int and is free on that GPU, and every GPU it was mapped on is one.
/// </summary>
internal static class KfdPrivateBos
{
    public static KfdRefusal? Check(CriuKfd kfd, KfdPrivateBytes.Reader p, ulong bosAt, ulong boPriv, int gpuSlots, HashSet<uint> gpus)
    {
        int bos = (int)Math.Min(kfd.NumOfBos, (ulong)kfd.BoEntries.Count);
        HashSet<ulong>? seen = AnyHandleTwice(kfd, p, bosAt, boPriv, bos) ? [] : null;
        for (int i = 0; i < bos; i++)
        {
            ulong record = bosAt + ((ulong)i * boPriv);
            uint gpu = kfd.Bos.At(i).GpuId, handle = U32(p, record + 8);
            if (!gpus.Contains(gpu))
            {
                return Refuse(ENODEV, "bo-gpu", 2395, $"BO {i} is on gpu {Gpu(gpu)}, no device of the image");
            }

            if (handle > int.MaxValue)
            {
                return Refuse(EINVAL, "bo-idr-handle", 2319, $"BO {i}'s idr handle {handle} (byte {record + 8}) is above INT_MAX");
            }

            if (seen is not null && !seen.Add(((ulong)gpu << 32) | handle))
            {
                return Refuse(ENOMEM, "bo-idr-taken", 2364, $"BO {i}'s idr handle {handle} (byte {record + 8}) is taken by an earlier BO of gpu {Gpu(gpu)}: idr_alloc of exactly it fails");
            }

            // The kernel reads the mapped GPUs up to the first 0, at most one per device of the process.
            for (int j = 0; j < (int)kfd.NumOfGpus && j < gpuSlots; j++)
            {
                uint mapped = U32(p, record + 12 + ((ulong)j * 4));
                if (mapped == 0)
                {
                    break;
                }

                if (!gpus.Contains(mapped))
                {
                    return Refuse(EINVAL, "bo-mapped-gpu", 2414, $"BO {i} was mapped on gpu {Gpu(mapped)} (byte {record + 12 + ((ulong)j * 4)}), no device of the image");
                }
            }
        }

        return null;
    }

    /// <summary>Whether two BOs of one GPU have the same idr handle: a sort, so the in-order walk keeps a set only then.</summary>
    private static bool AnyHandleTwice(CriuKfd kfd, KfdPrivateBytes.Reader p, ulong bosAt, ulong boPriv, int bos)
    {
        var keys = new ulong[bos];
        for (int i = 0; i < bos; i++)
        {
            keys[i] = ((ulong)kfd.Bos.At(i).GpuId << 32) | U32(p, bosAt + ((ulong)i * boPriv) + 8);
        }

        Array.Sort(keys);
        for (int i = 1; i < keys.Length; i++)
        {
            if (keys[i] == keys[i - 1])
            {
                return true;
            }
        }

        return false;
    }
}
