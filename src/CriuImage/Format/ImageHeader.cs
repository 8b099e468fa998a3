using CriuImage.Abi;

namespace CriuImage.Format;

/// <summary>What an image says about itself: where its data came from and how to read the mapping flags.</summary>
public sealed record ImageHeader
{
    /// <summary>The GPU page size amdgpu uses on every ASIC.</summary>
    public const uint DefaultGpuPageSize = 4096;

    /// <summary>Creates a header for data from <paramref name="abi"/>.</summary>
    public ImageHeader(AbiRevision abi, MappingFlagsKind mappingFlags = MappingFlagsKind.Uapi)
    {
        Abi = abi;
        MappingFlags = mappingFlags;
    }

    /// <summary>The kernel interface revision that produced the data.</summary>
    public AbiRevision Abi { get; init; }

    /// <summary>Whether VM bucket flags are uapi <see cref="VmFlags"/> or raw <see cref="PteFlags"/>.</summary>
    public MappingFlagsKind MappingFlags { get; init; }

    /// <summary>GPU page size in bytes: a power of two from 4096 to 2^30.</summary>
    public uint GpuPageSize { get; init; } = DefaultGpuPageSize;

    /// <summary>
    /// The image's 128-bit identity (format 1.1), which every frame commits to, so a frame taken from another
    /// image is detected and two images can be told apart. Null when writing asks <see cref="ImageWriter"/> for
    /// a random one; set it only to reproduce an image byte for byte (as <c>encode</c> does). Null for a 1.0 image read back.
    /// </summary>
    public UInt128? ImageId { get; init; }

    /// <summary>The image id as FORMAT.md and the JSON interchange write it: 32 lower-case hex digits.</summary>
    public static string FormatImageId(UInt128 id) => id.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>What the dumper knew of the device, if anything.</summary>
    public DeviceInfo? Device { get; init; }

    /// <summary>What the dumper knew of the capture, if anything.</summary>
    public CaptureInfo? Capture { get; init; }
}

/// <summary>What a dumper knew of the GPU; every field optional.</summary>
public sealed record DeviceInfo
{
    /// <summary>Bits of the GPU virtual address space assumed when <see cref="VaBits"/> is absent.</summary>
    public const int DefaultVaBits = 48;

    /// <summary>DRM render node minor (renderD128 is 128).</summary>
    public uint? RenderMinor { get; init; }

    /// <summary>PCI vendor id (0x1002 for AMD).</summary>
    public ushort? PciVendorId { get; init; }

    /// <summary>PCI device id.</summary>
    public ushort? PciDeviceId { get; init; }

    /// <summary>GC IP version, needed to decode raw PTE flags.</summary>
    public IpVersion? GcIpVersion { get; init; }

    /// <summary>Bits of the GPU virtual address space, 32 to 64; absent means 48.</summary>
    public byte? VaBits { get; init; }

    /// <summary>The KFD gpu_id of the device, as CRIU records it (<c>criu_render_node.gpu_id</c>); format 1.1.</summary>
    public uint? GpuId { get; init; }
}

/// <summary>What a dumper knew of the capture; every field optional.</summary>
public sealed record CaptureInfo
{
    /// <summary>Capture time in nanoseconds since the Unix epoch (UTC).</summary>
    public ulong? TimeNs { get; init; }

    /// <summary>Process id of the checkpointed process.</summary>
    public uint? Pid { get; init; }

    /// <summary>Name and version of the dumper, at most 256 bytes of UTF-8.</summary>
    public string? Tool { get; init; }

    /// <summary>The id CRIU gave the render-node file (the <c>&lt;id&gt;</c> of <c>amdgpu-renderD-&lt;id&gt;.img</c>); format 1.1.</summary>
    public uint? CriuFileId { get; init; }
}
