using System.Globalization;
using CriuImage.Topology;

namespace CriuImage.Tests.Topology;

/// <summary>Reads the cases of a tests/topology-oracle/criu-verdicts-*.txt file (format: gen-cases.py, harness.c).</summary>
internal static class OracleCase
{
    private static readonly string[] Switches =
        ["KFD_FW_VER_CHECK", "KFD_SDMA_FW_VER_CHECK", "KFD_CACHES_COUNT_CHECK", "KFD_NUM_GWS_CHECK", "KFD_VRAM_SIZE_CHECK", "KFD_NUMA_CHECK", "KFD_CAPABILITY_CHECK"];

    private static readonly string[] Fields =
    [
        "id", "gpu_id", "cpu_cores_count", "simd_count", "mem_banks_count", "caches_count", "io_links_count",
        "max_waves_per_simd", "lds_size_in_kb", "num_gws", "wave_front_size", "array_count", "simd_arrays_per_engine",
        "cu_per_simd_array", "simd_per_cu", "max_slots_scratch_cu", "vendor_id", "device_id", "domain",
        "drm_render_minor", "hive_id", "num_sdma_engines", "num_sdma_xgmi_engines", "num_sdma_queues_per_engine",
        "num_cp_queues", "fw_version", "capability", "sdma_fw_version", "vram_public", "vram_size",
    ];

    public static IEnumerable<(int, KfdTopology, KfdTopology, MatchEnvironment)> All(string[] lines)
    {
        int number = -1;
        MatchEnvironment environment = MatchEnvironment.Default;
        var source = new List<(ulong[] Values, List<TopologyLink> Links)>();
        var target = new List<(ulong[] Values, List<TopologyLink> Links)>();
        List<(ulong[] Values, List<TopologyLink> Links)>? current = null;
        foreach (string line in lines)
        {
            string[] parts = line.Split(' ');
            switch (parts[0])
            {
                case "case":
                    number = int.Parse(parts[1], CultureInfo.InvariantCulture);
                    source.Clear();
                    target.Clear();
                    break;
                case "env":
                    environment = MatchEnvironment.FromVariables(Switches.Select((s, i) => new KeyValuePair<string, string>(s, parts[i + 1])));
                    break;
                case "s" or "d":
                    current = parts[0] == "s" ? source : target;
                    current.Add(([.. parts.Skip(1).Select(p => ulong.Parse(p, CultureInfo.InvariantCulture))], []));
                    break;
                case "l":
                    current![^1].Links.Add(new TopologyLink(uint.Parse(parts[1], CultureInfo.InvariantCulture), uint.Parse(parts[2], CultureInfo.InvariantCulture)));
                    break;
                case "end":
                    yield return (number, Topology(source), Topology(target), environment);
                    break;
            }
        }
    }

    private static KfdTopology Topology(List<(ulong[] Values, List<TopologyLink> Links)> nodes) => new([.. nodes.Select(n =>
    {
        uint U(string name) => (uint)n.Values[Array.IndexOf(Fields, name)];
        return new TopologyNode
        {
            NodeId = U("id"), GpuId = U("gpu_id"), CpuCoresCount = U("cpu_cores_count"), SimdCount = U("simd_count"),
            MemBanksCount = U("mem_banks_count"), CachesCount = U("caches_count"), IoLinksCount = U("io_links_count"),
            MaxWavesPerSimd = U("max_waves_per_simd"), LdsSizeInKb = U("lds_size_in_kb"), NumGws = U("num_gws"),
            WaveFrontSize = U("wave_front_size"), ArrayCount = U("array_count"), SimdArraysPerEngine = U("simd_arrays_per_engine"),
            CuPerSimdArray = U("cu_per_simd_array"), SimdPerCu = U("simd_per_cu"), MaxSlotsScratchCu = U("max_slots_scratch_cu"),
            VendorId = U("vendor_id"), DeviceId = U("device_id"), Domain = U("domain"), DrmRenderMinor = U("drm_render_minor"),
            HiveId = n.Values[Array.IndexOf(Fields, "hive_id")], NumSdmaEngines = U("num_sdma_engines"),
            NumSdmaXgmiEngines = U("num_sdma_xgmi_engines"), NumSdmaQueuesPerEngine = U("num_sdma_queues_per_engine"),
            NumCpQueues = U("num_cp_queues"), FwVersion = U("fw_version"), Capability = U("capability"),
            SdmaFwVersion = U("sdma_fw_version"), VramPublic = U("vram_public") != 0, VramSize = n.Values[Array.IndexOf(Fields, "vram_size")],
            Links = [.. n.Links],
        };
    })]);

    /// <summary>A topology as the case lines of one side (<c>s</c> or <c>d</c>): each node in the field order above, then its links.</summary>
    public static IEnumerable<string> Lines(char side, KfdTopology topology) => topology.Nodes.SelectMany(n => (IEnumerable<string>)[
        string.Join(' ', new object[]
        {
            side, n.NodeId, n.GpuId, n.CpuCoresCount, n.SimdCount, n.MemBanksCount, n.CachesCount, n.IoLinksCount,
            n.MaxWavesPerSimd, n.LdsSizeInKb, n.NumGws, n.WaveFrontSize, n.ArrayCount, n.SimdArraysPerEngine,
            n.CuPerSimdArray, n.SimdPerCu, n.MaxSlotsScratchCu, n.VendorId, n.DeviceId, n.Domain, n.DrmRenderMinor,
            n.HiveId, n.NumSdmaEngines, n.NumSdmaXgmiEngines, n.NumSdmaQueuesPerEngine, n.NumCpQueues, n.FwVersion,
            n.Capability, n.SdmaFwVersion, n.VramPublic ? 1 : 0, n.VramSize,
        }.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))),
        .. n.Links.Select(l => $"l {l.Type} {l.NodeTo}"),
    ]);

    /// <summary>One case by number.</summary>
    public static (KfdTopology Source, KfdTopology Target, MatchEnvironment Environment) Read(string[] lines, int number)
    {
        (int _, KfdTopology source, KfdTopology target, MatchEnvironment environment) = All(lines).First(c => c.Item1 == number);
        return (source, target, environment);
    }
}
