using System.Globalization;
using System.Text.Json;

namespace CriuImage.Kernel;

/// <summary>
/// The facts of the restore path that change with kernel and CRIU releases, read from the one data file that
/// holds them with their sources and the date they were checked (src/CriuImage/Kernel/restore-facts.json).
/// The next kernel change is one edit there and a test.
/// </summary>
internal static class RestoreFacts
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
    {
        using Stream stream = typeof(RestoreFacts).Assembly.GetManifestResourceStream("CriuImage.restore-facts.json")
            ?? throw new InvalidOperationException("restore-facts.json is not embedded");
        return JsonDocument.Parse(stream);
    });

    /// <summary>The day the facts were last checked against their sources (YYYY-MM-DD).</summary>
    public static string Checked => Root.GetProperty("checked").GetString()!;

    /// <summary>The kernel line (MAJOR.MINOR) that first has <c>DRM_IOCTL_GEM_CHANGE_HANDLE</c>.</summary>
    public static KernelLevel ChangeHandleAdded => KernelLevel.Parse(ChangeHandle.GetProperty("added").GetString()!)!.Value;

    /// <summary>Per kernel line, the first release whose <c>DRM_IOCTL_GEM_CHANGE_HANDLE</c> is <c>drm_invalid_op</c>, with its source.</summary>
    public static IReadOnlyList<(KernelLevel From, string Source, bool Confirmed)> ChangeHandleRemoved =>
        [.. ChangeHandle.GetProperty("removed").EnumerateArray().Select(r => (KernelLevel.Parse(r.GetProperty("from").GetString()!)!.Value, r.GetProperty("source").GetString()!, r.GetProperty("confirmed").GetBoolean()))];

    /// <summary>The released CRIU versions whose amdgpu plugin restores the released schema (v3.17 .. v4.2).</summary>
    public static IReadOnlyList<string> CriuReleases => [.. Criu.GetProperty("releases").EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>The criu-dev commits that changed the restore path, oldest first, with what each one adds.</summary>
    public static IReadOnlyList<(string Commit, string Adds)> CriuCommits =>
        [.. Criu.GetProperty("commits").EnumerateArray().Select(e => (e.GetProperty("commit").GetString()!, e.GetProperty("adds").GetString()!))];

    /// <summary>The criu-dev commit the facts were checked at.</summary>
    public static string CriuDev => Criu.GetProperty("criu_dev").GetString()!;

    /// <summary>The <c>KFD_CRIU_PRIV_VERSION</c> every kernel line checked has.</summary>
    public static uint KfdPrivVersion => KfdPrivate.GetProperty("version").GetUInt32();

    /// <summary><c>KFD_SIGNAL_EVENT_LIMIT</c>: the event slots of a full event page (8 bytes each) and the bound of a signal event's id.</summary>
    public static uint KfdSignalEventLimit => Root.GetProperty("kernel").GetProperty("kfd_events").GetProperty("signal_event_limit").GetUInt32();

    /// <summary>Per kernel line checked, its <c>MAX_GPU_INSTANCE</c> (the mapped-GPU slots of a BO's private record), with the source.</summary>
    public static IReadOnlyList<(KernelLevel Line, int Slots, string Source)> KfdGpuSlots =>
        [.. KfdPrivate.GetProperty("gpu_slots").EnumerateArray().Select(e => (KernelLevel.Parse(e.GetProperty("line").GetString()!)!.Value, e.GetProperty("slots").GetInt32(), e.GetProperty("source").GetString()!))];

    /// <summary>
    /// Per kernel line checked, what its CRIU_OP RESTORE checks of a queue and of xnack_mode: <c>KFD_QUEUE_TYPE_MAX</c>,
    /// whether the queue's buffers are looked up in the GPU's VM (kfd_queue_acquire_buffers), and the GC versions whose
    /// XNACK mode is per process, and whether a GFX 12 queue's MQD manager can restore it.
    /// </summary>
    public static IReadOnlyList<(KernelLevel Line, uint QueueTypeMax, bool QueueBuffers, IReadOnlyList<string> XnackPerProcess, bool Gfx12RestoreMqd)> KfdQueueLines =>
        [.. KfdQueues.GetProperty("lines").EnumerateArray().Select(e => (KernelLevel.Parse(e.GetProperty("line").GetString()!)!.Value, e.GetProperty("queue_type_max").GetUInt32(),
            e.GetProperty("queue_buffers").GetBoolean(), (IReadOnlyList<string>)[.. e.GetProperty("xnack_per_process").EnumerateArray().Select(v => v.GetString()!)],
            e.GetProperty("gfx12_restore_mqd").GetBoolean()))];

    /// <summary>The MQD sizes of the MQD managers: compute, SDMA, and the SDMA MQD of GFX 10.</summary>
    public static (uint Compute, uint Sdma, uint SdmaGfx10) KfdMqdSizes
    {
        get
        {
            JsonElement m = KfdQueues.GetProperty("mqd_sizes");
            return (m.GetProperty("compute").GetUInt32(), m.GetProperty("sdma").GetUInt32(), m.GetProperty("sdma_gfx10").GetUInt32());
        }
    }

    /// <summary>
    /// The ASICs known by PCI device id: name, GC version, gfx_target_version, XCC count of one whole-GPU KFD node and,
    /// for a partitionable one, its CUs per XCC (0: not partitioned; a node's XCCs are then its CUs / that).
    /// </summary>
    public static IReadOnlyList<(uint DeviceId, string Name, string Gc, uint GfxTargetVersion, uint NumXcc, uint CusPerXcc)> KfdAsics =>
        [.. KfdQueues.GetProperty("asics").EnumerateArray().Select(e => (e.GetProperty("device_id").GetUInt32(), e.GetProperty("name").GetString()!, e.GetProperty("gc").GetString()!,
            e.GetProperty("gfx_target_version").GetUInt32(), e.GetProperty("num_xcc").GetUInt32(), e.TryGetProperty("cus_per_xcc", out JsonElement c) ? c.GetUInt32() : 0u))];

    /// <summary>The facts of kernel.kfd_release_facts, each with its spans of releases (KfdReleaseFacts reads them).</summary>
    public static JsonElement KfdReleaseFacts => Root.GetProperty("kernel").GetProperty("kfd_release_facts").GetProperty("facts");

    private static JsonElement KfdQueues => Root.GetProperty("kernel").GetProperty("kfd_queues");

    private static JsonElement KfdPrivate => Root.GetProperty("kernel").GetProperty("kfd_private_data");

    private static JsonElement Root => Document.Value.RootElement;

    private static JsonElement ChangeHandle => Root.GetProperty("kernel").GetProperty("change_handle");

    private static JsonElement Criu => Root.GetProperty("criu");
}

/// <summary>A kernel release as far as the restore facts need it: line, stable level and release candidate.</summary>
/// <param name="Major">The major number.</param>
/// <param name="Minor">The minor number: with <paramref name="Major"/> the line.</param>
/// <param name="Patch">The stable level; null where the release string hides it (a distribution's <c>6.18.0-1-amd64</c>).</param>
/// <param name="Rc">The release candidate of a mainline <c>-rcN</c>, else null.</param>
public readonly record struct KernelLevel(int Major, int Minor, int? Patch, int? Rc)
{
    /// <summary>
    /// Reads <c>6.18.36</c>, <c>7.1-rc7</c>, <c>7.1.0-rc7</c>, <c>6.18</c>; <c>6.18.0-1-amd64</c> and other
    /// <c>.0</c> releases with a suffix hide their stable level (distributions keep <c>.0</c> in their ABI name
    /// whatever stable level they ship). Null when the string does not begin with MAJOR.MINOR.
    /// </summary>
    public static KernelLevel? Parse(string release)
    {
        ArgumentNullException.ThrowIfNull(release);
        System.Text.RegularExpressions.Match m = System.Text.RegularExpressions.Regex.Match(release, @"^(\d{1,4})\.(\d{1,4})(?:\.(\d{1,6}))?(?![0-9])(.*)$");
        if (!m.Success)
        {
            return null;
        }

        int major = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        int minor = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        string rest = m.Groups[4].Value;
        System.Text.RegularExpressions.Match rc = System.Text.RegularExpressions.Regex.Match(rest, @"^-rc(\d{1,3})(?![0-9])");
        if (rc.Success)
        {
            return new KernelLevel(major, minor, 0, int.Parse(rc.Groups[1].Value, CultureInfo.InvariantCulture));
        }

        if (!m.Groups[3].Success)
        {
            // "6.18" alone is the release 6.18; "6.18-foo" says nothing of its stable level.
            return new KernelLevel(major, minor, rest.Length == 0 ? 0 : null, null);
        }

        int patch = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
        return new KernelLevel(major, minor, patch == 0 && rest.Length > 0 ? null : patch, null);
    }

    /// <summary>True when this release is at or after <paramref name="other"/> of the same line; null when the stable level is hidden.</summary>
    public bool? AtOrAfter(KernelLevel other)
    {
        if (Major != other.Major || Minor != other.Minor)
        {
            return (Major, Minor).CompareTo((other.Major, other.Minor)) > 0;
        }

        if (other.Rc is { } otherRc)
        {
            // A release candidate of the line: the final release and every stable one come after every rc.
            return Rc is not { } rc || rc >= otherRc;
        }

        if (Rc is not null)
        {
            return false;
        }

        return Patch is { } patch ? patch >= other.Patch : null;
    }

    /// <inheritdoc/>
    public override string ToString() => Rc is { } rc ? $"{Major}.{Minor}-rc{rc}" : Patch is { } p ? $"{Major}.{Minor}.{p}" : $"{Major}.{Minor}.?";
}
