using CriuImage.Criu;
using static CriuImage.Restore.KfdPrivateData;

namespace CriuImage.Restore;

/// <summary>
/// The kernel's walk of the objects that follow the BO records, each by its u32 type (criu_restore_objects,
/// kfd_chardev.c:2520-2574, Linux 6.12.118): a queue (KfdPrivateQueues), an event (kfd_events.c kfd_criu_restore_event, and
/// kfd_kmap_event_page for the event page the first one names), an SVM range with 4 + one-per-device attributes
/// (kfd_svm.c kfd_criu_restore_svm); then criu_restore's check that the walk used every byte.
/// </summary>
internal static class KfdPrivateObjects
{
    private const string Events = "drivers/gpu/drm/amd/amdkfd/kfd_events.c", Svm = "drivers/gpu/drm/amd/amdkfd/kfd_svm.c";

    public static KfdRefusal? Walk(CriuKfd kfd, KfdPrivateBytes.Reader p, ulong at, ulong bosAt, ulong boPriv, HashSet<uint> gpus, KfdPrivateQueues queues)
    {
        ulong size = (ulong)p.Length;
        var events = new KfdEventTable(queues.Line.EventPageCheck);
        for (uint i = 0; i < kfd.NumOfObjects; i++)
        {
            if (at + 4 > size)
            {
                return Refuse(EINVAL, "object-size", 2536, $"object {i} of num_of_objects {kfd.NumOfObjects} starts at byte {at}, past the private data's {size} bytes");
            }

            uint type = U32(p, at);
            KfdRefusal? refusal = type switch
            {
                0 => queues.Restore(p, ref at, i),
                1 => Event(kfd, p, ref at, i, bosAt, boPriv, gpus, events),
                2 => Range(kfd, p, ref at, i),
                _ => Refuse(EINVAL, "object-type", 2567, $"object {i} (byte {at}) has type {type}, no kfd_criu_object_type (queue 0, event 1, SVM range 2)"),
            };
            if (refusal is not null)
            {
                return refusal;
            }
        }

        return at == size ? null : Refuse(EINVAL, "total-size", 2617, $"the kernel's walk uses {at} bytes, priv_data_size is {size}");
    }

    private static KfdRefusal? Event(CriuKfd kfd, KfdPrivateBytes.Reader p, ref ulong at, uint i, ulong bosAt, ulong boPriv, HashSet<uint> gpus, KfdEventTable events)
    {
        ulong size = (ulong)p.Length, start = at;
        if (at + EventPriv > size)
        {
            return Refuse(EINVAL, "event-size", 474, $"event object {i} at byte {at} needs {EventPriv} bytes, the private data has {size}", Events);
        }

        ulong userHandle = U64(p, at + 8);
        uint id = U32(p, at + 16), type = U32(p, at + 24);
        at += EventPriv;
        if (id > int.MaxValue)
        {
            return Refuse(EINVAL, "event-id", 486, $"event object {i} (byte {start}) has id {id}, above INT_MAX", Events);
        }

        if (userHandle != 0)
        {
            if (events.PageSet)
            {
                return Refuse(EINVAL, "event-page-set", 367, $"event object {i} (byte {start}) names an event page, and an earlier one did: 'Event page is already set'", Events);
            }

            uint gpu = (uint)(userHandle >> 32), idr = (uint)userHandle;
            if (!gpus.Contains(gpu))
            {
                return Refuse(EINVAL, "event-page-gpu", 373, $"event object {i}'s event page (byte {start + 8}) is on gpu {Gpu(gpu)}, no device of the image", Events);
            }

            int bos = (int)Math.Min(kfd.NumOfBos, (ulong)kfd.BoEntries.Count), b = 0;
            while (b < bos && !(kfd.Bos.At(b).GpuId == gpu && U32(p, bosAt + ((ulong)b * boPriv) + 8) == idr))
            {
                b++;
            }

            if (b == bos)
            {
                return Refuse(EINVAL, "event-page-bo", 385, $"event object {i}'s event page (byte {start + 8}) is idr handle {idr} of gpu {Gpu(gpu)}, which no BO of the image has: 'Can't find BO'", Events);
            }

            KfdRefusal? page = events.SetPage(kfd.Bos.At(b).ToEntry(), b, i);
            if (page is not null)
            {
                return page;
            }
        }

        // KFD_EVENT_TYPE_SIGNAL 0, HW_EXCEPTION 3, DEBUG 5, MEMORY 8 (kfd_events.h); the others are -EINVAL.
        return type switch
        {
            0 or 5 => events.CreateSignal(id, i, start),
            3 or 8 => events.CreateOther(id, i, start),
            _ => Refuse(EINVAL, "event-type", 525, $"event object {i} (byte {start}) has event type {type}, which the restore does not create", Events),
        };
    }

    private static KfdRefusal? Range(CriuKfd kfd, KfdPrivateBytes.Reader p, ref ulong at, uint i)
    {
        ulong length = SvmPriv + ((ulong)SvmAttr * (4 + kfd.NumOfGpus));
        if (at + length > (ulong)p.Length)
        {
            return Refuse(EINVAL, "svm-size", 4120, $"SVM range object {i} at byte {at} needs {length} bytes, the private data has {p.Length}", Svm);
        }

        at += length;
        return null;
    }
}
