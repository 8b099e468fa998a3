using System.Text.Json.Nodes;
using CriuImage.Tests.Support;
using static CriuImage.Tests.Support.CriuCoreImages;
using static CriuImage.Tests.Support.CriuTaskDumps;

namespace CriuImage.Tests;

/// <summary>
/// Damaged, missing and old process images, as CRIU's restore takes them (criu-dev 2cf8f13; v3.17..v4.2 the same):
/// those that stop it are errors CRI350-CRI352 in verify and plan, said with the image, byte, task and fd; an amdgpu
/// file no restored descriptor names is CRI353; what CRIU tolerates (a missing fdinfo image, one table named by two
/// unrelated tasks, a zombie) is no finding; what cannot be known stays unknown.
/// </summary>
public sealed class ProcessImageTests : TempFolder
{
    /// <summary>The codes this class makes a dump for and asserts (CriuDumpRuleTests holds every CRI3xx code to a case).</summary>
    public static readonly string[] Codes = ["CRI350", "CRI351", "CRI352", "CRI353"];

    private static readonly Dictionary<uint, (uint Fd, uint Id)[]> OneTable = new() { [1] = [(3, 5), (4, 7), (5, 8), (6, 9)] };

    private string Dump(params (uint Pid, uint Ppid, uint? FilesId, uint State)[] tasks) => Write(Folder, tasks, OneTable);

    [Fact]
    public async Task ATruncatedFdinfoImage_StopsTheRestore_AtItsByte()
    {
        string dump = Dump((4242, 0, 1, 1), (4243, 4242, 2, 1));
        byte[] fdinfo = File.ReadAllBytes(Path.Combine(dump, "fdinfo-1.img"));
        File.WriteAllBytes(Path.Combine(dump, "fdinfo-1.img"), fdinfo[..^2]);
        long at = fdinfo.Length - 2 - Entry(9, 6).Length - 2;
        await AssertStops(dump, "CRI352", $"fdinfo-1.img (task 4242's files table) at byte {at}: the entry's length says {Entry(9, 6).Length} bytes, but only {Entry(9, 6).Length - 2} follow it");
        (_, string show, _) = await Cli.Run("show", dump);
        Assert.Contains($"  (CRIU's restore stops on the process images, CRI352: fdinfo-1.img (task 4242's files table) at byte {at}: ", show, StringComparison.Ordinal);
        (_, string json, _) = await Cli.Run("show", "--format", "json", dump);
        Assert.Equal("CRI352", (string)JsonNode.Parse(json)!["dumps"]![0]!["process_tree"]!["restore_stops"]!["code"]!);
    }

    [Fact]
    public async Task AFileIdFilesImgLacksOrTypesOtherwise_StopsTheRestore_NamingTaskFdAndByte()
    {
        string lacking = Dump((4242, 0, 1, 1));
        File.WriteAllBytes(Path.Combine(lacking, "files.img"), Image(FilesMagic, Entries(FileEntry(16, 5), FileEntry(16, 7), FileEntry(16, 9)), common: true));
        long at = 8 + 4 + Entry(5, 3).Length + 4 + Entry(7, 4).Length + 4;
        await AssertStops(lacking, "CRI352", $"fdinfo-1.img at byte {at}: task 4242 fd 5 names file id 8 (type 16), but files.img lists no file id 8: collect_fd finds no file");

        string other = Dump((4242, 0, 1, 1));
        File.WriteAllBytes(Path.Combine(other, "files.img"), Image(FilesMagic, Entries(FileEntry(16, 5), FileEntry(16, 7), FileEntry(1, 8), FileEntry(16, 9)), common: true));
        await AssertStops(other, "CRI352", "task 4242 fd 5 names file id 8 (type 16), but files.img lists file id 8 as type 1, not 16");

        // A dump has files.img (ext-files.img before v3.4): without either, CRIU finds no file for the first descriptor.
        string none = Dump((4242, 0, 1, 1));
        File.Delete(Path.Combine(none, "files.img"));
        await AssertStops(none, "CRI352", "fdinfo-1.img at byte 12: task 4242 fd 3 names file id 5 (type 16), but the dump, which has neither files.img nor ext-files.img, lists no file id 5");
    }

    [Fact]
    public async Task AFileNoDescriptorNames_IsNeverRestored_AndAFileOfAnotherTypeIsCriusOwn()
    {
        string orphan = Write(Folder, [(4242, 0, 1, 1)], new() { [1] = [(3, 5), (4, 7), (5, 8)] });
        string message = Assert.Single(await Findings(orphan, "CRI353"));
        Assert.Contains("no restored task's descriptor names file id 9: CRIU restores only the files its tasks' fdinfo images name", message, StringComparison.Ordinal);
        Assert.Contains("so it never hands amdgpu-dmabuf_9.img to the plugin", message, StringComparison.Ordinal);
        JsonNode restore = await PlanRestore(orphan);
        Assert.DoesNotContain("amdgpu-dmabuf_9.img", (string)restore["order_from"]!, StringComparison.Ordinal);

        // fdinfo and files.img agree that file 8 is a regular file (type 1): CRIU opens it itself, not the plugin.
        string regular = Write(Folder, [(4242, 0, 1, 1)], new() { [1] = [(3, 5), (4, 7), (6, 9)] });
        File.AppendAllBytes(Path.Combine(regular, "fdinfo-1.img"), Entries(Entry(8, 5, type: 1)));
        File.WriteAllBytes(Path.Combine(regular, "files.img"), Image(FilesMagic, Entries(FileEntry(16, 5), FileEntry(16, 7), FileEntry(1, 8), FileEntry(16, 9)), common: true));
        Assert.Contains("never hands amdgpu-renderD-8.img to the plugin", Assert.Single(await Findings(regular, "CRI353")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingFdinfoImage_IsAnEmptyTable_AndOneTableOfTwoUnrelatedTasks_IsReadByEach()
    {
        // The child's table 2 has no image: CRIU's dump writes none for a task without descriptors. No finding.
        string missing = Dump((4242, 0, 1, 1), (4243, 4242, 2, 1));
        JsonNode restore = await PlanRestore(missing);
        Assert.StartsWith("fdinfo images: task 4242 opens amdgpu-kfd-5.img (fd 3), ", (string)restore["order_from"]!, StringComparison.Ordinal);
        foreach (string code in new[] { "CRI351", "CRI352", "CRI353" })
        {
            Assert.Empty(await Findings(missing, code));
        }

        // Siblings 4243 and 4244 both name table 2 (neither is the other's parent): each holds its descriptors.
        string siblings = CriuFixtures.Path_("tasks/one-table-two-siblings");
        (_, string verify, _) = await Cli.Run("verify", siblings);
        Assert.Contains("amdgpu-kfd-5.img: ok: 0 errors, 0 warnings, 0 notes, 0 mappings checked, CRIU criu-dev, held by task 4242 fd 3 (opens it), task 4243 fd 3, task 4244 fd 3\n", verify, StringComparison.Ordinal);
        Assert.StartsWith("fdinfo images: task 4242 opens ", (string)(await PlanRestore(siblings))["order_from"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACoreImageMissingCutOrOfAnUnknownState_StopsTheRestore()
    {
        string missing = Dump((4242, 0, 1, 1), (4243, 4242, 2, 1));
        File.Delete(Path.Combine(missing, "core-4243.img"));
        await AssertStops(missing, "CRI351", "core-4243.img (task 4243) is missing or holds no entry: open_core reads an empty image");

        string cut = Dump((4242, 0, 1, 1));
        byte[] core = File.ReadAllBytes(Path.Combine(cut, "core-4242.img"));
        File.WriteAllBytes(Path.Combine(cut, "core-4242.img"), core[..^1]);
        await AssertStops(cut, "CRI351", "core-4242.img (task 4242) at byte 8: the entry's length says");

        // compel's TASK_ZOMBIE (6) is never what CRIU's dump stores (it writes TASK_DEAD, 2).
        string state = Dump((4242, 0, 1, 1), (4243, 4242, 2, 6));
        await AssertStops(state, "CRI351", "core-4243.img (task 4243) gives task_state 6, not alive (1), dead (2) or stopped (3): restore_one_task refuses it");

        string noIds = Dump((4242, 0, 1, 1), (4243, 4242, null, 1));
        await AssertStops(noIds, "CRI351", "core-4243.img (task 4243) is a live task's (task_state 1) and neither ids-4243.img nor the core gives its ids");
    }

    [Fact]
    public async Task ADamagedPstreeOrIdsImage_StopsTheRestoreBeforeAnyTask()
    {
        string pstree = Dump((4242, 0, 1, 1), (4243, 4242, 2, 1));
        File.WriteAllBytes(Path.Combine(pstree, "pstree.img"), Pstree((4242, 0), (4243, 4000)));
        await AssertStops(pstree, "CRI350", "pstree.img at byte ");

        string ids = Dump((4242, 0, 1, 1), (4243, 4242, 2, 1));
        File.WriteAllBytes(Path.Combine(ids, "ids-4243.img"), Image(IdsMagic, Entries(Varints((1, 4243), (2, 2))), common: true));
        await AssertStops(ids, "CRI350", "ids-4243.img at byte 12: a task_kobj_ids_entry lacks one of its required fields vm_id, files_id, fs_id, sighand_id: protobuf-c refuses it: read_pstree_ids fails");
    }

    [Fact]
    public async Task AZombieTask_RestoresNoFiles_AndIsNotResumed()
    {
        string zombie = CriuFixtures.Path_("tasks/zombie-child");
        JsonNode restore = await PlanRestore(zombie);
        JsonNode[] resumes = [.. restore["calls"]!.AsArray().Where(c => (string)c!["file"]! == "resume").Select(c => c!)];
        Assert.Equal([4242], resumes.Select(r => (int)r["args"]!["task"]!));
        (_, string show, _) = await Cli.Run("show", zombie);
        Assert.Contains("  task 4243, parent 4242, dead", show, StringComparison.Ordinal);

        // The same dump with the child alive: the resume hook runs for it too (-ESRCH: it restored no KFD image).
        string alive = Write(Folder, [(4242, 0, 1, 1), (4243, 4242, 2, 1)], OneTable);
        JsonNode[] both = [.. (await PlanRestore(alive))["calls"]!.AsArray().Where(c => (string)c!["file"]! == "resume").Select(c => c!)];
        Assert.Equal([(4242, 0), (4243, -3)], both.Select(r => ((int)r["args"]!["task"]!, (int)r["ret"]!)));
    }

    [Fact]
    public async Task OldLayouts_ExtFilesImg_IsRead_AndIdsOnlyInTheCore_IsUnknown()
    {
        // Before v3.4 the external files sat in ext-files.img (ext_file_entry {id 1, fown 5}); CRIU reads it when files.img is absent.
        string ext = Dump((4242, 0, 1, 1));
        File.Delete(Path.Combine(ext, "files.img"));
        File.WriteAllBytes(Path.Combine(ext, "ext-files.img"), Image(0x59255641, Entries(Varints((1, 5)), Varints((1, 7)), Varints((1, 9))), common: true));
        await AssertStops(ext, "CRI352", "task 4242 fd 5 names file id 8 (type 16), but ext-files.img lists no file id 8");
        File.WriteAllBytes(Path.Combine(ext, "ext-files.img"), Image(0x59255641, Entries(Varints((1, 5)), Varints((1, 7)), Varints((1, 8)), Varints((1, 9))), common: true));
        Assert.StartsWith("fdinfo images: task 4242 opens amdgpu-kfd-5.img (fd 3)", (string)(await PlanRestore(ext))["order_from"]!, StringComparison.Ordinal);

        // ids inside core-PID.img and no ids-PID.img: dumps before CRIU 1.0 (2013), which restore does not read them from.
        string core = Dump((4242, 0, 1, 1));
        File.Delete(Path.Combine(core, "ids-4242.img"));
        File.WriteAllBytes(Path.Combine(core, "core-4242.img"), Image(CoreMagic, Entries(Message(o =>
        {
            o.WriteTag(1, Google.Protobuf.WireFormat.WireType.Varint);
            o.WriteUInt32(1);
            o.WriteTag(3, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            o.WriteBytes(Google.Protobuf.ByteString.CopyFrom(Varints((1, 1))));
            o.WriteTag(4, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            o.WriteBytes(Google.Protobuf.ByteString.CopyFrom(Varints((1, 4242), (2, 1), (3, 4242), (4, 4242))));
        })), common: true));
        Assert.StartsWith("unknown: task 4242 has no ids-4242.img, only ids in core-4242.img, a layout of CRIU before 1.0", (string)(await PlanRestore(core))["order_from"]!, StringComparison.Ordinal);
    }

    /// <summary>verify gives the code as an error whose message holds <paramref name="where"/> and exits 1; plan's restore fails with it before any call.</summary>
    private static async Task AssertStops(string dump, string code, string where)
    {
        (int exit, string json, _) = await Cli.Run("verify", "--format", "json", dump);
        Assert.Equal(1, exit);
        string message = Assert.Single(JsonNode.Parse(json)!["files"]!.AsArray().SelectMany(f => f!["diagnostics"]!.AsArray())
            .Where(d => (string)d!["code"]! == code && (string)d!["severity"]! == "error").Select(d => (string)d!["message"]!));
        Assert.Contains(where, message, StringComparison.Ordinal);
        JsonNode restore = await PlanRestore(dump);
        Assert.Equal(("fails", code), ((string)restore["end"]!["how"]!, (string)restore["end"]!["code"]!));
        Assert.DoesNotContain(restore["calls"]!.AsArray(), c => (string)c!["file"]! != "init");
    }
}
