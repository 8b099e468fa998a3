using System.Globalization;
using CriuImage.Abi;
using CriuImage.IO;

namespace CriuImage.Reporting;

/// <summary>
/// Flag words as the kernel's macros name them, without their prefix (<c>AMDGPU_GEM_DOMAIN_</c>,
/// <c>AMDGPU_GEM_CREATE_</c>, <c>AMDGPU_VM_</c>, <c>AMDGPU_PTE_</c>): <c>CPU_ACCESS_REQUIRED|VRAM_CLEARED</c>.
/// Bits without a name are kept as one hexadecimal remainder, so nothing is hidden.
/// </summary>
internal static class FlagNames
{
    private static readonly (ulong Bit, string Name)[] Domains =
    [
        ((ulong)GemDomains.Cpu, "CPU"), ((ulong)GemDomains.Gtt, "GTT"), ((ulong)GemDomains.Vram, "VRAM"), ((ulong)GemDomains.Gds, "GDS"),
        ((ulong)GemDomains.Gws, "GWS"), ((ulong)GemDomains.Oa, "OA"), ((ulong)GemDomains.Doorbell, "DOORBELL"), ((ulong)GemDomains.MmioRemap, "MMIO_REMAP"),
    ];

    private static readonly (ulong Bit, string Name)[] Create =
    [
        ((ulong)GemCreateFlags.CpuAccessRequired, "CPU_ACCESS_REQUIRED"), ((ulong)GemCreateFlags.NoCpuAccess, "NO_CPU_ACCESS"),
        ((ulong)GemCreateFlags.CpuGttUswc, "CPU_GTT_USWC"), ((ulong)GemCreateFlags.VramCleared, "VRAM_CLEARED"),
        ((ulong)GemCreateFlags.VramContiguous, "VRAM_CONTIGUOUS"), ((ulong)GemCreateFlags.VmAlwaysValid, "VM_ALWAYS_VALID"),
        ((ulong)GemCreateFlags.ExplicitSync, "EXPLICIT_SYNC"), ((ulong)GemCreateFlags.CpMqdGfx9, "CP_MQD_GFX9"),
        ((ulong)GemCreateFlags.VramWipeOnRelease, "VRAM_WIPE_ON_RELEASE"), ((ulong)GemCreateFlags.Encrypted, "ENCRYPTED"),
        ((ulong)GemCreateFlags.Preemptible, "PREEMPTIBLE"), ((ulong)GemCreateFlags.Discardable, "DISCARDABLE"),
        ((ulong)GemCreateFlags.Coherent, "COHERENT"), ((ulong)GemCreateFlags.Uncached, "UNCACHED"),
        ((ulong)GemCreateFlags.ExtCoherent, "EXT_COHERENT"), ((ulong)GemCreateFlags.Gfx12Dcc, "GFX12_DCC"),
    ];

    private static readonly (ulong Bit, string Name)[] Vm =
    [
        ((ulong)VmFlags.DelayUpdate, "DELAY_UPDATE"), ((ulong)VmFlags.PageReadable, "READABLE"), ((ulong)VmFlags.PageWriteable, "WRITEABLE"),
        ((ulong)VmFlags.PageExecutable, "EXECUTABLE"), ((ulong)VmFlags.PagePrt, "PRT"), ((ulong)VmFlags.PageNoalloc, "NOALLOC"),
    ];

    private static readonly (ulong Bit, string Name)[] Pte =
    [
        ((ulong)PteFlags.Valid, "VALID"), ((ulong)PteFlags.System, "SYSTEM"), ((ulong)PteFlags.Snooped, "SNOOPED"), ((ulong)PteFlags.Tmz, "TMZ"),
        ((ulong)PteFlags.Executable, "EXECUTABLE"), ((ulong)PteFlags.Readable, "READABLE"), ((ulong)PteFlags.Writeable, "WRITEABLE"),
        ((ulong)PteFlags.Prt, "PRT"), ((ulong)PteFlags.PdePte, "PDE"), ((ulong)PteFlags.Log, "LOG"), ((ulong)PteFlags.Tf, "TF"), ((ulong)PteFlags.NoAlloc, "NOALLOC"),
    ];

    /// <summary><c>KFD_IOC_ALLOC_MEM_FLAGS_*</c> (include/uapi/linux/kfd_ioctl.h), the flags of a KFD BO.</summary>
    private static readonly (ulong Bit, string Name)[] KfdAlloc =
    [
        (1UL << 0, "VRAM"), (1UL << 1, "GTT"), (1UL << 2, "USERPTR"), (1UL << 3, "DOORBELL"), (1UL << 4, "MMIO_REMAP"),
        (1UL << 31, "WRITABLE"), (1UL << 30, "EXECUTABLE"), (1UL << 29, "PUBLIC"), (1UL << 28, "NO_SUBSTITUTE"),
        (1UL << 27, "AQL_QUEUE_MEM"), (1UL << 26, "COHERENT"), (1UL << 25, "UNCACHED"), (1UL << 24, "EXT_COHERENT"),
        (1UL << 23, "CONTIGUOUS"),
    ];

    /// <summary>A KFD BO's allocation flags (<c>VRAM|WRITABLE|EXECUTABLE</c>).</summary>
    public static IReadOnlyList<string> OfKfdAllocFlags(uint flags) => Name(flags, KfdAlloc, []);

    /// <summary>Preferred domains (<c>VRAM</c>, <c>GTT|VRAM</c>).</summary>
    public static IReadOnlyList<string> OfDomains(ulong domains) => Name(domains, Domains, []);

    /// <summary>GEM create (allocation) flags.</summary>
    public static IReadOnlyList<string> OfAllocFlags(ulong flags) => Name(flags, Create, []);

    /// <summary>BO bucket flags (<c>IMPORT</c>).</summary>
    public static IReadOnlyList<string> OfBoFlags(uint flags) => Name(flags, [((ulong)BoFlags.IsImport, "IMPORT")], []);

    /// <summary>Mapping flags: uapi <c>AMDGPU_VM_*</c> bits with the MTYPE field by name, or hardware PTE bits with the fragment size.</summary>
    public static IReadOnlyList<string> OfMappingFlags(ulong flags, MappingFlagsKind kind)
    {
        if (kind == MappingFlagsKind.Pte)
        {
            ulong fragment = (flags & (ulong)PteFlags.FragMask) >> 7;
            return Name(flags & ~(ulong)PteFlags.FragMask, Pte, fragment != 0 ? [$"FRAG({fragment})"] : []);
        }

        string? mtype = (flags & (ulong)VmFlags.MtypeMask) switch
        {
            0 => null, // MTYPE_DEFAULT
            (ulong)VmFlags.MtypeNc => "MTYPE_NC",
            (ulong)VmFlags.MtypeWc => "MTYPE_WC",
            (ulong)VmFlags.MtypeCc => "MTYPE_CC",
            (ulong)VmFlags.MtypeUc => "MTYPE_UC",
            (ulong)VmFlags.MtypeRw => "MTYPE_RW",
            ulong other => string.Create(CultureInfo.InvariantCulture, $"MTYPE(0x{other >> 5:x})"),
        };
        return Name(flags & ~(ulong)VmFlags.MtypeMask, Vm, mtype is null ? [] : [mtype]);
    }

    /// <summary>A flag word as JSON: <c>"NAME": {"value": "0x..", "names": [...]}</c>.</summary>
    public static void WriteJson(System.Text.Json.Utf8JsonWriter json, string name, ulong value, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(names);
        json.WriteStartObject(name);
        json.WriteString("value", $"0x{value:x}");
        JsonOutput.WriteStrings(json, "names", names);
        json.WriteEndObject();
    }

    /// <summary>The names joined by <c>|</c>; <c>0</c> for none.</summary>
    public static string Join(IReadOnlyList<string> names) => names.Count == 0 ? "0" : string.Join('|', names);

    private static List<string> Name(ulong value, (ulong Bit, string Name)[] table, string[] extra)
    {
        var names = new List<string>();
        ulong rest = value;
        foreach ((ulong bit, string name) in table)
        {
            if ((value & bit) == bit)
            {
                names.Add(name);
                rest &= ~bit;
            }
        }

        names.AddRange(extra);
        if (rest != 0)
        {
            names.Add(string.Create(CultureInfo.InvariantCulture, $"0x{rest:x}"));
        }

        return names;
    }
}
