using System.Globalization;
using CriuImage.Criu;
using CriuImage.Kernel;

namespace CriuImage.Restore;

/// <summary>
/// What the target kernel's <c>AMDKFD_IOC_CRIU_OP</c> RESTORE makes of a KFD image's private data: the walk of
/// criu_restore (drivers/gpu/drm/amd/amdkfd/kfd_chardev.c:2576-2630, Linux 6.12.118) over the process part,
/// the devices, the BOs and each object by its type, and the errno of the first check that refuses it. Not
/// walked: xnack_mode against the GPUs (-EPERM), each queue (KfdPrivateQueues) and SVM range; what RESUME does with
/// the SVM ranges is KfdSvmResume's (docs/diagnostics.md, CRI340).
/// </summary>
internal static class KfdPrivateData
{
    /// <summary>Sizes of kfd_priv.h's records: process, device, queue, event, SVM range and one SVM attribute.</summary>
    internal const int ProcessPriv = 8, DevicePriv = 8, QueuePriv = 120, EventPriv = 64, SvmPriv = 24, SvmAttr = 8;

    /// <summary>The errnos the walk refuses with.</summary>
    internal const int EINVAL = 22, ENODEV = 19, ENOMEM = 12, EPERM = 1, ENOSPC = 28, EBUSY = 16, EOPNOTSUPP = 95;

    private const string Chardev = "drivers/gpu/drm/amd/amdkfd/kfd_chardev.c";
    private const string Linux = "6.12.118";

    /// <summary>A check of the kernel that refuses the private data.</summary>
    /// <param name="Errno">The errno the ioctl fails with.</param>
    /// <param name="Check">The check's name, as the restore oracle's fake kernel records it.</param>
    /// <param name="Source">The kernel line of the check.</param>
    /// <param name="Message">What it found, at which byte of the private data.</param>
    internal sealed record KfdRefusal(int Errno, string Check, string Source, string Message)
    {
        /// <summary>The errno's symbol.</summary>
        public string ErrnoName => Errno switch { ENODEV => "ENODEV", ENOMEM => "ENOMEM", EPERM => "EPERM", ENOSPC => "ENOSPC", EBUSY => "EBUSY", EOPNOTSUPP => "EOPNOTSUPP", _ => "EINVAL" };

        /// <summary>True when the ioctl never returns: the kernel oopses in it and the calling task dies (<see cref="Errno"/> is 0).</summary>
        public bool Oops { get; init; }

        /// <summary>How the call ends, as the plan and the replay say it: <c>-EINVAL (check)</c> or <c>a kernel oops (check)</c>.</summary>
        public string Outcome => Oops ? $"a kernel oops ({Check})" : $"-{ErrnoName} ({Check})";
    }

    /// <summary>What the target's CRIU_OP RESTORE makes of the private data: a refusal, or, where it depends on facts its release does not say, why.</summary>
    /// <param name="Refusal">The refusal every line the target may be agrees on; null when all take it, or when they disagree.</param>
    /// <param name="Unknown">Why the answer is not known: what each combination of the unsaid facts does; null when known.</param>
    internal sealed record KfdAnswer(KfdRefusal? Refusal, string? Unknown)
    {
        /// <summary>What the kernel takes but restores otherwise than it was checkpointed (CRI342), when it takes the private data.</summary>
        public string? Differs { get; init; }
    }

    /// <summary>
    /// The refusal of the target kernel, or null when it takes the private data. A target whose
    /// <c>MAX_GPU_INSTANCE</c> is not known (before 6.18, or none named) takes what either size of BO record
    /// walks cleanly; a refusal then is the newest kernel's.
    /// </summary>
    public static KfdRefusal? Walk(CriuKfd kfd, KernelProfile? target) => Answer(kfd, target).Refusal;

    /// <summary>
    /// The answer of the target kernel: for a target release (<see cref="KernelProfile.Kfd"/>), the walk of its line with
    /// its facts, once per combination of the facts it does not say; the same refusal (or none) in all is the answer,
    /// else the answer is unknown and says what each does.
    /// </summary>
    public static KfdAnswer Answer(CriuKfd kfd, KernelProfile? target)
    {
        ArgumentNullException.ThrowIfNull(kfd);
        if (KfdLine.ForTarget(target) is not { } variants)
        {
            return new KfdAnswer(LineWalk(kfd, target), null);
        }

        List<string> differs = [];
        List<(string Assumed, KfdRefusal? Refusal)> walks = [.. variants.Select(v => (v.Assumed, WalkLine(kfd, v.Line, v.Line.WithoutDiq ? differs : null)))];
        KfdRefusal? first = walks[0].Refusal;
        if (walks.All(w => w.Refusal?.Check == first?.Check && w.Refusal?.Errno == first?.Errno))
        {
            // Said as certain only where every line the target may be renumbers the queue types; else it is not known.
            bool certain = variants.All(v => v.Line.WithoutDiq);
            return first is not null || differs.Count == 0 ? new KfdAnswer(first, null)
                : certain ? new KfdAnswer(null, null) { Differs = differs[0] }
                : new KfdAnswer(null, $"{target!.Kfd![KfdReleaseFacts.WithoutDiq].Why}. With {KfdReleaseFacts.WithoutDiq}=yes the kernel takes it, but {differs[0]}; with {KfdReleaseFacts.WithoutDiq}=no it restores the queue as checkpointed");
        }

        KfdReleaseFacts facts = target!.Kfd!;
        IEnumerable<string> unsaid = KfdReleaseFacts.Names.Where(n => facts[n].Has is null);
        string each = string.Join("; ", walks.Select(w => $"with {w.Assumed}: {(w.Refusal is { } r ? $"{r.Outcome}, {r.Message} [{r.Source}]" : "it takes the private data")}"));
        return new KfdAnswer(null, $"{string.Join("; ", unsaid.Select(n => facts[n].Why))}. {each}");
    }

    private static KfdRefusal? LineWalk(CriuKfd kfd, KernelProfile? target)
    {
        IReadOnlyList<KfdLine> lines = KfdLine.All;
        KfdLine newest = lines[^1];
        KfdRefusal? refusal = WalkLine(kfd, newest);
        if (refusal is null || target?.Name == KernelProfile.Linux6_18.Name)
        {
            return refusal;
        }

        return lines.Take(lines.Count - 1).Any(l => WalkLine(kfd, l) is null) ? null : refusal;
    }

    /// <summary>The walk of the kernel line whose BO records have <paramref name="gpuSlots"/> mapped-GPU slots.</summary>
    internal static KfdRefusal? Walk(CriuKfd kfd, int gpuSlots) => WalkLine(kfd, KfdLine.All.Last(l => l.GpuSlots == gpuSlots));

    /// <summary>The walk of one kernel line.</summary>
    internal static KfdRefusal? WalkLine(CriuKfd kfd, KfdLine line, List<string>? differs = null)
    {
        KfdPrivateBytes.Reader p = kfd.Private.Open();
        int gpuSlots = line.GpuSlots;
        // CRIU passes the counts as the ioctl's u32 fields (amdgpu_plugin.c:1552, :1602, :2006 at 2cf8f13), so the kernel's products cannot overflow.
        ulong size = (ulong)p.Length, at = 0, devices = kfd.NumOfGpus, bos = (uint)kfd.NumOfBos;
        ulong boPriv = (ulong)((12 + (4 * gpuSlots) + 7) & ~7);
        HashSet<uint> gpus = [.. kfd.DeviceEntries.Where(d => d.IsGpu).Select(d => d.GpuId)];

        if (at + ProcessPriv > size)
        {
            return Refuse(EINVAL, "process-size", 2170, $"the private data has {size} bytes, fewer than the process part's {ProcessPriv}");
        }

        uint version = U32(p, at);
        if (version != RestoreFacts.KfdPrivVersion)
        {
            return Refuse(EINVAL, "process-version", 2183, $"its version is {version}, the kernel's KFD_CRIU_PRIV_VERSION is {RestoreFacts.KfdPrivVersion}");
        }

        if (KfdXnack.Refusal(kfd, U32(p, at + 4), line) is { } xnack)
        {
            return xnack;
        }

        at += ProcessPriv;
        if (at + (devices * DevicePriv) > size)
        {
            return Refuse(EINVAL, "devices-size", 2216, $"{devices} devices need {devices * DevicePriv} bytes from byte {at}, the private data has {size}");
        }

        at += devices * DevicePriv;
        if (at + (bos * boPriv) > size)
        {
            return Refuse(EINVAL, "bos-size", 2457, $"{bos} BOs need {bos * boPriv} bytes ({boPriv} each, MAX_GPU_INSTANCE {gpuSlots}) from byte {at}, the private data has {size}");
        }

        ulong bosAt = at;
        at += bos * boPriv;
        var queues = new KfdPrivateQueues(kfd, line, new KfdQueueVm(kfd, bosAt, boPriv, gpuSlots), gpus) { Differs = differs };
        return KfdPrivateBos.Check(kfd, p, bosAt, boPriv, gpuSlots, gpus) ?? KfdPrivateObjects.Walk(kfd, p, at, bosAt, boPriv, gpus, queues);
    }

    internal static uint U32(KfdPrivateBytes.Reader p, ulong at) => p.U32(at);

    internal static ulong U64(KfdPrivateBytes.Reader p, ulong at) => p.U64(at);

    internal static KfdRefusal Refuse(int errno, string check, int line, string message, string file = Chardev, string release = Linux) =>
        new(errno, check, string.Create(CultureInfo.InvariantCulture, $"{file}:{line} at Linux {release}"), message);

    internal static string Gpu(uint id) => string.Create(CultureInfo.InvariantCulture, $"0x{id:x4}");
}
