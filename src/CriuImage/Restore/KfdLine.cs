using System.Globalization;
using CriuImage.Kernel;

namespace CriuImage.Restore;

/// <summary>
/// What one kernel line's CRIU_OP RESTORE makes of the private data where the lines differ
/// (restore-facts.json <c>kfd_private_data.gpu_slots</c> and <c>kfd_queues.lines</c>): the BO records' mapped-GPU
/// slots, <c>KFD_QUEUE_TYPE_MAX</c>, whether queue buffers are looked up, the GC versions with XNACK per process,
/// whether a GFX 12 queue can be restored; for a target release, its answers to <see cref="KfdReleaseFacts"/>.
/// </summary>
/// <param name="Name">The line, e.g. 6.12, or the release the line stands for.</param>
/// <param name="GpuSlots">MAX_GPU_INSTANCE.</param>
/// <param name="QueueTypeMax">KFD_QUEUE_TYPE_MAX.</param>
/// <param name="QueueBuffers">Whether kfd_criu_restore_queue calls kfd_queue_acquire_buffers.</param>
/// <param name="XnackPerProcess">The GC versions (MAJOR*10000 + MINOR*100 + PATCH) kfd_process_xnack_mode lets choose XNACK per process.</param>
/// <param name="Gfx12RestoreMqd">Whether the GFX 12 MQD managers have restore_mqd (create_queue_cpsch refuses a restored queue without it).</param>
internal sealed record KfdLine(string Name, int GpuSlots, uint QueueTypeMax, bool QueueBuffers, IReadOnlyList<uint> XnackPerProcess, bool Gfx12RestoreMqd)
{
    private static readonly Lazy<IReadOnlyList<KfdLine>> Lines = new(() =>
    [
        .. RestoreFacts.KfdGpuSlots.Join(RestoreFacts.KfdQueueLines, s => (s.Line.Major, s.Line.Minor), q => (q.Line.Major, q.Line.Minor), (s, q) =>
            new KfdLine($"{s.Line.Major}.{s.Line.Minor}", s.Slots, q.QueueTypeMax, q.QueueBuffers, [.. q.XnackPerProcess.Select(GcVersion)], q.Gfx12RestoreMqd)
            {
                MesWptr = (s.Line.Major, s.Line.Minor).CompareTo((6, 12)) >= 0,
            })
            .OrderBy(l => l.GpuSlots),
    ]);

    /// <summary>The lines checked, oldest first.</summary>
    public static IReadOnlyList<KfdLine> All => Lines.Value;

    /// <summary>init_user_queue needs a MES GPU's write pointer BO (6.12 on; 6.1 only stores the one it is given).</summary>
    public bool MesWptr { get; init; }

    /// <summary>init_user_queue refuses a MES GPU's queue whose write pointer BO was not looked up (-EINVAL) instead of dereferencing it.</summary>
    public bool MesQueueCheck { get; init; }

    /// <summary>KFD_QUEUE_TYPE_DIQ is gone: SDMA_XGMI is 3 and SDMA_BY_ENG_ID 4.</summary>
    public bool WithoutDiq { get; init; }

    /// <summary>kfd_event_page_set refuses an event page under 32 KiB.</summary>
    public bool EventPageCheck { get; init; } = true;

    /// <summary>KFD_QUEUE_TYPE_SDMA_XGMI on this line.</summary>
    public uint SdmaXgmi => WithoutDiq ? 3u : 4u;

    /// <summary>KFD_QUEUE_TYPE_SDMA_BY_ENG_ID on this line.</summary>
    public uint SdmaByEngineId => WithoutDiq ? 4u : 5u;

    /// <summary>Whether queue type <paramref name="type"/> is one of SDMA's on this line.</summary>
    public bool IsSdma(uint type) => type == 1 || type == SdmaXgmi || type == SdmaByEngineId;

    /// <summary>
    /// The lines a target release may be, one per combination of the facts its release does not say (one line when it
    /// says them all), each with those facts named; null for a target without KFD facts or a release before 6.18, whose
    /// KFD restore is the model of its lines.
    /// </summary>
    public static IReadOnlyList<(KfdLine Line, string Assumed)>? ForTarget(KernelProfile? target)
    {
        if (target?.Kfd is not { } facts)
        {
            return null;
        }

        KernelLevel level = KernelLevel.Parse(facts.Release) ?? KernelProfile.LineModel;
        // Before 6.18 the profile keeps its lines' model: the facts are read per release from 6.18 on.
        KernelLevel added = RestoreFacts.ChangeHandleAdded;
        return (level.Major, level.Minor).CompareTo((added.Major, added.Minor)) < 0 && target.Name != KernelProfile.Linux6_18.Name ? null : ForFacts(facts, Base(level));
    }

    private static IReadOnlyList<(KfdLine, string)> ForFacts(KfdReleaseFacts facts, KfdLine line)
    {
        List<(KfdLine, string)> lines = [(line, "")];
        foreach (string fact in KfdReleaseFacts.Names)
        {
            (bool? has, _) = facts[fact];
            bool[] values = has is { } known ? [known] : [true, false];
            lines = [.. lines.SelectMany(l => values.Select(v => (With(l.Item1, fact, v), has is null ? $"{l.Item2}{(l.Item2.Length > 0 ? ", " : "")}{fact}={(v ? "yes" : "no")}" : l.Item2)))];
        }

        return lines;
    }

    private static KfdLine With(KfdLine line, string fact, bool has) => fact switch
    {
        KfdReleaseFacts.QueueBuffers => line with { QueueBuffers = has },
        KfdReleaseFacts.MesQueueCheck => line with { MesQueueCheck = has },
        KfdReleaseFacts.EventPageCheck => line with { EventPageCheck = has },
        // The numbers after HIQ move down by one without DIQ; a line that never had SDMA_BY_ENG_ID (6.1) has no DIQ to lose.
        _ => line.WithoutDiq == has ? line : line with { WithoutDiq = has, QueueTypeMax = has ? line.QueueTypeMax - 1 : line.QueueTypeMax + 1 },
    };

    // The newest checked line at or before the release's (6.12 for 6.12 .. 7.1, 7.2 on), with the newest line's BO record slots.
    private static KfdLine Base(KernelLevel level)
    {
        var queues = RestoreFacts.KfdQueueLines.Where(q => (q.Line.Major, q.Line.Minor).CompareTo((level.Major, level.Minor)) <= 0).MaxBy(q => (q.Line.Major, q.Line.Minor));
        bool withoutDiq = KfdReleaseFacts.For(queues.Line)[KfdReleaseFacts.WithoutDiq].Has == true;
        return new KfdLine($"{level}", All[^1].GpuSlots, queues.QueueTypeMax, queues.QueueBuffers, [.. queues.XnackPerProcess.Select(GcVersion)], queues.Gfx12RestoreMqd) { WithoutDiq = withoutDiq, MesWptr = true };
    }

    /// <summary>A GC version "9.4.2" as MAJOR*10000 + MINOR*100 + PATCH.</summary>
    public static uint GcVersion(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        uint[] parts = [.. text.Split('.').Select(t => uint.Parse(t, CultureInfo.InvariantCulture))];
        return (parts[0] * 10000) + (parts[1] * 100) + parts[2];
    }
}
