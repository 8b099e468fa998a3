using System.Globalization;
using CriuImage.Abi;
using CriuImage.Format;

namespace CriuImage.Reporting;

/// <summary>One field that differs: its name and both values as text.</summary>
/// <param name="Field">The field (<c>size</c>, <c>alloc_flags</c>, <c>abi</c>).</param>
/// <param name="Old">The value in the first image (null: absent).</param>
/// <param name="New">The value in the second image (null: absent).</param>
internal sealed record FieldChange(string Field, string? Old, string? New);

/// <summary>A BO or mapping present in one image only, or in both with changes.</summary>
/// <param name="Kind"><c>added</c>, <c>removed</c> or <c>changed</c>.</param>
/// <param name="Key">What identifies it: <c>bo 3</c>, <c>mapping 0x100000000</c>.</param>
/// <param name="Changes">For a change, the fields that differ; for an addition or removal, its fields.</param>
internal sealed record ItemDifference(string Kind, string Key, IReadOnlyList<FieldChange> Changes);

/// <summary>
/// What changed between two images, like diff(1) for checkpoints: header fields, BOs matched by GEM handle,
/// BOs by GEM handle, mappings by GPU address (the n-th BO of a handle or mapping at an address in one image
/// with the n-th in the other).
/// Holds both images' records in memory (about 48 bytes per mapping).
/// </summary>
internal sealed class ImageDifference
{
    private ImageDifference(List<FieldChange> header, List<ItemDifference> bos, List<ItemDifference> mappings)
    {
        Header = header;
        Bos = bos;
        Mappings = mappings;
    }

    /// <summary>Header fields that differ.</summary>
    public IReadOnlyList<FieldChange> Header { get; }

    /// <summary>BOs added, removed or changed, by GEM handle.</summary>
    public IReadOnlyList<ItemDifference> Bos { get; }

    /// <summary>Mappings added, removed or changed, by address.</summary>
    public IReadOnlyList<ItemDifference> Mappings { get; }

    /// <summary>True when nothing differs.</summary>
    public bool Equal => Header.Count == 0 && Bos.Count == 0 && Mappings.Count == 0;

    /// <summary>Compares image <paramref name="a"/> with image <paramref name="b"/>.</summary>
    public static ImageDifference Compare(ImageHeader headerA, IReadOnlyList<BoEntry> a, ImageHeader headerB, IReadOnlyList<BoEntry> b)
    {
        ArgumentNullException.ThrowIfNull(headerA);
        ArgumentNullException.ThrowIfNull(headerB);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var header = new List<FieldChange>();
        Field(header, "abi", headerA.Abi.ToId(), headerB.Abi.ToId());
        Field(header, "mapping_flags", headerA.MappingFlags == MappingFlagsKind.Pte ? "pte" : "uapi", headerB.MappingFlags == MappingFlagsKind.Pte ? "pte" : "uapi");
        Field(header, "gpu_page_size", Decimal(headerA.GpuPageSize), Decimal(headerB.GpuPageSize));
        DeviceInfo? da = headerA.Device, db = headerB.Device;
        Field(header, "device.render_minor", Decimal(da?.RenderMinor), Decimal(db?.RenderMinor));
        Field(header, "device.pci_vendor_id", Hex(da?.PciVendorId), Hex(db?.PciVendorId));
        Field(header, "device.pci_device_id", Hex(da?.PciDeviceId), Hex(db?.PciDeviceId));
        Field(header, "device.gc_ip_version", da?.GcIpVersion?.ToString(), db?.GcIpVersion?.ToString());
        Field(header, "device.va_bits", Decimal(da?.VaBits), Decimal(db?.VaBits));
        CaptureInfo? ca = headerA.Capture, cb = headerB.Capture;
        Field(header, "capture.time_ns", Decimal(ca?.TimeNs), Decimal(cb?.TimeNs));
        Field(header, "capture.pid", Decimal(ca?.Pid), Decimal(cb?.Pid));
        Field(header, "capture.tool", ca?.Tool, cb?.Tool);
        return new ImageDifference(header, CompareBos(a, b), CompareMappings(headerA, a, headerB, b));
    }

    private static List<ItemDifference> CompareBos(IReadOnlyList<BoEntry> a, IReadOnlyList<BoEntry> b)
    {
        var inA = Index(a);
        var inB = Index(b);
        var result = new List<ItemDifference>();
        foreach ((uint handle, int nth) in inA.Keys.Union(inB.Keys).Order())
        {
            string key = nth == 0 ? $"bo {handle}" : $"bo {handle} (#{nth + 1} with it)";
            bool hasA = inA.TryGetValue((handle, nth), out BoRecord boA);
            bool hasB = inB.TryGetValue((handle, nth), out BoRecord boB);
            if (!hasB)
            {
                result.Add(new ItemDifference("removed", key, Describe(boA, null)));
            }
            else if (!hasA)
            {
                result.Add(new ItemDifference("added", key, Describe(null, boB)));
            }
            else if (boA != boB)
            {
                List<FieldChange> changes = [.. Describe(boA, boB).Where(c => c.Old != c.New)];
                if (changes.Count > 0)
                {
                    result.Add(new ItemDifference("changed", key, changes));
                }
            }
        }

        return result;
    }

    /// <summary>
    /// The BOs by GEM handle and, for a handle repeated within one image (CRI105), by their order: the n-th
    /// BO of a handle in one image is compared with the n-th in the other, as mappings at one address are.
    /// </summary>
    private static Dictionary<(uint, int), BoRecord> Index(IReadOnlyList<BoEntry> bos)
    {
        var index = new Dictionary<(uint, int), BoRecord>();
        var seen = new Dictionary<uint, int>();
        foreach (BoEntry entry in bos)
        {
            int nth = seen.GetValueOrDefault(entry.Bo.GemHandle);
            seen[entry.Bo.GemHandle] = nth + 1;
            index[(entry.Bo.GemHandle, nth)] = entry.Bo with { MappingCount = (uint)entry.Mappings.Length };
        }

        return index;
    }

    private static List<FieldChange> Describe(BoRecord? a, BoRecord? b) =>
    [
        new("size", Hex(a?.Size), Hex(b?.Size)),
        new("mmap_offset", Hex(a?.Offset), Hex(b?.Offset)),
        new("preferred_domains", a is { } x ? FlagNames.Join(FlagNames.OfDomains(x.PreferredDomains)) : null, b is { } y ? FlagNames.Join(FlagNames.OfDomains(y.PreferredDomains)) : null),
        new("alloc_flags", a is { } p ? FlagNames.Join(FlagNames.OfAllocFlags(p.AllocFlags)) : null, b is { } q ? FlagNames.Join(FlagNames.OfAllocFlags(q.AllocFlags)) : null),
        new("flags", a is { } r ? FlagNames.Join(FlagNames.OfBoFlags(r.Flags)) : null, b is { } s ? FlagNames.Join(FlagNames.OfBoFlags(s.Flags)) : null),
        new("alignment", Hex(a?.Alignment), Hex(b?.Alignment)),
        new("mappings", a?.MappingCount.ToString(CultureInfo.InvariantCulture), b?.MappingCount.ToString(CultureInfo.InvariantCulture)),
    ];

    private static List<ItemDifference> CompareMappings(ImageHeader headerA, IReadOnlyList<BoEntry> a, ImageHeader headerB, IReadOnlyList<BoEntry> b)
    {
        Dictionary<(ulong, int), MappingRow> inA = IndexMappings(headerA, a);
        Dictionary<(ulong, int), MappingRow> inB = IndexMappings(headerB, b);
        var result = new List<ItemDifference>();
        foreach ((ulong address, int nth) in inA.Keys.Union(inB.Keys).Order())
        {
            string key = nth == 0 ? $"mapping 0x{address:x}" : $"mapping 0x{address:x} (#{nth + 1} there)";
            bool hasA = inA.TryGetValue((address, nth), out MappingRow mA);
            bool hasB = inB.TryGetValue((address, nth), out MappingRow mB);
            if (!hasB)
            {
                result.Add(new ItemDifference("removed", key, Describe(mA, null)));
            }
            else if (!hasA)
            {
                result.Add(new ItemDifference("added", key, Describe(null, mB)));
            }
            else
            {
                List<FieldChange> changes = [.. Describe(mA, mB).Where(c => c.Old != c.New)];
                if (changes.Count > 0)
                {
                    result.Add(new ItemDifference("changed", key, changes));
                }
            }
        }

        return result;
    }

    private static Dictionary<(ulong, int), MappingRow> IndexMappings(ImageHeader header, IReadOnlyList<BoEntry> bos)
    {
        var mappings = new Dictionary<(ulong, int), MappingRow>();
        var seen = new Dictionary<ulong, int>();
        foreach (BoEntry entry in bos)
        {
            foreach (VmRecord vm in entry.Mappings)
            {
                // A record that is no valid range is keyed by its first word, so it is still compared.
                MappingExtent? extent = MappingExtent.Of(vm, header);
                ulong address = extent?.Address ?? vm.First;
                int nth = seen.GetValueOrDefault(address);
                seen[address] = nth + 1;

                mappings[(address, nth)] = new MappingRow(entry.Bo.GemHandle, extent?.Size, vm, FlagNames.Join(FlagNames.OfMappingFlags(vm.Flags, header.MappingFlags)));
            }
        }

        return mappings;
    }

    private static List<FieldChange> Describe(MappingRow? a, MappingRow? b) =>
    [
        new("bo", a?.Handle.ToString(CultureInfo.InvariantCulture), b?.Handle.ToString(CultureInfo.InvariantCulture)),
        new("size", a is { } x ? Size(x) : null, b is { } y ? Size(y) : null),
        new("offset", Hex(a?.Record.Offset), Hex(b?.Record.Offset)),
        new("flags", a?.Flags, b?.Flags),
    ];

    private static string Size(MappingRow m) => m.Size is { } s ? $"0x{s:x}" : $"invalid record (0x{m.Record.First:x}, 0x{m.Record.Second:x})";

    private static void Field(List<FieldChange> changes, string name, string? a, string? b)
    {
        if (a != b)
        {
            changes.Add(new FieldChange(name, a, b));
        }
    }

    private static string? Decimal(ulong? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string? Hex(ulong? value) => value is { } v ? string.Create(CultureInfo.InvariantCulture, $"0x{v:x}") : null;

    private readonly record struct MappingRow(uint Handle, UInt128? Size, VmRecord Record, string Flags);
}
