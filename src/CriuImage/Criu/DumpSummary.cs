namespace CriuImage.Criu;

/// <summary>BOs of one kind counted by memory domain, bytes summed without wrapping.</summary>
internal sealed class BoTally
{
    private readonly SortedDictionary<string, (ulong Count, UInt128 Bytes)> _domains = new(StringComparer.Ordinal);

    /// <summary>BOs counted.</summary>
    public ulong Count { get; private set; }

    /// <summary>Their sizes summed.</summary>
    public UInt128 Bytes { get; private set; }

    /// <summary>Count and bytes per domain name (<c>vram</c>, <c>gtt</c>, <c>cpu</c>, <c>doorbell</c>, <c>mmio</c>, <c>userptr</c>, <c>other</c>).</summary>
    public IReadOnlyDictionary<string, (ulong Count, UInt128 Bytes)> Domains => _domains;

    /// <summary>Bytes in one domain (0 when none).</summary>
    public UInt128 BytesIn(string domain) => _domains.TryGetValue(domain, out var d) ? d.Bytes : 0;

    internal void Add(string domain, ulong size)
    {
        Count++;
        Bytes += size;
        (ulong count, UInt128 bytes) = _domains.GetValueOrDefault(domain);
        _domains[domain] = (count + 1, bytes + size);
    }
}

/// <summary>What a dump holds for one GPU.</summary>
internal sealed class GpuSummary
{
    /// <summary>KFD gpu_id.</summary>
    public required uint GpuId { get; init; }

    /// <summary>The KFD device entry, when the KFD image has one for this gpu_id.</summary>
    public KfdDeviceEntry? Device { get; init; }

    /// <summary>Render minor: the device entry's, else a render node's.</summary>
    public uint? RenderMinor { get; init; }

    /// <summary>Marketing name of the PCI device id, where this tool knows it.</summary>
    public string? Name => Device is { VendorId: 0x1002 } d ? PciNames.Find(d.DeviceId) : null;

    /// <summary>KFD BOs of this GPU by KFD alloc domain.</summary>
    public BoTally KfdBos { get; } = new();

    /// <summary>Render-node BOs of this GPU by preferred domain.</summary>
    public BoTally RenderBos { get; } = new();

    /// <summary>Render-node mappings of this GPU.</summary>
    public ulong Mappings { get; internal set; }

    /// <summary>Bytes of BO contents on disk (KFD pages and drm-pages files, headers excluded).</summary>
    public UInt128 ContentsBytes { get; internal set; }

    /// <summary>VRAM bytes of KFD and render-node BOs.</summary>
    public UInt128 VramBytes => KfdBos.BytesIn("vram") + RenderBos.BytesIn("vram");

    /// <summary>GTT bytes of KFD and render-node BOs.</summary>
    public UInt128 GttBytes => KfdBos.BytesIn("gtt") + RenderBos.BytesIn("gtt");
}

/// <summary>What GPU state one CRIU dump holds (<c>info</c>): per GPU, dma-bufs, totals.</summary>
internal sealed class DumpSummary
{
    private DumpSummary(CriuDump dump, List<GpuSummary> gpus)
    {
        Dump = dump;
        Gpus = gpus;
    }

    /// <summary>The dump summarised.</summary>
    public CriuDump Dump { get; }

    /// <summary>GPUs, in KFD device-entry order, then gpu_ids only render nodes name.</summary>
    public IReadOnlyList<GpuSummary> Gpus { get; }

    /// <summary>dma-buf nodes.</summary>
    public int DmaBufs => Dump.OfKind(CriuFileKind.DmaBuf).Count();

    /// <summary>Bytes of every CRIU amdgpu file of the dump.</summary>
    public UInt128 FileBytes => Dump.Files.Aggregate(UInt128.Zero, (sum, f) => sum + (ulong)f.Input.Length);

    /// <summary>Files CRIU cannot read: damaged ones (their contents are not counted) and messages protobuf-c's unpack refuses.</summary>
    public int Unreadable => Dump.Files.Count(f => f.UnreadableToCriu is not null);

    /// <summary>Summarises <paramref name="dump"/>.</summary>
    public static DumpSummary Of(CriuDump dump)
    {
        ArgumentNullException.ThrowIfNull(dump);
        var gpus = new List<GpuSummary>();
        GpuSummary For(uint gpuId, uint? minor)
        {
            GpuSummary? found = gpus.Find(g => g.GpuId == gpuId);
            if (found is null)
            {
                found = new GpuSummary { GpuId = gpuId, RenderMinor = minor };
                gpus.Add(found);
            }

            return found;
        }

        foreach (KfdDeviceEntry device in dump.Gpus)
        {
            if (gpus.TrueForAll(g => g.GpuId != device.GpuId))
            {
                gpus.Add(new GpuSummary { GpuId = device.GpuId, Device = device, RenderMinor = device.DrmRenderMinor });
            }
        }

        foreach (CriuDumpFile file in dump.OfKind(CriuFileKind.KfdImage).Where(f => f.Kfd is not null))
        {
            foreach (KfdBo bo in file.Kfd!.Message.Bos.Values)
            {
                For(bo.GpuId, null).KfdBos.Add(KfdDomain(bo.AllocFlags), bo.Size);
            }
        }

        foreach (CriuDumpFile file in dump.OfKind(CriuFileKind.RenderNode).Where(f => f.RenderNode is not null))
        {
            CriuRenderNode node = file.RenderNode!.Message;
            GpuSummary gpu = For(node.GpuId, node.DrmRenderMinor == 0 ? null : node.DrmRenderMinor);
            foreach (ref readonly DrmBo bo in node.Entries.Values)
            {
                gpu.RenderBos.Add(RenderDomain(bo.PreferredDomains), bo.Size);
                gpu.Mappings += (ulong)bo.VmEntries.Length;
            }

            long pagesId = node.NumOfObjects is not null ? node.Id : file.Name.Id;
            foreach (CriuDumpFile pages in dump.OfKind(CriuFileKind.DrmPages).Where(p => p.Name.Id == pagesId && p.Name.Minor == node.DrmRenderMinor))
            {
                gpu.ContentsBytes += (ulong)pages.ContentsBytes;
            }
        }

        foreach (CriuDumpFile pages in dump.OfKind(CriuFileKind.KfdPages))
        {
            For(pages.Name.GpuId!.Value, null).ContentsBytes += (ulong)pages.ContentsBytes;
        }

        return new DumpSummary(dump, gpus);
    }

    private static string KfdDomain(uint flags) =>
        (flags & KfdBoEntry.FlagVram) != 0 ? "vram"
        : (flags & KfdBoEntry.FlagGtt) != 0 ? "gtt"
        : (flags & (1u << 2)) != 0 ? "userptr"
        : (flags & (1u << 3)) != 0 ? "doorbell"
        : (flags & (1u << 4)) != 0 ? "mmio"
        : "other";

    private static string RenderDomain(uint domains) =>
        (domains & 0x4) != 0 ? "vram" : (domains & 0x2) != 0 ? "gtt" : (domains & 0x1) != 0 ? "cpu" : "other";
}

/// <summary>A few AMD PCI device ids and their names (from the PCI ID repository, pci.ids), for <c>info</c>.</summary>
internal static class PciNames
{
    private static readonly Dictionary<uint, string> Names = new()
    {
        [0x738C] = "Instinct MI100",
        [0x740F] = "Instinct MI210",
        [0x74A1] = "Instinct MI300X",
        [0x744C] = "Radeon RX 7900 XT/7900 XTX",
    };

    public static string? Find(uint deviceId) => Names.GetValueOrDefault(deviceId);
}
