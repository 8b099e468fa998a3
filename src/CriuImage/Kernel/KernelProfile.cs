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

    /// <summary>The profile named <paramref name="name"/>; false for an unknown name.</summary>
    public static bool TryParse(string name, out KernelProfile profile)
    {
        profile = All.FirstOrDefault(p => p.Name == name)!;
        return profile is not null;
    }

    /// <summary>
    /// The profile of a kernel release as <c>uname -r</c> prints it (<c>6.18.3</c>, <c>6.8.0-51-generic</c>):
    /// <see cref="Linux6_18"/> from 6.18 on, <see cref="Pre6_18"/> before; null when the release does not
    /// begin with <c>MAJOR.MINOR</c>.
    /// </summary>
    public static KernelProfile? ForRelease(string release)
    {
        ArgumentNullException.ThrowIfNull(release);
        System.Text.RegularExpressions.Match m = System.Text.RegularExpressions.Regex.Match(release, @"^(\d{1,4})\.(\d{1,4})(?![0-9])");
        if (!m.Success)
        {
            return null;
        }

        int major = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        int minor = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        return major > 6 || (major == 6 && minor >= 18) ? Linux6_18 : Pre6_18;
    }

    /// <summary>The default target of an image: the generation that produced its revision.</summary>
    public static KernelProfile For(AbiRevision revision) => revision == AbiRevision.Linux6_18 ? Linux6_18 : Pre6_18;

    /// <inheritdoc/>
    public override string ToString() => Name;
}
