using CriuImage.Criu;
using static CriuImage.Restore.KfdPrivateData;

namespace CriuImage.Restore;

/// <summary>
/// criu_restore_process's xnack check (kfd_chardev.c:2190-2193, Linux 6.12.118; :2102 on 6.1.192): a process
/// checkpointed with XNACK on is restored only if kfd_process_xnack_mode(p, true) finds every GPU can run it
/// (kfd_process.c:1453-1504): GPUs before GFX 9.0.1 do not count, those with XNACK per process (the line's list)
/// can, GFX 10.1.1 and later cannot; another GFX 9 GPU can only with the amdgpu.noretry=0 the target booted with,
/// which no dump says, so it is not held against the dump. A GPU whose ASIC the facts do not know is not either.
/// </summary>
internal static class KfdXnack
{
    private const uint Soc15 = 90001, NoXnackFrom = 100101;

    public static KfdRefusal? Refusal(CriuKfd kfd, uint xnackMode, KfdLine line)
    {
        if (xnackMode == 0)
        {
            return null;
        }

        foreach (KfdDeviceEntry entry in kfd.DeviceEntries.Where(d => d.IsGpu))
        {
            KfdNode? node = KfdNode.Of(entry);
            if (node is null || node.Gc < Soc15 || line.XnackPerProcess.Contains(node.Gc))
            {
                continue;
            }

            if (node.Gc >= NoXnackFrom)
            {
                return Refuse(EPERM, "process-xnack", 2190, $"xnack_mode is {xnackMode} (byte 4), and gpu {Gpu(entry.GpuId)} ({node.Name}, GC {node.GcText}) cannot run XNACK on: GFX 10.1.1 and later do not (kfd_process.c:1497)");
            }
        }

        return null;
    }
}
