using System.Text.Json.Nodes;
using CriuImage.Tests.Support;
using static CriuImage.Tests.Support.CriuTaskDumps;

namespace CriuImage.Tests;

/// <summary>
/// Which task holds which amdgpu file, from CRIU's ids-PID.img (files_id), fdinfo-N.img and files.img (written
/// here with Google.Protobuf as CRIU writes them), and what the restore model makes of it: the order per task,
/// CLONE_FILES tables, the opener CRIU picks (lowest pid), CRI333 per task's process, CRI334 across tasks only.
/// </summary>
public sealed class TaskFilesTests : TempFolder
{
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
        // With the fdinfo images both orders of the two tasks are replayed: the child first never ends (CRI358).
        string message = Assert.Single(await Findings(CriuFixtures.Path_("tasks/import-in-another-task"), "CRI358"));
        Assert.Contains("all 2 orders of tasks 4242, 4243 replayed: 1 ends as CRIU's task order does (comes back different); 1 never ends at amdgpu-dmabuf_9.img (CRI334), e.g. 4243, 4242", message, StringComparison.Ordinal);
        Assert.Contains("amdgpu-dmabuf_9.img (task 4243 fd 4) imports handle 5, which amdgpu-renderD-8.img (task 4242 fd 5) exports", message, StringComparison.Ordinal);
        Assert.Empty(await Findings(CriuFixtures.Path_("tasks/import-in-another-task"), "CRI334"));
        // One files table (CLONE_FILES): one task opens every file, so no import waits for another task.
        Assert.Empty(await Findings(CriuFixtures.Path_("tasks/shared-files-table"), "CRI334"));
        Assert.Empty(await Findings(CriuFixtures.Path_("tasks/shared-files-table"), "CRI358"));
    }

    [Fact]
    public async Task TheOrder_IsKnownPerTask_AndShowGivesEachFilesTaskAndFd()
    {
        JsonNode restore = await PlanRestore(CriuFixtures.Path_("tasks/import-in-another-task"));
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
        JsonNode restore = await PlanRestore(dump);
        JsonNode[] resumes = [.. restore["calls"]!.AsArray().Where(c => (string)c!["file"]! == "resume" && c!["args"]!["task"] is not null).Select(c => c!)];
        Assert.Equal([(5000, -3), (4000, 0)], resumes.Select(r => ((int)r["args"]!["task"]!, (int)r["ret"]!)));
    }

    private string Dump((uint Pid, uint Ppid, uint FilesId)[] tasks, Dictionary<uint, (uint Fd, uint Id)[]> tables) =>
        CriuTaskDumps.Write(Folder, [.. tasks.Select(t => (t.Pid, t.Ppid, (uint?)t.FilesId, 1u))], tables);
}
