using CriuImage.Tests.Support;
using CriuImage.Topology;
using CriuImage.Verification;

namespace CriuImage.Tests.Topology;

/// <summary>
/// Reading a target topology as the operator hands it over: folders that are not a topology, copies extracted
/// from a tar of sysfs, snapshots of copies or of another format, and GPU nodes the reader's device cgroup hides.
/// </summary>
public sealed class TargetInputTests : TempFolder
{
    private static string Fixture(string name) => Path.Combine(RepoPaths.Fixtures, "topology", name);

    [Theory]
    [InlineData("parent", "(its 'topology' folder is one)")]
    [InlineData("topology/nodes", "(give the folder above 'nodes')")]
    [InlineData("empty", "not a KFD topology")]
    public void FolderWithoutNodes_IsAWrongInput_NotATopologyCriuRefuses(string under, string expected)
    {
        TopologyFixtures.CopyTo("gfx1100-2", Path.Combine(Folder, "parent", "topology"));
        Directory.CreateDirectory(Path.Combine(Folder, "empty"));
        string path = under == "topology/nodes" ? Path.Combine(Folder, "parent", "topology", "nodes") : Path.Combine(Folder, under);
        var e = Assert.Throws<TopologyFormatException>(() => HostTopology.Load(path));
        Assert.False(e.CriuRefuses);
        Assert.Contains("has no 'nodes' folder", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Throws<TopologyFormatException>(() => HostTarget.Load(path, MatchEnvironment.Default));
    }

    [Fact]
    public void SnapshotWithoutNodes_IsAWrongInputToo()
    {
        string snapshot = Path.Combine(Folder, "host.snapshot");
        File.WriteAllText(snapshot, $"{HostSnapshot.Magic}\nd other\nend\n");
        var e = Assert.Throws<TopologyFormatException>(() => HostTopology.Load(snapshot));
        Assert.False(e.CriuRefuses);
    }

    [Fact]
    public void FolderExtractedFromATarOfSysfs_ReadsAsTheTarDoes()
    {
        // GNU tar stores each sysfs attribute at its stat size, 4096 bytes, padded with NULs; tar x writes them out.
        string padded = TopologyFixtures.CopyTo("gfx1100-2", Path.Combine(Folder, "padded"));
        foreach (string file in Directory.EnumerateFiles(padded, "*", SearchOption.AllDirectories))
        {
            using FileStream stream = File.OpenWrite(file);
            stream.SetLength(4096);
        }

        KfdTopology clean = HostTopology.Load(Fixture("gfx1100-2"));
        KfdTopology fromPadded = HostTopology.Load(padded);
        Assert.Equal(clean.Nodes.Select(Describe), fromPadded.Nodes.Select(Describe));
    }

    [Fact]
    public void ALineCriuRefuses_IsQuotedShort_WithItsNulsCounted()
    {
        // NULs inside the content (not trailing padding) stay, and CRIU refuses the line they start.
        string folder = TopologyFixtures.CopyTo("gfx1100-2", Path.Combine(Folder, "nul"));
        string properties = Path.Combine(folder, "nodes", "2", "properties");
        File.WriteAllBytes(properties, [.. File.ReadAllBytes(properties), .. new byte[1400], .. "simd_count 1\n"u8]);
        var e = Assert.Throws<TopologyFormatException>(() => HostTopology.Load(folder));
        Assert.True(e.CriuRefuses);
        Assert.True(e.Message.Length < 300, e.Message);
        Assert.Contains("NUL bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SnapshotOfAFolderWithANewlineInItsName_ReadsBack_ItsSourceOnOneLine()
    {
        // The source line took the name as it was: a newline ended the record, and host-check refused the
        // snapshot host-snapshot had written with exit 0 ("unknown record").
        string copy = TopologyFixtures.CopyTo("gfx1100-2", Path.Combine(Folder, "a\nd nodes/9\u001b[31m"));
        string snapshot = Snapshot(copy, "newline.snapshot");
        string text = File.ReadAllText(snapshot);
        Assert.Contains($"\n@ source {Folder}/a\\u000ad nodes/9\\u001b[31m\n", text, StringComparison.Ordinal);
        Assert.Equal(HostTopology.Load(copy).Nodes.Select(Describe), HostTopology.Load(snapshot).Nodes.Select(Describe));
    }

    [Fact]
    public void SnapshotOfACopy_RecordsKernfsOrder_AndNoKernelRelease()
    {
        string copy = TopologyFixtures.CopyTo("mi300x-8-other-ids", Path.Combine(Folder, "copy"));
        string snapshot = Snapshot(copy, "copy.snapshot");
        string text = File.ReadAllText(snapshot);
        Assert.DoesNotContain("@ kernel-release", text, StringComparison.Ordinal);
        Assert.Contains("\n@ order kernfs-rebuilt\n", text, StringComparison.Ordinal);
        KfdTopology fromSnapshot = HostTopology.Load(snapshot);
        Assert.Null(fromSnapshot.KernelRelease);
        Assert.Equal(HostTopology.Load(copy).Nodes.Select(Describe), fromSnapshot.Nodes.Select(Describe));
        Assert.Contains("kernfs order rebuilt", fromSnapshot.Order, StringComparison.Ordinal);
    }

    [Fact]
    public void SnapshotOfAnotherFormat_SaysWhichFormat()
    {
        string snapshot = Path.Combine(Folder, "v2.snapshot");
        File.WriteAllText(snapshot, "criu-image host snapshot 2\nend\n");
        var e = Assert.Throws<TopologyFormatException>(() => HostTopology.Load(snapshot));
        Assert.Contains("snapshot format 2 is not supported", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HiddenGpuNode_IsSkippedAsCriuDoes_AndNamed()
    {
        string snapshot = SnapshotWithHiddenGpu("Operation not permitted");
        KfdTopology target = HostTopology.Load(snapshot);
        Assert.Equal([2u], target.HiddenGpuNodes);
        Assert.Single(target.Gpus);

        KfdTopology source = HostTopology.Load(Fixture("gfx1100-2")).AsCheckpointed();
        HostCheckResult result = HostCheck.Run(source, target, MatchEnvironment.Default);
        Assert.Equal((false, CriuOutcome.DeviceCountMismatch), (result.Restores, result.Outcome));
        Assert.Equal([Descriptors.GpuCountMismatch, Descriptors.TargetGpusHidden], result.Findings.Select(f => f.Descriptor));
        Assert.Contains("1 more GPU node(s) refused to the reader", result.Findings[0].Message, StringComparison.Ordinal);
        Assert.Contains("node 2", result.Findings[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnreadableForAnotherReason_IsNotCountedAsHidden()
    {
        KfdTopology target = HostTopology.Load(SnapshotWithHiddenGpu("Input/output error"));
        Assert.Empty(target.HiddenGpuNodes);
        Assert.True(TopologyTree.IsDenied(FolderTree.DeniedReason));
        Assert.False(TopologyTree.IsDenied("no such file"));
    }

    [Fact]
    public void GpuIdThatIsAFolder_IsSkipped_ButNotCountedAsHidden()
    {
        // CRIU's open succeeds and read fails (EISDIR): the node is skipped; .NET reports it like a refusal.
        string folder = TopologyFixtures.CopyTo("gfx1100-2", Path.Combine(Folder, "dir"));
        string gpuId = Path.Combine(folder, "nodes", "2", "gpu_id");
        File.Delete(gpuId);
        Directory.CreateDirectory(gpuId);
        KfdTopology target = HostTopology.Load(folder);
        Assert.Single(target.Gpus);
        Assert.Empty(target.HiddenGpuNodes);
    }

    [Fact]
    public void NoHiddenGpu_NoCri419()
    {
        KfdTopology host = HostTopology.Load(Fixture("gfx1100-2"));
        Assert.Empty(host.HiddenGpuNodes);
        Assert.DoesNotContain(HostCheck.Run(host.AsCheckpointed(), host, MatchEnvironment.Default).Findings, f => f.Descriptor == Descriptors.TargetGpusHidden);
    }

    /// <summary>A snapshot of gfx1100-2 whose node 2 (a GPU) refused its gpu_id with <paramref name="reason"/>.</summary>
    private string SnapshotWithHiddenGpu(string reason)
    {
        string snapshot = Snapshot(Fixture("gfx1100-2"), "hidden.snapshot");
        string text = File.ReadAllText(snapshot);
        string gpuId = File.ReadAllText(Path.Combine(Fixture("gfx1100-2"), "nodes", "2", "gpu_id"));
        string record = $"f nodes/2/gpu_id {gpuId.Length}\n{gpuId}\n";
        Assert.Contains(record, text, StringComparison.Ordinal);
        File.WriteAllText(snapshot, text.Replace(record, $"! nodes/2/gpu_id {reason}\n", StringComparison.Ordinal));
        return snapshot;
    }

    private static string Describe(TopologyNode n) =>
        $"{n.NodeId} {n.GpuId} {n.CpuCoresCount} {n.SimdCount} {n.FwVersion} {n.VramSize} {n.DrmRenderMinor} {string.Join(",", n.Links)}";

    /// <summary>A snapshot of <paramref name="topology"/>, without a kernel release, in the test's folder as <paramref name="name"/>.</summary>
    private string Snapshot(string topology, string name)
    {
        string snapshot = Path.Combine(Folder, name);
        using FileStream file = File.Create(snapshot);
        HostSnapshot.Write(topology, file, null);
        return snapshot;
    }
}
