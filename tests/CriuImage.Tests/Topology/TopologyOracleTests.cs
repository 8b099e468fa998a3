using System.Globalization;
using CriuImage.Tests.Support;
using CriuImage.Topology;

namespace CriuImage.Tests.Topology;

/// <summary>
/// Our replay against CRIU's own compiled matching code: tests/topology-oracle/criu-verdicts-*.txt hold
/// random cases and the verdicts and GPU maps CRIU's amdgpu_plugin_topology.c gave for them (recorded by
/// run-oracle.sh from a CRIU checkout); every one must come out the same here.
/// </summary>
public sealed class TopologyOracleTests
{
    private static readonly string[] Fields =
    [
        "id", "gpu_id", "cpu_cores_count", "simd_count", "mem_banks_count", "caches_count", "io_links_count",
        "max_waves_per_simd", "lds_size_in_kb", "num_gws", "wave_front_size", "array_count", "simd_arrays_per_engine",
        "cu_per_simd_array", "simd_per_cu", "max_slots_scratch_cu", "vendor_id", "device_id", "domain",
        "drm_render_minor", "hive_id", "num_sdma_engines", "num_sdma_xgmi_engines", "num_sdma_queues_per_engine",
        "num_cp_queues", "fw_version", "capability", "sdma_fw_version", "vram_public", "vram_size",
    ];

    private static readonly string[] Switches =
        ["KFD_FW_VER_CHECK", "KFD_SDMA_FW_VER_CHECK", "KFD_CACHES_COUNT_CHECK", "KFD_NUM_GWS_CHECK", "KFD_VRAM_SIZE_CHECK", "KFD_NUMA_CHECK", "KFD_CAPABILITY_CHECK"];

    public static TheoryData<string> Files => [.. Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "tests", "topology-oracle"), "criu-verdicts-*.txt").Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryRecordedVerdict_IsReproduced(string file)
    {
        string[] lines = File.ReadAllLines(Path.Combine(RepoPaths.Root, "tests", "topology-oracle", file));
        Dictionary<int, string> expected = lines.Where(l => l.StartsWith("result ", StringComparison.Ordinal))
            .ToDictionary(l => int.Parse(l.Split(' ')[1], CultureInfo.InvariantCulture), l => string.Join(' ', l.Split(' ').Skip(2)));
        var mismatches = new List<string>();
        int cases = 0;
        foreach ((int number, KfdTopology source, KfdTopology target, MatchEnvironment environment) in Cases(lines))
        {
            cases++;
            HostCheckResult result = HostCheck.Run(source, target, environment);
            string ours = HostCheckReport.OutcomeName(result.Outcome)
                + string.Concat(result.GpuMap.Select(e => $" {e.SrcGpuId}:{e.DestGpuId}"));
            if (ours != expected[number])
            {
                mismatches.Add($"case {number}: CRIU '{expected[number]}', ours '{ours}'");
            }
        }

        Assert.True(cases >= 300, $"only {cases} cases in {file}");
        Assert.Equal(expected.Count, cases);
        Assert.Empty(mismatches);
    }

    private static IEnumerable<(int, KfdTopology, KfdTopology, MatchEnvironment)> Cases(string[] lines)
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
}
