using System.Globalization;
using CriuImage.Kernel;

namespace CriuImage.Restore;

/// <summary>
/// What one kernel line's CRIU_OP RESTORE makes of the private data where the lines differ
/// (restore-facts.json <c>kfd_private_data.gpu_slots</c> and <c>kfd_queues.lines</c>): the BO records' mapped-GPU
/// slots, <c>KFD_QUEUE_TYPE_MAX</c>, whether queue buffers are looked up, the GC versions with XNACK per process,
/// whether a GFX 12 queue can be restored.
/// </summary>
/// <param name="Name">The line, e.g. 6.12.</param>
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
            new KfdLine($"{s.Line.Major}.{s.Line.Minor}", s.Slots, q.QueueTypeMax, q.QueueBuffers, [.. q.XnackPerProcess.Select(GcVersion)], q.Gfx12RestoreMqd))
            .OrderBy(l => l.GpuSlots),
    ]);

    /// <summary>The lines checked, oldest first.</summary>
    public static IReadOnlyList<KfdLine> All => Lines.Value;

    /// <summary>A GC version "9.4.2" as MAJOR*10000 + MINOR*100 + PATCH.</summary>
    public static uint GcVersion(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        uint[] parts = [.. text.Split('.').Select(t => uint.Parse(t, CultureInfo.InvariantCulture))];
        return (parts[0] * 10000) + (parts[1] * 100) + parts[2];
    }
}
