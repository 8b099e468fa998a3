using System.Text;

namespace CriuImage.Topology;

/// <summary>
/// CRIU's reading of a topology folder (<c>topology_parse</c> and the <c>parse_topo_node_*</c> functions,
/// amdgpu_plugin_topology.c:419-989), rule for rule: which entries count, which files must exist, which
/// lines make the whole parse fail, and which values are kept (truncated to 32 bits like CRIU's).
/// </summary>
internal static class TopologyParser
{
    /// <summary>fgets buffer of CRIU's parser (<c>char line[300]</c>).</summary>
    private const int LineBuffer = 300;

    /// <summary><c>MAX_PARAMETER_LEN</c>: the widest name <c>%64s</c> reads.</summary>
    private const int MaxName = 64;

    /// <summary>CRIU reads at most this many bytes of gpu_id (<c>read_buf[7]</c>, topology.c:950-960).</summary>
    private const int GpuIdBytes = 6;

    /// <summary>Most characters of a refused line quoted in a message.</summary>
    private const int QuotedLine = 60;

    public static KfdTopology Parse(TopologyTree tree)
    {
        // The live topology always has a nodes folder: without one the input is not a topology at all.
        IReadOnlyList<TreeEntry> entries = tree.List("nodes")
            ?? throw new TopologyFormatException(tree.Origin, "has no 'nodes' folder: not a KFD topology");
        var nodes = new List<TopologyNode>();
        var hidden = new List<uint>();
        foreach (TreeEntry entry in entries)
        {
            // Non-numeric names and plain files are passed over, as are nodes whose gpu_id cannot be read
            // (a GPU hidden by the device cgroup): topology.c:934-968.
            if (ScanInt(entry.Name) is not { } id || !entry.IsDirectory)
            {
                continue;
            }

            string folder = TopologyTree.Join("nodes", entry.Name);
            byte[]? gpuIdBytes = tree.Read($"{folder}/gpu_id", out string? problem);
            if (gpuIdBytes is null && TopologyTree.IsDenied(problem))
            {
                // Only a GPU node's gpu_id is ever refused (node_show, kfd_topology.c): the reader lacks its render node.
                hidden.Add(unchecked((uint)id));
            }

            if (gpuIdBytes is null || ScanInt(Encoding.Latin1.GetString(gpuIdBytes, 0, Math.Min(GpuIdBytes, gpuIdBytes.Length))) is not { } gpuId)
            {
                continue;
            }

            nodes.Add(ParseNode(tree, folder, unchecked((uint)id), unchecked((uint)gpuId)));
        }

        return new KfdTopology(nodes) { Order = $"{tree.Order} of {tree.Origin}", KernelRelease = tree.KernelRelease, HiddenGpuNodes = hidden };
    }

    private static TopologyNode ParseNode(TopologyTree tree, string folder, uint id, uint gpuId)
    {
        var p = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach ((string name, ulong value) in Lines(tree, $"{folder}/properties"))
        {
            p[name] = value;

            // A CPU's reading stops once cpu_cores_count is known (topology.c:503-506).
            if (gpuId == 0 && (uint)p.GetValueOrDefault("cpu_cores_count") >= 1)
            {
                break;
            }
        }

        uint U(string name) => (uint)p.GetValueOrDefault(name);
        (bool vramPublic, ulong vramSize) = gpuId == 0 ? (false, 0UL) : MemoryBank(tree, folder);
        return new TopologyNode
        {
            NodeId = id,
            GpuId = gpuId,
            CpuCoresCount = U("cpu_cores_count"),
            SimdCount = U("simd_count"),
            MemBanksCount = U("mem_banks_count"),
            CachesCount = U("caches_count"),
            IoLinksCount = U("io_links_count"),
            MaxWavesPerSimd = U("max_waves_per_simd"),
            LdsSizeInKb = U("lds_size_in_kb"),
            NumGws = U("num_gws"),
            WaveFrontSize = U("wave_front_size"),
            ArrayCount = U("array_count"),
            SimdArraysPerEngine = U("simd_arrays_per_engine"),
            CuPerSimdArray = U("cu_per_simd_array"),
            SimdPerCu = U("simd_per_cu"),
            MaxSlotsScratchCu = U("max_slots_scratch_cu"),
            VendorId = U("vendor_id"),
            DeviceId = U("device_id"),
            Domain = U("domain"),
            DrmRenderMinor = U("drm_render_minor"),
            HiveId = p.GetValueOrDefault("hive_id"),
            NumSdmaEngines = U("num_sdma_engines"),
            NumSdmaXgmiEngines = U("num_sdma_xgmi_engines"),
            NumSdmaQueuesPerEngine = U("num_sdma_queues_per_engine"),
            NumCpQueues = U("num_cp_queues"),
            FwVersion = U("fw_version"),
            Capability = U("capability"),
            SdmaFwVersion = U("sdma_fw_version"),
            VramPublic = vramPublic,
            VramSize = vramSize,
            Links = IoLinks(tree, folder),
        };
    }

    /// <summary>The first frame-buffer bank in directory order (topology.c:518-609).</summary>
    private static (bool Public, ulong Size) MemoryBank(TopologyTree tree, string folder)
    {
        string banks = $"{folder}/mem_banks";
        IReadOnlyList<TreeEntry> entries = tree.List(banks)
            ?? throw new TopologyFormatException(banks, "CRIU cannot open the folder (topology.c:533-537)") { CriuRefuses = true };
        ulong heapType = 0;
        ulong size = 0;
        foreach (TreeEntry entry in entries)
        {
            // Both are reset before the name is even looked at (topology.c:545-546).
            heapType = 0;
            size = 0;
            if (ScanInt(entry.Name) is null)
            {
                continue;
            }

            if (entry.IsDirectory)
            {
                foreach ((string name, ulong value) in Lines(tree, $"{banks}/{entry.Name}/properties"))
                {
                    heapType = name == "heap_type" ? (uint)value : heapType;
                    size = name == "size_in_bytes" ? value : size;
                }
            }

            if (heapType is 1 or 2)
            {
                break;
            }
        }

        if (heapType is not (1 or 2) || size == 0)
        {
            throw new TopologyFormatException(banks, "CRIU finds no frame-buffer bank (heap_type 1 or 2) with a size: 'Failed to determine memory type and size' (topology.c:594-598)") { CriuRefuses = true };
        }

        return (heapType == 1, size);
    }

    /// <summary>The PCIe and XGMI links in directory order (topology.c:612-696).</summary>
    private static TopologyLink[] IoLinks(TopologyTree tree, string folder)
    {
        string links = $"{folder}/io_links";
        IReadOnlyList<TreeEntry> entries = tree.List(links)
            ?? throw new TopologyFormatException(links, "CRIU cannot open the folder (topology.c:622-626)") { CriuRefuses = true };
        var kept = new List<TopologyLink>();
        foreach (TreeEntry entry in entries)
        {
            if (ScanInt(entry.Name) is null)
            {
                continue;
            }

            uint type = 0;
            uint to = 0;
            if (entry.IsDirectory)
            {
                foreach ((string name, ulong value) in Lines(tree, $"{links}/{entry.Name}/properties"))
                {
                    type = name == "type" ? (uint)value : type;
                    to = name == "node_to" ? (uint)value : to;
                }
            }

            if (type is TopologyLink.Pcie or TopologyLink.Xgmi)
            {
                kept.Add(new TopologyLink(type, to));
            }
        }

        return [.. kept];
    }

    /// <summary>
    /// The lines of a properties file as CRIU's <c>fgets(line, 300)</c> loop meets them, each read with
    /// <c>sscanf(line, " %64s %lu")</c>; one that does not give two values fails the parse (topology.c:419-448).
    /// </summary>
    private static IEnumerable<(string Name, ulong Value)> Lines(TopologyTree tree, string file)
    {
        byte[] content = tree.Read(file, out string? problem)
            ?? throw new TopologyFormatException(file, $"CRIU cannot open it ({problem}): 'Failed to access' (topology.c:436-440)") { CriuRefuses = true };
        int position = 0;
        int number = 0;
        while (position < content.Length)
        {
            int newline = Array.IndexOf(content, (byte)'\n', position, Math.Min(LineBuffer - 1, content.Length - position));
            int end = newline >= 0 ? newline + 1 : Math.Min(position + LineBuffer - 1, content.Length);
            number++;
            string line = Encoding.Latin1.GetString(content, position, end - position);
            position = end;
            int nul = line.IndexOf('\0', StringComparison.Ordinal);
            if (ScanProperty(nul >= 0 ? line[..nul] : line) is not { } property)
            {
                throw new TopologyFormatException(file, $"line {number} {Quote(line.TrimEnd('\n'))} is not '<name> <decimal>': CRIU fails the whole parse ('Failed to parse line', topology.c:511-514)") { CriuRefuses = true };
            }

            yield return property;
        }
    }

    /// <summary>A line as quoted in a message: at most <see cref="QuotedLine"/> characters, then how long it was and how many NULs it holds.</summary>
    private static string Quote(string line)
    {
        int nuls = line.Count(c => c == '\0');
        string cut = line.Length <= QuotedLine ? $"'{line}'" : $"'{line[..QuotedLine]}...' ({line.Length} characters)";
        return nuls > 0 ? $"{cut} with {nuls} NUL bytes" : cut;
    }

    /// <summary><c>sscanf(line, " %64s %lu")</c> == 2.</summary>
    internal static (string Name, ulong Value)? ScanProperty(string line)
    {
        int i = SkipSpace(line, 0);
        int start = i;
        while (i < line.Length && i - start < MaxName && !IsSpace(line[i]))
        {
            i++;
        }

        if (i == start)
        {
            return null;
        }

        string name = line[start..i];
        return ScanUnsigned(line, SkipSpace(line, i)) is { } value ? (name, value) : null;
    }

    /// <summary><c>sscanf(text, "%d")</c> == 1, with the value it stores.</summary>
    internal static int? ScanInt(string text) =>
        ScanUnsigned(text, SkipSpace(text, 0)) is { } value ? unchecked((int)value) : null;

    /// <summary>glibc's <c>%lu</c>/<c>%d</c> conversion: optional sign, decimal digits; saturates on overflow.</summary>
    private static ulong? ScanUnsigned(string text, int i)
    {
        bool negative = false;
        if (i < text.Length && text[i] is '+' or '-')
        {
            negative = text[i] == '-';
            i++;
        }

        int digits = i;
        ulong value = 0;
        bool overflow = false;
        while (i < text.Length && text[i] is >= '0' and <= '9')
        {
            ulong next = unchecked((value * 10) + (ulong)(text[i] - '0'));
            overflow |= value > ulong.MaxValue / 10 || next < value * 10;
            value = next;
            i++;
        }

        if (i == digits)
        {
            return null;
        }

        return overflow ? ulong.MaxValue : negative ? unchecked(0 - value) : value;
    }

    private static int SkipSpace(string text, int i)
    {
        while (i < text.Length && IsSpace(text[i]))
        {
            i++;
        }

        return i;
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';
}
