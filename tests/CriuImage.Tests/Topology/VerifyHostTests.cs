using System.Text.Json;
using CriuImage.Criu;
using CriuImage.Tests.Support;
using CriuImage.Verification;

namespace CriuImage.Tests.Topology;

/// <summary>
/// <c>verify DUMP --host TOPOLOGY</c> as a user runs it: the dumps generated from the topology fixtures
/// (fixtures/criu/hosts) and the criu-dev fixture against the fixture hosts; text and JSON pinned in
/// tests/golden/VerifyHost.{case}.verified.*.
/// </summary>
public sealed class VerifyHostTests : TempFolder
{
    public static TheoryData<string, string, string, string[], int> Cases => new()
    {
        { "remapped", "hosts/gfx1100-2", "gfx1100-2-other-ids", [], 0 },
        { "fewer-gpus", "hosts/mi300x-8", "mi300x-7", [], 1 },
        { "old-fw", "hosts/gfx1100-2", "gfx1100-2-old-fw", [], 1 },
        { "old-fw-unchecked", "hosts/gfx1100-2", "gfx1100-2-old-fw", ["--env", "KFD_FW_VER_CHECK=0"], 0 },
        { "kfd-file", "hosts/gfx1100-2/amdgpu-kfd-5.img", "gfx1100-2-other-ids", [], 0 },
        { "mi300x-never-ends", "hosts/mi300x-8", "mi300x-8-old-fw", [], 1 },
        { "mi300x-hive-remapped", "hosts/mi300x-8", "mi300x-8-other-ids", [], 0 },
        { "mi210-hives-remapped", "hosts/mi210-8", "mi210-8-other-ids", [], 0 },
        { "mi210-cross-socket-hives", "hosts/mi210-8", "mi210-8-cross-socket-hives", [], 1 },
        { "render-nodes-pre-6.18", "criu-dev", "gfx1100-2", ["--target-kernel", "6.8.0-51-generic", "--env", "KFD_FW_VER_CHECK=0", "--env", "KFD_SDMA_FW_VER_CHECK=0", "--env", "KFD_VRAM_SIZE_CHECK=0", "--env", "KFD_CAPABILITY_CHECK=0"], 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Verdict_IsPinned(string name, string dump, string host, string[] extra, int exit)
    {
        string[] args = ["verify", CriuFixtures.Path_(dump), "--host", Topology(host), .. extra];
        (int code, string text, string error) = await Cli.Run(args);
        (int jsonCode, string json, _) = await Cli.Run([.. args, "--format", "json"]);
        Assert.Equal((exit, exit, ""), (code, jsonCode, error));
        Snapshot.Verify($"VerifyHost.{name}", $"exit {code}\n{Portable(text)}");
        Snapshot.Verify($"VerifyHost.{name}", Portable(json), "json");
    }

    [Fact]
    public async Task Sarif_CarriesTheVerdictAndGpuMap_AsTheJsonReportDoes()
    {
        string[] args = ["verify", CriuFixtures.Path_("hosts/gfx1100-2"), "--host", Topology("gfx1100-2-other-ids")];
        (_, string json, _) = await Cli.Run([.. args, "--format", "json"]);
        (int code, string sarif, _) = await Cli.Run([.. args, "--format", "sarif"]);
        Assert.Equal(0, code);
        using JsonDocument j = JsonDocument.Parse(json);
        using JsonDocument s = JsonDocument.Parse(sarif);
        JsonElement kfd = j.RootElement.GetProperty("files").EnumerateArray().Single(f => f.TryGetProperty("host", out _));
        JsonElement artifact = s.RootElement.GetProperty("runs")[0].GetProperty("artifacts").EnumerateArray().Single(a => a.TryGetProperty("properties", out _));
        Assert.Equal(kfd.GetProperty("path").GetString(), artifact.GetProperty("location").GetProperty("uri").GetString());
        foreach (string name in new[] { "host", "gpu_map" })
        {
            Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(
                System.Text.Json.Nodes.JsonNode.Parse(kfd.GetProperty(name).GetRawText()),
                System.Text.Json.Nodes.JsonNode.Parse(artifact.GetProperty("properties").GetProperty(name).GetRawText())), name);
        }

        Assert.Equal(2, artifact.GetProperty("properties").GetProperty("gpu_map").GetArrayLength());
    }

    [Fact]
    public async Task Restores_GpuMapInTheKfdFilesJson()
    {
        (int code, string json, _) = await Cli.Run("verify", CriuFixtures.Path_("hosts/gfx1100-2"), "--host", Topology("gfx1100-2-other-ids"), "--format", "json");
        Assert.Equal(0, code);
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement kfd = doc.RootElement.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("path").GetString()!.EndsWith("amdgpu-kfd-5.img", StringComparison.Ordinal));
        Assert.True(kfd.GetProperty("host").GetProperty("restores").GetBoolean());
        var map = kfd.GetProperty("gpu_map").EnumerateArray().Select(e => (e.GetProperty("src_gpu_id").GetUInt32(), e.GetProperty("dest_gpu_id").GetUInt32(), e.GetProperty("src_render_minor").GetUInt32(), e.GetProperty("dest_render_minor").GetUInt32())).ToArray();
        Assert.Equal([(0x1240u, 9090u, 128u, 128u), (0x7925u, 1234u, 129u, 129u)], map);
        Assert.Contains(kfd.GetProperty("diagnostics").EnumerateArray(), d => d.GetProperty("code").GetString() == "CRI413");
        Assert.All(doc.RootElement.GetProperty("files").EnumerateArray().Where(f => f.GetProperty("path").GetString() != kfd.GetProperty("path").GetString()), f => Assert.False(f.TryGetProperty("gpu_map", out _)));
    }

    [Theory]
    [InlineData("archives/checkpoint-criu-dev.tar")]
    [InlineData("archives/checkpoint-criu-dev.tar.gz")]
    public async Task ContainerArchive_IsCheckedFromTheKfdImageInside(string archive)
    {
        string[] off = ["--env", "KFD_FW_VER_CHECK=0", "--env", "KFD_SDMA_FW_VER_CHECK=0", "--env", "KFD_VRAM_SIZE_CHECK=0", "--env", "KFD_CAPABILITY_CHECK=0"];
        (int code, string json, string error) = await Cli.Run(["verify", CriuFixtures.Path_(archive), "--host", Topology("gfx1100-2"), "--target-kernel", "6.18.1", "--format", "json", .. off]);
        Assert.Equal((0, ""), (code, error));
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement kfd = Assert.Single(doc.RootElement.GetProperty("files").EnumerateArray(), f => f.TryGetProperty("gpu_map", out _));
        Assert.EndsWith("checkpoint/amdgpu-kfd-5.img", kfd.GetProperty("path").GetString(), StringComparison.Ordinal);
        Assert.Equal([(0x1A2Bu, 0x1240u), (0xC0DEu, 0x7925u)], kfd.GetProperty("gpu_map").EnumerateArray().Select(e => (e.GetProperty("src_gpu_id").GetUInt32(), e.GetProperty("dest_gpu_id").GetUInt32())));
        (code, _, _) = await Cli.Run("verify", CriuFixtures.Path_(archive), "--host", Topology("gfx1100-2"));
        Assert.Equal(1, code);
    }

    [Fact]
    public async Task Refused_HasNoGpuMap_AndSarifCarriesTheReason()
    {
        (int code, string json, _) = await Cli.Run("verify", CriuFixtures.Path_("hosts/gfx1100-2"), "--host", Topology("gfx1100-2-old-fw"), "--format", "json");
        Assert.Equal(1, code);
        Assert.DoesNotContain("gpu_map", json, StringComparison.Ordinal);
        (code, string sarif, _) = await Cli.Run("verify", CriuFixtures.Path_("hosts/gfx1100-2"), "--host", Topology("gfx1100-2-old-fw"), "--format", "sarif");
        Assert.Equal(1, code);
        Assert.Contains("\"CRI403\"", sarif, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("6.8.0-test", true)]
    [InlineData("6.18.1", false)]
    public async Task SnapshotsKernelRelease_IsTheTarget(string release, bool refused)
    {
        string snapshot = Path.Combine(Folder, "node.snapshot");
        using (FileStream file = File.Create(snapshot))
        {
            CriuImage.Topology.HostSnapshot.Write(Topology("gfx1100-2"), file, release);
        }

        (_, string text, string error) = await Cli.Run("verify", CriuFixtures.Path_("criu-dev"), "--host", snapshot);
        Assert.Equal("", error);
        // The GPU map fails first on this host (CRI403): CRI416 is said as what follows it.
        Assert.Equal(refused, text.Split('\n').Any(l => l.Contains("error CRI416: ", StringComparison.Ordinal) && l.Contains($"the target (kernel {release}) is older than 6.18", StringComparison.Ordinal)));
        Assert.DoesNotContain("CRI418", text, StringComparison.Ordinal);

        // --target-kernel overrides what the snapshot records.
        (_, text, _) = await Cli.Run("verify", CriuFixtures.Path_("criu-dev"), "--host", snapshot, "--target-kernel", refused ? "6.18.0" : "6.17.1");
        Assert.Equal(!refused, text.Contains("error CRI416", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownKernel_IsANote_AndTheKfdVersionIsNeverGuessed()
    {
        (_, string text, _) = await Cli.Run("verify", CriuFixtures.Path_("criu-dev"), "--host", Topology("gfx1100-2"));
        Assert.Contains("amdgpu-renderD-7.img: note CRI418", text, StringComparison.Ordinal);
        Assert.Contains("amdgpu-kfd-5.img: note CRI417", text, StringComparison.Ordinal);
        Assert.DoesNotContain("CRI416", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--host", "no/such/topology", "no/such/topology: error: no such file or folder")]
    [InlineData("--target-kernel", "latest", "criu-image: error: --target-kernel 'latest' is not a kernel release (MAJOR.MINOR...)")]
    [InlineData("--env", "KFD_FW_VER_CHECK", "criu-image: error: --env and --disk-order need --host")]
    public async Task BadHostOptions_AreOneLine_Exit2(string option, string value, string line)
    {
        (int code, string output, string error) = await Cli.Run("verify", CriuFixtures.Path_("hosts/gfx1100-2"), option, value);
        Assert.Equal((2, "", line + "\n"), (code, output, error));
    }

    [Fact]
    public async Task TargetCriuCannotParse_IsCri410_InTheKfdEntry_NotAnUnreadableInput()
    {
        string host = Path.Combine(Folder, "gfx1100-2");
        TopologyFixtures.CopyTo("gfx1100-2", host);

        File.AppendAllText(Path.Combine(host, "nodes", "1", "properties"), "bogus line\n");
        (int code, string text, string error) = await Cli.Run("verify", CriuFixtures.Path_("hosts/gfx1100-2/amdgpu-kfd-5.img"), "--host", host);
        Assert.Equal((1, ""), (code, error));
        Assert.Contains("amdgpu-kfd-5.img: error CRI410: nodes/1/properties: line 39 'bogus line'", text, StringComparison.Ordinal);
        Assert.Contains($"amdgpu-kfd-5.img: on {host}: does not restore (target-unparsable", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContradictoryTargets_AreOneLine_Exit2()
    {
        (int code, _, string error) = await Cli.Run("verify", CriuFixtures.Path_("criu-dev"), "--target", "6.18", "--target-kernel", "6.8.0");
        Assert.Equal((2, "criu-image: error: --target 6.18 contradicts --target-kernel 6.8.0 (profile pre-6.18)\n"), (code, error));
    }

    [Fact]
    public async Task Library_HostOptionGivesTheVerdictToTheKfdReport()
    {
        var host = CriuImage.Topology.HostTarget.Load(Topology("gfx1100-2-less-vram"), CriuImage.Topology.MatchEnvironment.Default);
        var inputs = CriuImage.Criu.DumpInputs.Collect([CriuFixtures.Path_("hosts/gfx1100-2")], new CriuImage.Input.InputOptions(), () => Stream.Null);
        VerifyRun run = await Verifier.VerifyAsync(inputs, 1, CancellationToken.None, new VerifyOptions { Host = host });
        FileReport kfd = run.Reports.Single(r => r.Host is not null);
        Assert.False(kfd.Host!.Result.Restores);
        Assert.Contains(kfd.Diagnostics, d => d.Descriptor == Descriptors.PropertyMismatch && d.Message.Contains("vram_size", StringComparison.Ordinal));
    }

    private static string Topology(string name) => Path.Combine(RepoPaths.Fixtures, "topology", name);

    private static string Portable(string text) => CriuFixtures.Portable(text).Replace(Path.Combine(RepoPaths.Fixtures, "topology"), "fixtures/topology", StringComparison.Ordinal);
}
