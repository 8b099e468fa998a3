using System.Globalization;
using CriuImage.Abi;
using CriuImage.Format;
using CriuImage.Verification;

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
/// What changed between two images, like diff(1) for checkpoints: header fields, BOs by GEM handle, mappings by
/// GPU address (the n-th BO of a handle or mapping at an address in one image with the n-th in the other).
/// The BOs and mappings are a merge of the two images' records read back in key order (<see cref="DiffSide"/>,
/// an external sort past its budgets), compared as they come: nothing is held but the current key's records.
/// </summary>
internal sealed class ImageDifference
{
    private readonly DiffSide _a;
    private readonly DiffSide _b;

    private ImageDifference(DiffSide a, DiffSide b, List<FieldChange> header)
    {
        _a = a;
        _b = b;
        Header = header;
    }

    /// <summary>Header fields that differ.</summary>
    public IReadOnlyList<FieldChange> Header { get; }

    /// <summary>BOs added, removed or changed, by GEM handle then by order among BOs of one handle (CRI105).</summary>
    public IEnumerable<ItemDifference> Bos => Join(_a.Bos(), _b.Bos(), CompareBo);

    /// <summary>Mappings added, removed or changed, by address then by order among mappings at one address.</summary>
    public IEnumerable<ItemDifference> Mappings => Join(_a.Mappings(), _b.Mappings(), CompareMapping);

    /// <summary>Compares image <paramref name="a"/> with image <paramref name="b"/>; both stay theirs to dispose, and must outlive the enumerations.</summary>
    public static ImageDifference Compare(DiffSide a, DiffSide b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ImageHeader headerA = a.Header, headerB = b.Header;
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
        return new ImageDifference(a, b, header);
    }

    /// <summary>
    /// A merge join of two sequences ordered by key, ties in file order: the n-th record of a key in one is
    /// compared with the n-th in the other, and those past the other's last are removed or added, in the order
    /// (key, n) sorts. Each pair is compared as it is met, so a key of 10^7 records holds none of them.
    /// </summary>
    private IEnumerable<ItemDifference> Join<T>(IEnumerable<T> a, IEnumerable<T> b, Func<T?, T?, int, ItemDifference?> compare)
        where T : struct, ISpillRecord
    {
        using IEnumerator<T> inA = a.GetEnumerator();
        using IEnumerator<T> inB = b.GetEnumerator();
        bool hasA = inA.MoveNext(), hasB = inB.MoveNext();
        ulong key = 0;
        int nth = -1;
        while (hasA || hasB)
        {
            ulong next = !hasB ? inA.Current.SortKey : !hasA ? inB.Current.SortKey : Math.Min(inA.Current.SortKey, inB.Current.SortKey);
            nth = nth >= 0 && next == key ? nth + 1 : 0;
            key = next;
            T? x = null, y = null;
            if (hasA && inA.Current.SortKey == key)
            {
                x = inA.Current;
                hasA = inA.MoveNext();
            }

            if (hasB && inB.Current.SortKey == key)
            {
                y = inB.Current;
                hasB = inB.MoveNext();
            }

            if (compare(x, y, nth) is { } difference)
            {
                yield return difference;
            }
        }
    }

    private ItemDifference? CompareBo(DiffBo? a, DiffBo? b, int nth)
    {
        uint handle = (a ?? b)!.Value.Bo.GemHandle;
        string key = nth == 0 ? $"bo {handle}" : $"bo {handle} (#{nth + 1} with it)";
        return Item(key, Describe(a?.Bo, b?.Bo), a is null, b is null);
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

    private ItemDifference? CompareMapping(DiffMapping? a, DiffMapping? b, int nth)
    {
        ulong address = (a ?? b)!.Value.Address;
        string key = nth == 0 ? $"mapping 0x{address:x}" : $"mapping 0x{address:x} (#{nth + 1} there)";
        return Item(key, Describe(a, _a.Header, b, _b.Header), a is null, b is null);
    }

    private static List<FieldChange> Describe(DiffMapping? a, ImageHeader headerA, DiffMapping? b, ImageHeader headerB) =>
    [
        new("bo", a?.Handle.ToString(CultureInfo.InvariantCulture), b?.Handle.ToString(CultureInfo.InvariantCulture)),
        new("size", a is { } x ? Size(x.Record, headerA) : null, b is { } y ? Size(y.Record, headerB) : null),
        new("offset", Hex(a?.Record.Offset), Hex(b?.Record.Offset)),
        new("flags", a is { } f ? Flags(f.Record, headerA) : null, b is { } g ? Flags(g.Record, headerB) : null),
    ];

    /// <summary>An addition or removal with all its fields, or a change with the fields that differ (null when none does).</summary>
    private static ItemDifference? Item(string key, List<FieldChange> fields, bool added, bool removed)
    {
        if (added)
        {
            return new ItemDifference("added", key, fields);
        }

        if (removed)
        {
            return new ItemDifference("removed", key, fields);
        }

        fields.RemoveAll(c => c.Old == c.New);
        return fields.Count > 0 ? new ItemDifference("changed", key, fields) : null;
    }

    private static string Size(in VmRecord vm, ImageHeader header) =>
        MappingExtent.Of(vm, header) is { } extent ? $"0x{extent.Size:x}" : $"invalid record (0x{vm.First:x}, 0x{vm.Second:x})";

    private static string Flags(in VmRecord vm, ImageHeader header) => FlagNames.Join(FlagNames.OfMappingFlags(vm.Flags, header.MappingFlags));

    private static void Field(List<FieldChange> changes, string name, string? a, string? b)
    {
        if (a != b)
        {
            changes.Add(new FieldChange(name, a, b));
        }
    }

    private static string? Decimal(ulong? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string? Hex(ulong? value) => value is { } v ? string.Create(CultureInfo.InvariantCulture, $"0x{v:x}") : null;
}
