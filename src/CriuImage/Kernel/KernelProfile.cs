using CriuImage.Abi;

namespace CriuImage.Kernel;

/// <summary>
/// What the kernel an image is restored on accepts along CRIU's restore path (GEM_CREATE, CHANGE_HANDLE,
/// GEM_MMAP, GEM_VA), and what its GET_MAPPING_INFO reports. Every profile is in <see cref="All"/>; this file
/// is the one place the numbers live (docs/diagnostics.md, "Target kernels", gives their sources).
/// </summary>
public sealed record KernelProfile
{
    /// <summary>
    /// <c>pre-6.18</c>: the kernels the CRIU postings were made against (the criu-2025-06 and criu-v8
    /// revisions). GEM_CREATE accepted an explicit list of flags, 0x114cf; a mapping's flags were hardware
    /// PTE bits.
    /// </summary>
    public static readonly KernelProfile Pre6_18 = new()
    {
        Name = "pre-6.18",
        SettableCreateFlags = (ulong)GemCreateFlags.SettableMaskBefore6_18,
        SpecialDomainAlone = false,
        MappingFlagsReported = MappingFlagsKind.Pte,
        ChangeHandle = false,
        ChangeHandleSource = "DRM_IOCTL_GEM_CHANGE_HANDLE is new in 6.18: drm_ioctl refuses nr 0xd2 >= DRM_CORE_IOCTL_COUNT with -EINVAL",
    };

    /// <summary>
    /// <c>6.18</c>: Linux 6.18 and its stable updates. GEM_CREATE accepts <c>AMDGPU_GEM_CREATE_SETTABLE_MASK</c>
    /// (0x1f6cf) and, with the stable fix <c>amdgpu_gem_are_domains_valid</c>, a special domain only alone;
    /// GET_MAPPING_INFO reports the uapi flags given to GEM_VA.
    /// </summary>
    public static readonly KernelProfile Linux6_18 = new()
    {
        Name = "6.18",
        SettableCreateFlags = (ulong)GemCreateFlags.SettableMaskLinux6_18,
        SpecialDomainAlone = true,
        MappingFlagsReported = MappingFlagsKind.Uapi,
        ChangeHandle = true,
        ChangeHandleSource = "6.18 up to 6.18.35 has DRM_IOCTL_GEM_CHANGE_HANDLE (drm_gem_change_handle_ioctl)",
    };

    /// <summary>Every profile, oldest first.</summary>
    public static IReadOnlyList<KernelProfile> All { get; } = [Pre6_18, Linux6_18];

    /// <summary>The name <c>--target</c> takes: <c>pre-6.18</c> or <c>6.18</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The <c>domain_flags</c> GEM_CREATE accepts; any other bit is -EINVAL.</summary>
    public required ulong SettableCreateFlags { get; init; }

    /// <summary>The <c>domains</c> GEM_CREATE accepts (<c>AMDGPU_GEM_DOMAIN_MASK</c>); any other bit is -EINVAL.</summary>
    public ulong DomainMask { get; init; } = (ulong)GemDomains.Mask;

    /// <summary>True where GEM_CREATE refuses a special domain (GDS, GWS, OA, DOORBELL, MMIO_REMAP) that is not alone.</summary>
    public required bool SpecialDomainAlone { get; init; }

    /// <summary><c>AMDGPU_VA_RESERVED_BOTTOM</c>: GEM_VA refuses a lower address (64 KiB since 6.9).</summary>
    public ulong ReservedBottom { get; init; } = 64 * 1024;

    /// <summary>
    /// <c>AMDGPU_VA_RESERVED_TOP</c>: CSA (2 MiB), SEQ64 (2 MiB) and TRAP (8 KiB); GEM_VA refuses a mapping
    /// that ends within it of the VM's end.
    /// </summary>
    public ulong ReservedTop { get; init; } = (4UL << 20) + (2UL << 12);

    /// <summary>The largest handle CHANGE_HANDLE accepts: handles are positive ints (<c>idr_alloc</c>).</summary>
    public uint MaxHandle { get; init; } = int.MaxValue;

    /// <summary>What GET_MAPPING_INFO of this kernel puts in a mapping's flags.</summary>
    public required MappingFlagsKind MappingFlagsReported { get; init; }

    /// <summary>
    /// True when the kernel serves <c>DRM_IOCTL_GEM_CHANGE_HANDLE</c>, which CRIU calls once per render-node BO;
    /// false where it is refused with -EINVAL (before 6.18, and <c>drm_invalid_op</c> since 7.1-rc7, 7.0.13 and
    /// 6.18.36); null when the release hides the stable level the answer depends on (never guessed).
    /// </summary>
    public required bool? ChangeHandle { get; init; }

    /// <summary>Why <see cref="ChangeHandle"/> is what it is, with its source (restore-facts.json).</summary>
    public required string ChangeHandleSource { get; init; }

    /// <summary>
    /// What the release's CRIU_OP RESTORE does where releases of a line differ (queue buffers, the MES queue check,
    /// the queue type numbers, the event page check); null for a profile named without a release, whose KFD restore is
    /// the model of its line (6.12.118's checks for 6.18).
    /// </summary>
    internal KfdReleaseFacts? Kfd { get; init; }

    /// <summary>
    /// The release the profile was chosen by (<see cref="ForRelease"/>), as given (<c>6.18.36</c>); null for a profile named
    /// without one. Reports name the target by it: the profile's <see cref="Name"/> is its line's model, not the release.
    /// </summary>
    internal string? Release { get; init; }

    /// <summary>How findings name the target kernel: <c>kernel 6.18.36</c> for a release, else <c>profile 6.18</c>.</summary>
    internal string Said => Release is { } release ? $"kernel {release}" : $"profile {Name}";

    /// <summary>How plans name the kernel their calls are made on: <c>6.18.36 (profile 6.18)</c> for a release, else <c>6.18</c>.</summary>
    internal string Named => Release is { } release ? $"{release} (profile {Name})" : Name;

    /// <summary>The profile named <paramref name="name"/>; false for an unknown name.</summary>
    public static bool TryParse(string name, out KernelProfile profile)
    {
        profile = All.FirstOrDefault(p => p.Name == name)!;
        return profile is not null;
    }

    /// <summary>
    /// The profile of a kernel release as <c>uname -r</c> prints it (<c>6.18.3</c>, <c>6.8.0-51-generic</c>,
    /// <c>7.1.0-rc7</c>): <see cref="Pre6_18"/> before 6.18, else <see cref="Linux6_18"/> with what the release
    /// says of <c>DRM_IOCTL_GEM_CHANGE_HANDLE</c> (<see cref="RestoreFacts.ChangeHandleRemoved"/>); null when the
    /// release does not begin with <c>MAJOR.MINOR</c>.
    /// </summary>
    public static KernelProfile? ForRelease(string release)
    {
        ArgumentNullException.ThrowIfNull(release);
        if (KernelLevel.Parse(release) is not { } level)
        {
            return null;
        }

        KernelLevel added = RestoreFacts.ChangeHandleAdded;
        if ((level.Major, level.Minor).CompareTo((added.Major, added.Minor)) < 0)
        {
            return Pre6_18 with { Kfd = KfdReleaseFacts.For(level), Release = release };
        }

        (bool? has, string why) = ChangeHandleOf(level);
        return Linux6_18 with { ChangeHandle = has, ChangeHandleSource = why, Kfd = KfdReleaseFacts.For(level), Release = release };
    }

    /// <summary>The profile with what the user states of the target kernel, and where it was stated (<paramref name="source"/> becomes <see cref="ChangeHandleSource"/>).</summary>
    public KernelProfile WithChangeHandle(bool has, string source) => this with { ChangeHandle = has, ChangeHandleSource = source };

    /// <summary>
    /// The profile with a KFD restore fact (<see cref="KfdReleaseFacts.Names"/>) the user states of the target kernel; a
    /// profile without a release starts from its line's model (6.12.118's facts).
    /// </summary>
    internal KernelProfile WithKfdFact(string fact, bool has, string source) =>
        this with { Kfd = (Kfd ?? KfdReleaseFacts.For(LineModel)).With(fact, has, source) };

    /// <summary>The release whose KFD restore the model of a profile without a release is: 6.12.118, read whole.</summary>
    internal static KernelLevel LineModel => new(6, 12, 118, null);

    private static (bool? Has, string Why) ChangeHandleOf(KernelLevel level)
    {
        var removals = RestoreFacts.ChangeHandleRemoved;
        foreach ((KernelLevel from, string source, bool confirmed) in removals)
        {
            if (from.Major != level.Major || from.Minor != level.Minor)
            {
                continue;
            }

            string where = $"DRM_IOCTL_GEM_CHANGE_HANDLE is drm_invalid_op (-EINVAL) from {from} on{(confirmed ? "" : " (not confirmed against the tag)")}: {source}";
            return level.AtOrAfter(from) switch
            {
                true => (false, $"{level}: {where}"),
                false => (true, $"{level} is before {from}, where {where}"),
                null => (null, $"{level} hides its stable level, and {where}"),
            };
        }

        // A line after every line the removal reached inherits it from mainline; a line between keeps the ioctl.
        KernelLevel newest = removals.MaxBy(r => (r.From.Major, r.From.Minor)).From;
        return level.AtOrAfter(newest) == true
            ? (false, $"{level} is after {newest}, where DRM_IOCTL_GEM_CHANGE_HANDLE became drm_invalid_op (-EINVAL)")
            : (true, $"{level}: no removal of DRM_IOCTL_GEM_CHANGE_HANDLE is known for the {level.Major}.{level.Minor} line (restore-facts.json, checked {RestoreFacts.Checked})");
    }

    /// <summary>The default target of an image: the generation that produced its revision.</summary>
    public static KernelProfile For(AbiRevision revision) => revision == AbiRevision.Linux6_18 ? Linux6_18 : Pre6_18;

    /// <summary>Profiles are equal when they refuse the same calls: <see cref="ChangeHandleSource"/> only explains.</summary>
    public bool Equals(KernelProfile? other) => other is not null && Name == other.Name && SettableCreateFlags == other.SettableCreateFlags
        && DomainMask == other.DomainMask && SpecialDomainAlone == other.SpecialDomainAlone && ReservedBottom == other.ReservedBottom
        && ReservedTop == other.ReservedTop && MaxHandle == other.MaxHandle && MappingFlagsReported == other.MappingFlagsReported && ChangeHandle == other.ChangeHandle && Equals(Kfd, other.Kfd);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, SettableCreateFlags, ChangeHandle);

    /// <inheritdoc/>
    public override string ToString() => Name;
}
