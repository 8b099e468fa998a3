using System.Text.Json.Nodes;
using CriuImage.Criu;
using CriuImage.Input;
using CriuImage.Restore;
using CriuImage.Tests.Support;
using CriuImage.Topology;

namespace CriuImage.Tests;

/// <summary>
/// <c>plan DUMP [--host TOPOLOGY]</c>: the restore of a CRIU dump along the plugin's path, pinned in
/// tests/golden/PlanDump.{case}.verified.*, and held to the same verdict as <c>verify --host</c>.
/// </summary>
public sealed class PlanDumpTests : TempFolder
{
    private static readonly string[] AllChecksOff = ["--env", "KFD_FW_VER_CHECK=0", "--env", "KFD_SDMA_FW_VER_CHECK=0", "--env", "KFD_VRAM_SIZE_CHECK=0", "--env", "KFD_CAPABILITY_CHECK=0"];

    public static TheoryData<string, string, string?, string[], int> Cases => new()
    {
        { "no-host", "criu-dev", null, [], 0 },
        { "released-no-host", "released-v4.2", null, [], 0 },
        { "remapped", "hosts/gfx1100-2-render", "gfx1100-2-other-ids", ["--target-kernel", "6.18.1"], 0 },
        { "old-fw", "hosts/gfx1100-2-render", "gfx1100-2-old-fw", [], 1 },
        { "pre-6.18-kernel", "hosts/gfx1100-2-render", "gfx1100-2", ["--target-kernel", "6.8.0-51-generic"], 1 },
        { "never-ends", "hosts/mi300x-8", "mi300x-8-old-fw", [], 1 },
        { "archive", "archives/checkpoint-criu-dev.tar.gz", "gfx1100-2", ["--target-kernel", "6.18.1", .. AllChecksOff], 0 },
        { "kfd-file", "hosts/gfx1100-2/amdgpu-kfd-5.img", "gfx1100-2-other-ids", [], 0 },
        { "truncated-kfd", "damaged/truncated-kfd", null, [], 2 },
        { "unknown-gpu-id", "damaged/unknown-gpu-id", null, [], 1 },
        { "render-node-alone", "criu-dev/amdgpu-renderD-8.img", null, [], 0 },
        { "kfd-priv-mapped-gpu", "damaged/kfd-priv-mapped-gpu", null, [], 1 },
        { "sixteen-slot-bos-on-6.18", "released-v3.17", null, ["--target-kernel", "6.18.1"], 1 },
        { "queues-on-mi210", "criu-dev-queues", null, ["--target-kernel", "6.18.1"], 0 },
        { "gfx11-compute-queue-on-6.18", "damaged/kfd-queue-gfx11-ctl-stack", null, ["--target-kernel", "6.18.1"], 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Plan_IsPinned(string name, string dump, string? host, string[] extra, int exit)
    {
        string[] args = ["plan", CriuFixtures.Path_(dump), .. host is null ? Array.Empty<string>() : ["--host", Topology(host)], .. extra];
        (int code, string text, string error) = await Cli.Run(args);
        (int jsonCode, string json, _) = await Cli.Run([.. args, "--format", "json"]);
        Assert.Equal((exit, exit), (code, jsonCode));

        // A file that could not be read is said on standard error and makes the exit status 2, as in verify, whatever was refused.
        Assert.Equal(exit == 2, error.Contains(": error: ", StringComparison.Ordinal));
        if (exit != 2)
        {
            Assert.Equal("", error);
            Assert.Equal(exit == 1, JsonNode.Parse(json)!["dumps"]!.AsArray().Any(d => d!["refused"]!.GetValue<bool>() || !ComesBackAsSaved(d)));
        }

        Snapshot.Verify($"PlanDump.{name}", $"exit {code}\n{Portable(text)}");
        Snapshot.Verify($"PlanDump.{name}", Portable(json), "json");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Plan_AndVerify_AgreeOnTheHost(string name, string dump, string? host, string[] extra, int exit)
    {
        _ = (name, exit);
        if (host is null)
        {
            return;
        }

        string[] common = [CriuFixtures.Path_(dump), "--host", Topology(host), .. extra];
        (int plan, string planJson, _) = await Cli.Run(["plan", .. common, "--format", "json"]);
        (int verify, string json, _) = await Cli.Run(["verify", .. common, "--format", "json"]);
        // verify fails on CRI4xx errors and CRI416 exactly when plan refuses a step; its other findings are about the files.
        // plan also exits 1 when CRIU's own restore does not come back as saved (its replay's end).
        bool hostErrors = JsonNode.Parse(json)!["files"]!.AsArray()
            .SelectMany(f => f!["diagnostics"]!.AsArray())
            .Any(d => d!["severity"]!.GetValue<string>() == "error" && d["code"]!.GetValue<string>() is var c && (c.StartsWith("CRI4", StringComparison.Ordinal) || c == "CRI416"));
        bool replayFails = JsonNode.Parse(planJson)!["dumps"]!.AsArray().Any(d => !ComesBackAsSaved(d));
        Assert.Equal(plan == 1, hostErrors || replayFails);
        // The endings only the replay finds are in verify too (CRI325-CRI330): whenever plan fails, so does verify.
        Assert.True(verify >= plan);
    }

    /// <summary>
    /// True when the dump's replayed restore (docs/restore-calls.md) ends <c>restored</c>, or there is none, or it only
    /// differs in ways verify warns of too: CRI324 (the parallel path may not be taken), CRI332 (the order CRIU
    /// restores the files in may not be the one replayed).
    /// </summary>
    private static bool ComesBackAsSaved(JsonNode? dump) =>
        dump?["restore"]?["end"]?["how"]?.GetValue<string>() is null or "restored"
        || (dump["restore"]!["end"]!["how"]!.GetValue<string>() == "differs" && dump["restore"]!["differences"]!.AsArray().All(d => d!["code"]!.GetValue<string>() is "CRI324" or "CRI332"));

    [Fact]
    public void TheLibrary_MapsEachRenderNodeToItsTargetGpu()
    {
        CriuDump dump = Dump("hosts/gfx1100-2-render");
        HostTarget host = HostTarget.Load(Topology("gfx1100-2-other-ids"), MatchEnvironment.Default, "6.18.1");
        DumpRestorePlan plan = DumpRestorePlan.Create(dump, host);
        Assert.False(plan.Refused);
        GpuMapEntry[] map = [.. Assert.Single(plan.Kfd).Host!.GpuMap];
        Assert.All(plan.RenderNodes, node =>
        {
            GpuMapEntry pair = Assert.Single(map, e => e.SrcGpuId == node.GpuId);
            Assert.Equal(pair, node.Device);
            Assert.Equal(KernelProfile.Linux6_18, node.Calls!.Target with { Kfd = null });
            Assert.Equal(4, node.Calls.Calls.Count);
        });
    }

    [Fact]
    public void ATargetWithoutChangeHandle_RefusesTheFirstChangeHandleOfEachRenderNode()
    {
        HostTarget host = HostTarget.Load(Topology("gfx1100-2"), MatchEnvironment.Default, "6.17.9");
        DumpRestorePlan plan = DumpRestorePlan.Create(Dump("hosts/gfx1100-2-render"), host);
        Assert.True(plan.Refused);
        Assert.All(plan.RenderNodes, node =>
        {
            PlannedCall refused = Assert.Single(node.Calls!.Calls, c => c.Refused);
            Assert.Equal(RestoreCall.ChangeHandle, refused.Call);
            Assert.Equal("CRI416", Assert.Single(refused.Refusals).Descriptor.Id);
            Assert.Empty(node.Findings);
        });
    }

    [Fact]
    public void ARenderNodeWithoutAKfdImage_HasNoTargetGpu()
    {
        CriuDump whole = Dump("hosts/gfx1100-2-render");
        CriuDump alone = whole with { Files = [.. whole.Files.Where(f => f.Name.Kind != CriuFileKind.KfdImage)] };
        DumpRestorePlan plan = DumpRestorePlan.Create(alone, HostTarget.Load(Topology("gfx1100-2"), MatchEnvironment.Default));
        Assert.True(plan.Refused);
        Assert.All(plan.RenderNodes, node => Assert.Contains("-ENODEV", node.Refusal, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ADumpFolderWithoutItsKfdImage_FailsInVerifyAndPlanAlike()
    {
        File.Delete(Path.Combine(CriuFixtures.CopyTo("criu-dev", Folder), "amdgpu-kfd-5.img"));

        (int verify, string text, _) = await Cli.Run("verify", Folder);
        (int plan, string steps, _) = await Cli.Run("plan", Folder);
        Assert.Equal((1, 1), (verify, plan));
        Assert.Equal(2, text.Split('\n').Count(l => l.Contains(": error CRI321: ", StringComparison.Ordinal)));
        Assert.Equal(2, steps.Split('\n').Count(l => l.Contains("REFUSED: the dump has no KFD image", StringComparison.Ordinal)));
        // One render node given alone is not its dump: neither says the restore fails for want of a KFD image.
        (verify, text, _) = await Cli.Run("verify", Path.Combine(Folder, "amdgpu-renderD-8.img"));
        (plan, _, _) = await Cli.Run("plan", Path.Combine(Folder, "amdgpu-renderD-8.img"));
        Assert.DoesNotContain("CRI321", text, StringComparison.Ordinal);
        Assert.Equal(0, plan);
    }

    [Fact]
    public async Task AKernelBefore618_RefusesRenderNodesWithBos_WithOrWithoutAHost()
    {
        string dump = CriuFixtures.Path_("hosts/gfx1100-2-render");
        foreach (string[] host in new[] { Array.Empty<string>(), ["--host", Topology("gfx1100-2")] })
        {
            (int plan, string steps, _) = await Cli.Run(["plan", dump, "--target-kernel", "5.4.0", .. host]);
            (int verify, string text, _) = await Cli.Run(["verify", dump, "--target-kernel", "5.4.0", .. host]);
            Assert.Equal((1, 1), (plan, verify));
            // CRIU stops at the first render node's refused CHANGE_HANDLE: the second's is never made. verify still
            // names both, each a problem of the dump on that kernel, the second as what follows the stop.
            Assert.Equal(1, steps.Split('\n').Count(l => l.EndsWith("{new_handle=1}  REFUSED", StringComparison.Ordinal)));
            Assert.Equal(1, steps.Split('\n').Count(l => l.EndsWith("{new_handle=1}  NOT REACHED", StringComparison.Ordinal)));
            Assert.Equal(1, text.Split('\n').Count(l => l.Contains("error CRI416: the target (", StringComparison.Ordinal)));
            Assert.Equal(1, text.Split('\n').Count(l => l.Contains("error CRI416: not reached: the restore stops first (CRI416 in amdgpu-renderD-", StringComparison.Ordinal) && l.Contains("once that is fixed: the target (", StringComparison.Ordinal)));
        }

        (int on618, _, _) = await Cli.Run("plan", dump, "--target-kernel", "6.18.0");
        Assert.Equal(0, on618);
    }

    [Theory]
    [InlineData("verify")]
    [InlineData("plan")]
    public async Task HostOptionMistakes_AreOneLine_Exit2(string command)
    {
        string dump = CriuFixtures.Path_("hosts/gfx1100-2");
        (int code, string output, string error) = await Cli.Run(command, dump, "--host", "");
        Assert.Equal((2, "", "criu-image: error: --host: the path is empty\n"), (code, output, error));
        (code, _, error) = await Cli.Run("host-check", "--source", Topology("gfx1100-2"), "--host", "");
        Assert.Equal((2, "criu-image: error: --host: the path is empty\n"), (code, error));
        (code, _, error) = await Cli.Run(command, dump, "--host", "-");
        Assert.Equal(2, code);
        Assert.StartsWith("criu-image: error: --host does not read standard input", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AHostWithoutAnyKfdImage_IsSaid()
    {
        (int code, _, string error) = await Cli.Run("verify", Path.Combine(RepoPaths.Fixtures, "criu-2025-06.img"), "--host", Topology("gfx1100-2"));
        Assert.Equal(0, code);
        Assert.Contains("no amdgpu-kfd-*.img among the inputs, so no GPU was matched", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMisspeltSwitch_IsAWarning_AndChangesNothing()
    {
        (int code, string text, _) = await Cli.Run("verify", CriuFixtures.Path_("hosts/gfx1100-2"), "--host", Topology("gfx1100-2-old-fw"), "--env", "KFD_FW_VERSION_CHECK=0", "--env", "KFD_MAX_BUFFER_SIZE=1");
        Assert.Equal(1, code);
        Assert.Contains("warning CRI412: CRIU reads no variable KFD_FW_VERSION_CHECK", text, StringComparison.Ordinal);
        Assert.DoesNotContain("KFD_MAX_BUFFER_SIZE:", text, StringComparison.Ordinal);
        Assert.Contains("error CRI403", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeveralProcesses_NameTheMapEachRenderNodeIsShownWith()
    {
        CriuFixtures.CopyTo("hosts/gfx1100-2-render", Folder);

        File.Copy(Path.Combine(Folder, "amdgpu-kfd-5.img"), Path.Combine(Folder, "amdgpu-kfd-6.img"));
        // The second process's contents files too: without them its KFD restore fails (CRI312).
        foreach (string pages in Directory.GetFiles(Folder, "amdgpu-pages-5-*.img"))
        {
            File.Copy(pages, pages.Replace("amdgpu-pages-5-", "amdgpu-pages-6-", StringComparison.Ordinal));
        }

        (int code, string json, _) = await Cli.Run("plan", Folder, "--host", Topology("gfx1100-2"), "--target-kernel", "6.18.1", "--format", "json");
        Assert.Equal(0, code);
        JsonArray nodes = JsonNode.Parse(json)!["dumps"]![0]!["render_nodes"]!.AsArray();
        Assert.Equal(2, nodes.Count);
        Assert.All(nodes, n => Assert.EndsWith("amdgpu-kfd-5.img", n!["map_of"]!.GetValue<string>(), StringComparison.Ordinal));
        (_, string single, _) = await Cli.Run("plan", CriuFixtures.Path_("hosts/gfx1100-2-render"), "--host", Topology("gfx1100-2"), "--format", "json");
        Assert.Null(JsonNode.Parse(single)!["dumps"]![0]!["render_nodes"]![0]!["map_of"]);
    }

    [Fact]
    public async Task StandardInput_TakesACriuFileOrArchive_AsWellAsAnImage()
    {
        // The archive's dump meets only what verify warns of under criu-dev's own restore (CRI324, CRI332): 0.
        foreach ((string piped, int exit) in new[] { ("hosts/gfx1100-2/amdgpu-kfd-5.img", 0), ("archives/checkpoint-criu-dev.tar.gz", 0) })
        {
            using var output = new MemoryStream();
            using var error = new StringWriter();
            int code = await Analyzer.Program.RunAsync(["plan", "-"], new MemoryStream(File.ReadAllBytes(CriuFixtures.Path_(piped))), output, error);
            Assert.Equal((exit, ""), (code, error.ToString()));
            Assert.Contains(": /dev/kfd of pid 4242, 2 GPUs", System.Text.Encoding.UTF8.GetString(output.ToArray()), StringComparison.Ordinal);
        }

        using var none = new StringWriter();
        int garbage = await Analyzer.Program.RunAsync(["plan", "-"], new MemoryStream("garbage"u8.ToArray()), new MemoryStream(), none);
        Assert.Equal((2, "-: error: neither a criu-image nor a CRIU amdgpu file\n"), (garbage, none.ToString()));
    }

    [Fact]
    public async Task ALinkNamedOnTheCommandLine_IsReadAsItsTarget()
    {
        string link = Path.Combine(Folder, "checkpointed.img");
        File.CreateSymbolicLink(link, CriuFixtures.Path_("criu-dev/amdgpu-kfd-5.img"));
        (int plan, string steps, _) = await Cli.Run("plan", link);
        Assert.Equal(0, plan);
        Assert.Contains($"{link}: /dev/kfd of pid 4242, 2 GPUs", steps, StringComparison.Ordinal);
        (_, string text, _) = await Cli.Run("verify", link);
        Assert.Contains("CRIU criu-dev", text, StringComparison.Ordinal);
        (int missing, string output, string error) = await Cli.Run("plan", Path.Combine(Folder, "absent"));
        Assert.Equal((2, "", $"{Path.Combine(Folder, "absent")}: error: no such file or folder\n"), (missing, output, error));
    }

    [Fact]
    public async Task AFolderWithoutCriuFiles_IsOneLine_Exit2()
    {
        (int code, string output, string error) = await Cli.Run("plan", Folder);
        Assert.Equal((2, ""), (code, output));
        Assert.Equal($"{Folder}: error: no CRIU amdgpu file found to plan\n", error);
        (code, _, error) = await Cli.Run("plan", CriuFixtures.Path_("criu-dev"), "--env", "KFD_FW_VER_CHECK=0");
        Assert.Equal((2, "criu-image: error: --env and --disk-order need --host\n"), (code, error));
    }

    private static CriuDump Dump(string relative)
    {
        InputSet inputs = DumpInputs.Collect([CriuFixtures.Path_(relative)], new InputOptions(), () => Stream.Null);
        return Assert.Single(InputPlan.Of(inputs).Dumps).Dump;
    }

    private static string Topology(string name) => Path.Combine(RepoPaths.Fixtures, "topology", name);

    private static string Portable(string text) => CriuFixtures.Portable(text).Replace(Path.Combine(RepoPaths.Fixtures, "topology"), "fixtures/topology", StringComparison.Ordinal);
}
