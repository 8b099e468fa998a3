using System.Text.Json.Nodes;
using CriuImage.Tests.Support;
using Google.Protobuf;
using static CriuImage.Tests.Support.CriuCoreImages;

namespace CriuImage.Tests;

/// <summary>
/// Which task holds which amdgpu file, from CRIU's core-PID.img (files_id), fdinfo-N.img and files.img (written
/// here with Google.Protobuf as CRIU writes them), and what the restore model makes of it: the order per task,
/// CLONE_FILES tables, the opener CRIU picks (lowest pid), CRI333 per task's process, CRI334 across tasks only.
/// </summary>
public sealed class TaskFilesTests : TempFolder
{
    private const uint FdinfoMagic = 0x56213732, FilesMagic = 0x56303138;

    public static TheoryData<string> TaskDumps => [.. CriuFixtures.Tasks.Keys];

    [Theory]
    [MemberData(nameof(TaskDumps))]
    public async Task EachTwoTaskFixture_RaisesItsCode(string name)
    {
        (_, string json, _) = await Cli.Run("verify", "--format", "json", CriuFixtures.Path_($"tasks/{name}"));
        Assert.Contains($"\"code\": \"{CriuFixtures.Tasks[name]}\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARenderNodeOpenedInAChild_FindsNoGpuMapInItsProcess()
    {
        string[] found = await Findings(CriuFixtures.Path_("tasks/render-node-in-child"), "CRI333");
        Assert.StartsWith("restore by CRIU criu-dev: fails: amdgpu-renderD-7.img is opened by task 4243 fd 4 before any KFD image of that task (it opens none: amdgpu-kfd-5.img is opened by task 4242)", Assert.Single(found), StringComparison.Ordinal);
        string[] below = await Findings(CriuFixtures.Path_("tasks/render-node-below-kfd-in-child"), "CRI333");
        Assert.Contains("opened by task 4243 fd 3 before any KFD image of that task (it opens amdgpu-kfd-5.img at fd 4, a higher descriptor)", Assert.Single(below), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnImport_IsSaidToWait_OnlyWhenItsExporterIsInAnotherTask()
    {
        // dmabuf_9 (child, fd 4) imports renderD-8's export (parent, fd 5); renderD-7's import is the parent's own.
        string message = Assert.Single(await Findings(CriuFixtures.Path_("tasks/import-in-another-task"), "CRI334"));
        Assert.Contains("amdgpu-dmabuf_9.img (task 4243 fd 4) imports handle 5, which amdgpu-renderD-8.img (task 4242 fd 5) exports", message, StringComparison.Ordinal);
        // One files table (CLONE_FILES): one task opens every file, so no import waits for another task.
        Assert.Empty(await Findings(CriuFixtures.Path_("tasks/shared-files-table"), "CRI334"));
    }

    [Fact]
    public async Task TheOrder_IsKnownPerTask_AndShowGivesEachFilesTaskAndFd()
    {
        JsonNode restore = await Restore(CriuFixtures.Path_("tasks/import-in-another-task"));
        Assert.Equal(
            "fdinfo images: task 4242 opens amdgpu-kfd-5.img (fd 3), amdgpu-renderD-7.img (fd 4), amdgpu-renderD-8.img (fd 5); task 4243 opens amdgpu-dmabuf_9.img (fd 4): each task by ascending fd in its own process, the tasks at the same time (replayed one after another)",
            (string)restore["order_from"]!);
        (_, string text, _) = await Cli.Run("show", CriuFixtures.Path_("tasks/shared-files-table"));
        Assert.Contains("  task 4243, parent 4242, alive, threads 4243, no children, shares task 4242's files table, holds amdgpu-kfd-5.img (fd 3), amdgpu-renderD-7.img (fd 4)", text, StringComparison.Ordinal);
        (_, string verify, _) = await Cli.Run("verify", CriuFixtures.Path_("tasks/render-node-in-child"));
        Assert.Contains("amdgpu-kfd-5.img: ok: 0 errors, 0 warnings, 0 notes, 0 mappings checked, CRIU criu-dev, held by task 4242 fd 3 (opens it), task 4243 fd 3\n", verify, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFileSeveralTasksHold_IsOpenedByTheLowestPid_NotTheParent()
    {
        // The root is 5000, its child 4000: __collect_desc_fle puts the lower pid first, so the child opens the KFD
        // image, and the parent's render node finds no GPU map in its own process.
        string dump = Dump([(5000, 0, 1), (4000, 5000, 2)], new() { [1] = [(3, 5), (4, 7), (5, 8), (6, 9)], [2] = [(3, 5)] });
        string message = Assert.Single(await Findings(dump, "CRI333"));
        Assert.Contains("amdgpu-renderD-7.img is opened by task 5000 fd 4 before any KFD image of that task (it opens none: amdgpu-kfd-5.img is opened by task 4000)", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheKfdProcess_IsResumedForTheTaskThatOpenedIt()
    {
        // The KFD image saved pid 4242, but the child 4000 (lower pid than its parent 5000) opens /dev/kfd on restore:
        // CRIU_OP RESTORE binds the KFD process to it, so RESUME finds it for 4000 and not for 5000 (-ESRCH).
        string dump = Dump([(5000, 0, 1), (4000, 5000, 2)], new() { [1] = [(3, 5)], [2] = [(3, 5), (4, 7), (5, 8), (6, 9)] });
        JsonNode restore = await Restore(dump);
        JsonNode[] resumes = [.. restore["calls"]!.AsArray().Where(c => (string)c!["file"]! == "resume" && c!["args"]!["task"] is not null).Select(c => c!)];
        Assert.Equal([(5000, -3), (4000, 0)], resumes.Select(r => ((int)r["args"]!["task"]!, (int)r["ret"]!)));
    }

    [Fact]
    public async Task DamagedOrMissingImages_LeaveTheOrderUnknown_WithTheFileAndByte()
    {
        var tables = new Dictionary<uint, (uint Fd, uint Id)[]> { [1] = [(3, 5), (4, 7), (5, 8), (6, 9)] };
        string cut = Dump([(4242, 0, 1), (4243, 4242, 2)], tables);
        byte[] fdinfo = File.ReadAllBytes(Path.Combine(cut, "fdinfo-1.img"));
        File.WriteAllBytes(Path.Combine(cut, "fdinfo-1.img"), fdinfo[..^2]);
        Assert.Equal(
            $"unknown: fdinfo-1.img at byte {fdinfo.Length - 2 - Entry(9, 6).Length - 2}: the entry's length says {Entry(9, 6).Length} bytes, but only {Entry(9, 6).Length - 2} follow it: the file is truncated; the KFD images first, then ascending file id is replayed",
            (string)(await Restore(cut))["order_from"]!);

        // The child's own table has no fdinfo image: which task holds what is not known.
        string missing = Dump([(4242, 0, 1), (4243, 4242, 2)], tables);
        Assert.StartsWith("unknown: fdinfo-2.img (task 4243's files table) is missing", (string)(await Restore(missing))["order_from"]!, StringComparison.Ordinal);

        // A file id no table names: CRIU never restores it.
        string orphan = Dump([(4242, 0, 1)], new() { [1] = [(3, 5), (4, 7), (5, 8)] });
        Assert.StartsWith("unknown: no fdinfo image names file id 9, so no task restores amdgpu-dmabuf_9.img", (string)(await Restore(orphan))["order_from"]!, StringComparison.Ordinal);

        // files.img must list each amdgpu file as EXT.
        string notExt = Dump([(4242, 0, 1)], new() { [1] = [(3, 5), (4, 7), (5, 8), (6, 9)] });
        File.WriteAllBytes(Path.Combine(notExt, "files.img"), Image(FilesMagic, Entries(FileEntry(16, 5), FileEntry(16, 7), FileEntry(1, 8), FileEntry(16, 9)), common: true));
        Assert.Contains("files.img at byte ", (string)(await Restore(notExt))["order_from"]!, StringComparison.Ordinal);
        Assert.Contains(": file id 8 is type 1, not EXT (16)", (string)(await Restore(notExt))["order_from"]!, StringComparison.Ordinal);
    }

    /// <summary>The criu-dev fixture dump with CRIU's process images: tasks as (pid, ppid, files_id), tables as descriptors (fd, file id).</summary>
    private string Dump((uint Pid, uint Ppid, uint FilesId)[] tasks, Dictionary<uint, (uint Fd, uint Id)[]> tables)
    {
        string folder = CriuFixtures.CopyTo("criu-dev", Path.Combine(Folder, "dump-" + Guid.NewGuid().ToString("N")));
        File.WriteAllBytes(Path.Combine(folder, "pstree.img"), Pstree([.. tasks.Select(t => (t.Pid, t.Ppid))]));
        foreach ((uint pid, _, uint filesId) in tasks)
        {
            File.WriteAllBytes(Path.Combine(folder, $"core-{pid}.img"), CoreWithIds(pid, filesId));
        }

        foreach ((uint id, (uint Fd, uint Id)[] fds) in tables)
        {
            File.WriteAllBytes(Path.Combine(folder, $"fdinfo-{id}.img"), Image(FdinfoMagic, Entries([.. fds.Select(f => Entry(f.Id, f.Fd))]), common: true));
        }

        File.WriteAllBytes(Path.Combine(folder, "files.img"), Image(FilesMagic, Entries([.. new uint[] { 5, 7, 8, 9 }.Select(i => FileEntry(16, i))]), common: true));
        return folder;
    }

    /// <summary>An fdinfo_entry {id, flags 0, type EXT, fd}.</summary>
    private static byte[] Entry(uint id, uint fd) => Varints((1, id), (2, 0), (3, 16), (4, fd));

    /// <summary>A file_entry {type, id} (its ext member left out: the reader takes type and id only).</summary>
    private static byte[] FileEntry(uint type, uint id) => Varints((1, type), (2, id));

    /// <summary>A core_entry with mtype, tc.task_state alive and ids {vm_id, files_id, fs_id, sighand_id}.</summary>
    private static byte[] CoreWithIds(uint pid, uint filesId)
    {
        byte[] tc = Varints((1, 1));
        byte[] ids = Varints((1, pid), (2, filesId), (3, pid), (4, pid));
        return Image(CoreMagic, Entries(Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.Varint);
            o.WriteUInt32(1);
            o.WriteTag(3, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(tc));
            o.WriteTag(4, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(ids));
        })), common: true);
    }

    private static byte[] Varints(params (int Field, uint Value)[] fields) => Message(o =>
    {
        foreach ((int field, uint value) in fields)
        {
            o.WriteTag(field, WireFormat.WireType.Varint);
            o.WriteUInt32(value);
        }
    });

    private static async Task<JsonNode> Restore(string dump)
    {
        (_, string output, string error) = await Cli.Run("plan", dump, "--format", "json");
        Assert.Equal("", error);
        return JsonNode.Parse(output)!["dumps"]![0]!["restore"]!;
    }

    private static async Task<string[]> Findings(string dump, string code)
    {
        (_, string json, _) = await Cli.Run("verify", "--format", "json", dump);
        return [.. JsonNode.Parse(json)!["files"]!.AsArray().SelectMany(f => f!["diagnostics"]!.AsArray())
            .Where(d => (string)d!["code"]! == code).Select(d => (string)d!["message"]!)];
    }
}
