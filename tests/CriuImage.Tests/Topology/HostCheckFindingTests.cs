using CriuImage.Reporting;
using CriuImage.Tests.Support;
using CriuImage.Topology;
using CriuImage.Verification;

namespace CriuImage.Tests.Topology;

/// <summary>
/// The codes no fixture host reaches, each on a case CRIU's compiled code decided (oracle cases of
/// tests/topology-oracle/criu-verdicts-criu-dev.txt, text pinned in tests/golden/HostCheck.oracle-case-N.verified.txt)
/// or on a small hand-made topology.
/// </summary>
public sealed class HostCheckFindingTests
{
    [Theory]
    [InlineData(1, "CRI404")]
    [InlineData(4, "CRI405")]
    [InlineData(22, "CRI406")]
    [InlineData(130, "CRI408")]
    [InlineData(189, "CRI407")]
    [InlineData(314, "CRI407")]
    public void OracleCase_GivesTheCode(int number, string code)
    {
        string[] lines = File.ReadAllLines(Path.Combine(RepoPaths.Root, "tests", "topology-oracle", "criu-verdicts-criu-dev.txt"));
        (KfdTopology source, KfdTopology target, MatchEnvironment environment) = OracleCase.Read(lines, number);
        HostCheckResult result = HostCheck.Run(source, target, environment);
        Assert.Contains(code, result.Findings.Select(f => f.Descriptor.Id));
        Snapshot.Verify($"HostCheck.oracle-case-{number}", HostCheckReport.Text($"case {number}", "target", result));
    }

    [Fact]
    public void RenderMinorOutsideTheRange_IsCri409()
    {
        KfdTopology source = new([Gpu(1, 0x100, 128)]);
        HostCheckResult result = HostCheck.Run(source, new([Gpu(1, 0x200, 300)]), MatchEnvironment.Default);
        // CRIU maps the GPU, then cannot open renderD300 (open_drm_render_device): the restore fails.
        Assert.Equal((false, CriuOutcome.Mapped), (result.Restores, result.Outcome));
        HostFinding finding = Assert.Single(result.Findings);
        Assert.Equal((Descriptors.TargetRenderMinorOutOfRange, 0x200u, 300UL), (finding.Descriptor, finding.DestGpuId!.Value, finding.DestValue!.Value));
    }

    [Fact]
    public void XgmiLinksThatAreNotWholeHives_CorruptCrius_Lists_Cri414()
    {
        // 1-3 and 2-3 linked, 1-2 not: node 3 would be linked into two hive lists (topology.c:871-888).
        TopologyNode[] nodes =
        [
            Gpu(1, 0x10, 128, new TopologyLink(TopologyLink.Xgmi, 3)),
            Gpu(2, 0x20, 129, new TopologyLink(TopologyLink.Xgmi, 3)),
            Gpu(3, 0x30, 130, new TopologyLink(TopologyLink.Xgmi, 1), new TopologyLink(TopologyLink.Xgmi, 2)),
        ];
        HostCheckResult result = HostCheck.Run(new(nodes), new(nodes), MatchEnvironment.Default);
        Assert.Equal(CriuOutcome.Crashes, result.Outcome);
        Assert.Contains(Descriptors.SearchCrashes, result.Findings.Select(f => f.Descriptor));
    }

    [Fact]
    public void AnUndecidedSearch_WithAGpuThatFitsNothing_SaysNoMapExists()
    {
        // 24 GPUs: CRIU's replay and the complete search both give up; the old-firmware target GPU settles it.
        KfdTopology source = TopologyFixtures.Identical(24, -1);
        HostCheckResult result = HostCheck.Run(source, TopologyFixtures.Identical(24, 5), MatchEnvironment.Default, budget: 1000);
        Assert.Equal(CriuOutcome.Undecided, result.Outcome);
        Assert.False(result.ValidMappingExists);
        Assert.Contains(result.Findings, f => f.Descriptor == Descriptors.PropertyMismatch && f.Property == "fw_version");
    }

    [Fact]
    public void CountsAboveTheDeviceEntries_AreCri414_WhateverTheTarget()
    {
        Criu.CriuKfd kfd = Criu.CriuFileReader.ReadKfd(File.ReadAllBytes(Path.Combine(RepoPaths.Fixtures, "criu", "hosts", "gfx1100-2", "amdgpu-kfd-5.img"))).Message;
        HostTarget host = HostTarget.Load(Path.Combine(RepoPaths.Fixtures, "topology", "gfx1100-2"), MatchEnvironment.Default);
        Assert.True(host.Check(kfd).Restores);
        HostCheckResult result = host.Check(kfd with { NumOfGpus = kfd.NumOfGpus + 1 });
        Assert.Equal((false, CriuOutcome.Crashes), (result.Restores, result.Outcome));
        Assert.Contains("past the array protobuf-c unpacked", Assert.Single(result.Findings, f => f.Descriptor == Descriptors.SearchCrashes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplayBudget_EndsUndecided_Cri415()
    {
        KfdTopology two = new([Gpu(1, 0x10, 128), Gpu(2, 0x20, 129)]);
        HostCheckResult result = HostCheck.Run(two, two, MatchEnvironment.Default, budget: 1);
        Assert.Equal(CriuOutcome.Undecided, result.Outcome);
        Assert.Equal([Descriptors.SearchUndecided], result.Findings.Select(f => f.Descriptor));
    }

    [Fact]
    public void TargetCriuCannotParse_IsCri410_FromTheLibraryToo()
    {
        using var folder = new TempCopy("gfx1100-2");
        File.WriteAllText(Path.Combine(folder.Path, "nodes", "1", "mem_banks", "0", "properties"), "heap_type 0\nsize_in_bytes 4096\n");
        KfdTopology source = HostTopology.Load(Path.Combine(RepoPaths.Fixtures, "topology", "gfx1100-2")).AsCheckpointed();
        HostCheckResult result = HostCheck.Run(source, folder.Path, MatchEnvironment.Default);
        Assert.Equal((false, CriuOutcome.TargetUnparsable), (result.Restores, result.Outcome));
        Assert.Equal([Descriptors.TopologyUnparsable], result.Findings.Select(f => f.Descriptor));
    }

    [Fact]
    public void EveryHostCode_IsReached()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (object[] c in HostCheckGoldenTests.Cases)
        {
            string root = Path.Combine(RepoPaths.Fixtures, "topology");
            string env = (string)c[3];
            KeyValuePair<string, string>[] variables = env.Length == 0 ? [] : [new(env.Split('=')[0], env.Split('=')[1])];
            seen.UnionWith(HostCheck.Run(HostTopology.Load(Path.Combine(root, (string)c[1])).AsCheckpointed(), HostTopology.Load(Path.Combine(root, (string)c[2])), MatchEnvironment.FromVariables(variables)).Findings.Select(f => f.Descriptor.Id));
        }

        string[] lines = File.ReadAllLines(Path.Combine(RepoPaths.Root, "tests", "topology-oracle", "criu-verdicts-criu-dev.txt"));
        foreach ((int _, KfdTopology source, KfdTopology target, MatchEnvironment environment) in OracleCase.All(lines))
        {
            seen.UnionWith(HostCheck.Run(source, target, environment).Findings.Select(f => f.Descriptor.Id));
        }

        // The four reached only by hand-made inputs, each with its own test above.
        seen.UnionWith(["CRI409", "CRI410", "CRI414", "CRI415"]);

        // A target GPU hidden from the reader: TargetInputTests.HiddenGpuNode_IsSkippedAsCriuDoes_AndNamed.
        seen.UnionWith(["CRI419"]);

        // The target kernel's interfaces: verify --host's, not the matcher's (VerifyHostTests reaches each).
        seen.UnionWith(["CRI416", "CRI417", "CRI418"]);

        // Whether the target has DRM_IOCTL_GEM_CHANGE_HANDLE, unknown from its release: KernelReleaseTests reaches it.
        seen.UnionWith(["CRI420"]);
        Assert.Equal(Descriptors.All.Select(d => d.Id).Where(id => id.StartsWith("CRI4", StringComparison.Ordinal)).Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    /// <summary>A fixture folder copied to a temporary folder, deleted afterwards.</summary>
    private sealed class TempCopy : IDisposable
    {
        public TempCopy(string fixture)
        {
            string source = System.IO.Path.Combine(RepoPaths.Fixtures, "topology", fixture);
            Path = Directory.CreateTempSubdirectory("criu-image-topology-").FullName;
            foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                string copy = System.IO.Path.Combine(Path, System.IO.Path.GetRelativePath(source, file));
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(copy)!);
                File.Copy(file, copy);
            }
        }

        public string Path { get; }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }


    private static TopologyNode Gpu(uint node, uint gpuId, uint minor, params TopologyLink[] links) => new()
    {
        NodeId = node,
        GpuId = gpuId,
        SimdCount = 8,
        VendorId = 4098,
        DrmRenderMinor = minor,
        VramPublic = true,
        VramSize = 1 << 30,
        IoLinksCount = (uint)links.Length,
        Links = links,
    };
}
