using System.Text.Json.Nodes;
using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Tests.Support;
using Google.Protobuf;
using static CriuImage.Tests.Support.CriuCoreImages;

namespace CriuImage.Tests;

/// <summary>
/// CRIU's <c>pstree.img</c> (images/pstree.proto, written here with Google.Protobuf) and what the restore model takes
/// from it: the contents path (parallel only for a root task without children, amdgpu_plugin.c:380-388) and one
/// resume hook per alive task (cr-restore.c:2253-2266); without it the path is said to be unknown.
/// </summary>
public sealed class ProcessTreeTests : TempFolder
{
    [Fact]
    public void ThePstree_IsReadAsCriuReadsIt_WithOrWithoutTheCommonMagic()
    {
        byte[] body = Entries(Task(1, 0, [1, 7]), Task(2, 1), Task(3, 1), Task(4, 3));
        foreach (byte[] file in new[] { Image(PstreeMagic, body, common: true), Image(PstreeMagic, body, common: false) })
        {
            CriuProcessTree tree = CriuProcessTree.Read(file);
            Assert.Equal(1u, tree.Root.Pid);
            Assert.Equal([1u, 7u], tree.Root.Threads);
            Assert.True(tree.RootHasChildren);
            // for_each_pstree_item: depth first, children newest first (read_one_pstree_item's list_add).
            Assert.Equal([1u, 3u, 4u, 2u], tree.InCriuOrder().Select(t => t.Pid));
            Assert.All(tree.Tasks, t => Assert.Null(t.Alive));
        }

        Assert.False(CriuProcessTree.Read(Image(PstreeMagic, Entries(Task(9, 0)), common: true)).RootHasChildren);
    }

    [Theory]
    [InlineData("magic", 4L, "not a CRIU pstree.img")]
    [InlineData("cut", 8L, "the file is truncated")]
    [InlineData("two roots", 26L, "is the root already")]
    [InlineData("no parent", 26L, "has no entry before it")]
    [InlineData("no pid", 12L, "lacks one of its required fields")]
    public void ADamagedPstree_IsOneErrorAtItsByte(string damage, long offset, string says)
    {
        byte[] file = damage switch
        {
            "magic" => Image(CoreMagic, Entries(Task(1, 0)), common: true),
            "cut" => Image(PstreeMagic, Entries(Task(1, 0))[..^1], common: true),
            "two roots" => Image(PstreeMagic, Entries(Task(1, 0), Task(2, 0)), common: true),
            "no parent" => Image(PstreeMagic, Entries(Task(1, 0), Task(2, 5)), common: true),
            _ => Image(PstreeMagic, Entries(Message(o => o.WriteTag(2, WireFormat.WireType.Varint)).Concat(Message(o => o.WriteUInt32(0))).ToArray()), common: true),
        };
        var error = Assert.Throws<ImageFormatException>(() => CriuProcessTree.Read(file));
        Assert.Equal(offset, error.ByteOffset);
        Assert.Contains(says, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARootWithoutChildren_TakesTheParallelPath_AndResumesItsOneTask()
    {
        string dump = Dump(Entries(Task(4242, 0)));
        // One task: its files are restored by ascending id, so renderD-7 waits for renderD-8's export and closes fd 0.
        JsonNode restore = await Restore(dump, exit: 1);
        Assert.Equal("parallel", (string)restore["contents"]!);
        Assert.Equal("pstree.img: the root task 4242 has no children", (string)restore["contents_from"]!);
        JsonNode[] resumes = Resumes(restore);
        Assert.Equal([(4242, 0)], resumes.Select(r => ((int)r["args"]!["task"]!, (int)r["ret"]!)));

        // CRI324 is no longer a guess: the path is known.
        string message = Assert.Single(await Findings(dump, "CRI324"));
        Assert.EndsWith("; pstree.img: the root task 4242 has no children: criu-dev takes the parallel path", message, StringComparison.Ordinal);
        Assert.StartsWith("pstree.img: one task (4242)", (string)restore["order_from"]!, StringComparison.Ordinal);
        Assert.Equal((1, 0), ((await Findings(dump, "CRI328")).Length, (await Findings(dump, "CRI332")).Length));
    }

    [Fact]
    public async Task ARootWithChildren_TakesTheSerialPath_AndResumesEachAliveTask()
    {
        string dump = Dump(Entries(Task(4242, 0), Task(4243, 4242), Task(4244, 4242)));
        File.WriteAllBytes(Path.Combine(dump, "core-4242.img"), Core(1));
        File.WriteAllBytes(Path.Combine(dump, "core-4243.img"), Core(3));
        File.WriteAllBytes(Path.Combine(dump, "core-4244.img"), Core(6));
        JsonNode restore = await Restore(dump);
        Assert.Equal("serial", (string)restore["contents"]!);
        Assert.Equal("pstree.img: the root task 4242 has children", (string)restore["contents_from"]!);
        // The zombie 4244 gets no hook; 4243 (stopped, so alive) has no KFD process: -ESRCH, which CRIU's core ignores.
        Assert.Equal([(4242, 0), (4243, -3)], Resumes(restore).Select(r => ((int)r["args"]!["task"]!, (int)r["ret"]!)));
        Assert.Empty(await Findings(dump, "CRI324"));
        // Three tasks restore their files at once: whether renderD-7 waits is not known, so CRI332, not CRI328.
        Assert.StartsWith("unknown: pstree.img lists 3 tasks", (string)restore["order_from"]!, StringComparison.Ordinal);
        Assert.Equal((0, 1), ((await Findings(dump, "CRI328")).Length, (await Findings(dump, "CRI332")).Length));
    }

    [Fact]
    public async Task ARenderNodeNumberedBelowTheKfdImage_IsRestoredFirst_AndFailsWithoutAGpuMap()
    {
        // One task: CRIU restores renderD-7 before kfd-10, whose restore would build the GPU map (CRI333, -ENODEV).
        string dump = Dump(Entries(Task(4242, 0)));
        foreach (string file in Directory.EnumerateFiles(dump, "amdgpu-kfd-5.img").Concat(Directory.EnumerateFiles(dump, "amdgpu-pages-5-*.img")))
        {
            File.Move(file, Path.Combine(dump, Path.GetFileName(file).Replace("-5", "-10", StringComparison.Ordinal)));
        }

        JsonNode restore = await Restore(dump, 1);
        Assert.StartsWith("pstree.img: one task (4242)", (string)restore["order_from"]!, StringComparison.Ordinal);
        Assert.Equal(("fails", "CRI333", -19, "amdgpu-renderD-7.img"), ((string)restore["end"]!["how"]!, (string)restore["end"]!["code"]!, (int)restore["end"]!["errno"]!, (string)restore["end"]!["file"]!));
        Assert.Empty(restore["calls"]!.AsArray());
        Assert.Single(await Findings(dump, "CRI333"));

        // Two tasks: the order is not known, the KFD image is replayed first, and nothing is said of it.
        File.WriteAllBytes(Path.Combine(dump, "pstree.img"), Pstree((4242, 0), (4243, 4242)));
        JsonNode two = await Restore(dump);
        Assert.StartsWith("unknown: pstree.img lists 2 tasks", (string)two["order_from"]!, StringComparison.Ordinal);
        Assert.Empty(await Findings(dump, "CRI333"));
    }

    [Fact]
    public async Task AnImport_InADumpOfSeveralLiveTasks_MayWaitForEver_ByTiming()
    {
        // Two live tasks: whichever holds renderD-7 may sleep in wait_fds_event for renderD-8's export (CRI334, a warning).
        string two = Dump(Entries(Task(4242, 0), Task(4243, 4242)));
        Assert.Single(await Findings(two, "CRI334"));
        // No row restores for certain (exit 1): criu-dev's serial row on 6.18 is unknown, by timing.
        (int code, string rows, _) = await Cli.Run("restorable", "--format", "json", two);
        Assert.Equal(1, code);
        JsonNode serial = JsonNode.Parse(rows)!["dumps"]![0]!["rows"]!.AsArray().First(r => (string)r!["criu"]! == "criu-dev" && (string)r["kernel"]! == "6.18.16..6.18.35")!;
        Assert.Equal("unknown", (string)serial["how"]!);

        // One task restores its files in one process: no other task to wait for. A zombie holds no file.
        Assert.Empty(await Findings(Dump(Entries(Task(4242, 0))), "CRI334"));
        string zombie = Dump(Entries(Task(4242, 0), Task(4243, 4242)));
        File.WriteAllBytes(Path.Combine(zombie, "core-4243.img"), Core(6));
        Assert.Empty(await Findings(zombie, "CRI334"));
    }

    [Fact]
    public async Task WithoutAReadablePstree_ThePathIsUnknown_AndADamagedOneStopsTheRestore()
    {
        JsonNode none = await Restore(CriuFixtures.Path_("criu-dev"));
        Assert.StartsWith("unknown: the dump has no pstree.img", (string)none["contents_from"]!, StringComparison.Ordinal);
        Assert.Null(Resumes(none).Single()["args"]!["task"]);

        // CRIU's read_pstree_image stops the restore on it (CRI350): the contents path is still said as unknown.
        string damaged = Dump(Entries(Task(1, 0), Task(2, 0)));
        JsonNode stops = await Restore(damaged, exit: 1);
        Assert.StartsWith("unknown: pstree.img does not read (at byte 26: task 2 has no parent", (string)stops["contents_from"]!, StringComparison.Ordinal);
        Assert.Equal(("fails", "CRI350"), ((string)stops["end"]!["how"]!, (string)stops["end"]!["code"]!));
    }

    [Fact]
    public async Task Show_GivesTheTasks_AndTheFilesEachHolds_InTextAndJson()
    {
        string dump = Dump(Entries(Task(4242, 0, [4242, 4250]), Task(4243, 4242)));
        File.WriteAllBytes(Path.Combine(dump, "core-4243.img"), Core(6));
        (int code, string text, string error) = await Cli.Run("show", dump);
        Assert.Equal((0, ""), (code, error));
        // The KFD image names its task (pid 4242); render nodes and dma-bufs do not, so with two tasks they are nobody's.
        Assert.Contains("process tree (pstree.img): 2 tasks\n  task 4242 (root), state unknown, threads 4242 4250, children 4243, holds amdgpu-kfd-5.img\n  task 4243, parent 4242, zombie, threads 4243, no children\n  (render-node and dma-buf files do not record their task)\n", text, StringComparison.Ordinal);

        (_, string json, _) = await Cli.Run("show", "--format", "json", dump);
        JsonNode[] tasks = [.. JsonNode.Parse(json)!["dumps"]![0]!["process_tree"]!["tasks"]!.AsArray().Select(t => t!)];
        Assert.Equal([(4242, "unknown", "amdgpu-kfd-5.img"), (4243, "zombie", "")], tasks.Select(t => ((int)t["pid"]!, (string)t["state"]!, string.Join(',', t["holds"]!.AsArray().Select(h => (string)h!)))));

        // One task holds every file of the dump.
        string single = Dump(Entries(Task(4242, 0)));
        (_, string one, _) = await Cli.Run("show", single);
        Assert.Contains("  task 4242 (root), state unknown, threads 4242, no children, holds amdgpu-kfd-5.img, amdgpu-dmabuf_9.img, amdgpu-renderD-7.img, amdgpu-renderD-8.img\n", one, StringComparison.Ordinal);

        // Without pstree.img show says nothing of a tree, as before.
        (_, string none, _) = await Cli.Run("show", CriuFixtures.Path_("criu-dev"));
        Assert.DoesNotContain("process tree", none, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AProcessTreeBesideNoAmdgpuFile_IsSkippedAsBefore()
    {
        string folder = Path.Combine(Folder, "no-gpu");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "pstree.img"), Image(PstreeMagic, Entries(Task(1, 0)), common: true));
        (int code, string output, string error) = await Cli.Run("verify", folder);
        Assert.Equal((2, ""), (code, output));
        Assert.Contains("no image or CRIU amdgpu file found in the given inputs (1 other entry skipped)", error, StringComparison.Ordinal);
    }

    private string Dump(byte[] pstree)
    {
        string folder = Path.Combine(Folder, "dump-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        foreach (string file in Directory.EnumerateFiles(CriuFixtures.Path_("criu-dev")))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        File.WriteAllBytes(Path.Combine(folder, "pstree.img"), Image(PstreeMagic, pstree, common: true));
        return folder;
    }

    /// <summary>The plan's restore; <paramref name="exit"/> 1 when it does not come back as saved (an error ending).</summary>
    private static async Task<JsonNode> Restore(string dump, int exit = 0)
    {
        (int code, string output, string error) = await Cli.Run("plan", dump, "--format", "json");
        Assert.Equal((exit, ""), (code, error));
        return JsonNode.Parse(output)!["dumps"]![0]!["restore"]!;
    }

    private static JsonNode[] Resumes(JsonNode restore) =>
        [.. restore["calls"]!.AsArray().Where(c => (string)c!["file"]! == "resume" && (string)c["call"]! == "AMDKFD_IOC_CRIU_OP").Select(c => c!)];

    private static async Task<string[]> Findings(string dump, string code)
    {
        (_, string output, _) = await Cli.Run("verify", dump, "--format", "json");
        return [.. JsonNode.Parse(output)!["files"]!.AsArray().SelectMany(f => f!["diagnostics"]!.AsArray()).Where(d => (string)d!["code"]! == code).Select(d => (string)d!["message"]!)];
    }
}
