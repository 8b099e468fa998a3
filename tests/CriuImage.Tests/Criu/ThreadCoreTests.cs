using System.Text.Json.Nodes;
using CriuImage.Tests.Support;
using Google.Protobuf;
using static CriuImage.Tests.Support.CriuCoreImages;
using static CriuImage.Tests.Support.CriuTaskDumps;

namespace CriuImage.Tests;

/// <summary>
/// A task's threads' cores (core-TID.img), as CRIU's restore reads them once the task's files are restored
/// (open_cores and sigreturn_restore, criu/cr-restore.c:643, :658, :3397-3408 at 2cf8f13): one CRIU refuses ends the
/// restore after the plugin's calls for that task and before the resume hook (CRI354); a live task's core without
/// its registers is refused when the task is forked (CRI351).
/// </summary>
public sealed class ThreadCoreTests : TempFolder
{
    /// <summary>The codes this class makes a dump for (CriuDumpRuleTests holds every CRI3xx code to a case).</summary>
    public static readonly string[] Codes = ["CRI354"];

    private static readonly Dictionary<uint, (uint Fd, uint Id)[]> OneTable = new() { [1] = [(3, 5), (4, 7), (5, 8), (6, 9)] };

    [Fact]
    public async Task AMissingThreadCore_FailsAfterEveryCallOfTheTasksFiles_AndBeforeTheResumeHook()
    {
        JsonNode whole = await PlanRestore(CriuFixtures.Path_("tasks/two-threads"));
        Assert.NotEqual("CRI354", (string?)whole["end"]!["code"]);
        Assert.Empty(await Findings(CriuFixtures.Path_("tasks/two-threads"), "CRI354"));

        string missing = CriuFixtures.Path_("tasks/thread-core-missing");
        JsonNode restore = await PlanRestore(missing);
        Assert.Equal(("fails", "CRI354", "amdgpu-dmabuf_9.img"), ((string)restore["end"]!["how"]!, (string)restore["end"]!["code"]!, (string)restore["end"]!["file"]!));

        // The same calls as the dump with its thread's core, up to the resume hook, which is never reached.
        string[] Calls(JsonNode r, bool resume) => [.. r["calls"]!.AsArray().Where(c => ((string)c!["file"]! == "resume") == resume).Select(c => c!.ToJsonString())];
        Assert.NotEmpty(Calls(whole, resume: true));
        Assert.Equal(Calls(whole, resume: false), Calls(restore, resume: false));
        Assert.Empty(Calls(restore, resume: true));

        string message = Assert.Single(await Findings(missing, "CRI354"));
        Assert.StartsWith("restore by CRIU criu-dev: fails: core-4245.img (thread 4245 of task 4242) is missing or holds no entry: open_cores cannot read it", message, StringComparison.Ordinal);
        (int exit, string json, _) = await Cli.Run("show", "--format", "json", missing);
        Assert.Equal((0, "CRI354"), (exit, (string)JsonNode.Parse(json)!["dumps"]![0]!["process_tree"]!["restore_stops"]!["code"]!));
    }

    [Theory]
    [InlineData("cut", "core-4245.img (thread 4245 of task 4242) at byte 8: the entry's length says")]
    [InlineData("no-thread-core", "core-4245.img (thread 4245 of task 4242) has no thread_core_entry: open_cores reads its seccomp mode through a NULL pointer")]
    [InlineData("with-tc", "core-4245.img (thread 4245 of task 4242) holds a task's task_core_entry, which a thread's core must not: sigreturn_restore refuses it")]
    [InlineData("no-thread-info", "core-4245.img (thread 4245 of task 4242) has no registers of its architecture (thread_info on x86-64)")]
    public async Task AThreadCoreCriuRefuses_IsCri354_SaidWithTheThreadAndWhy(string damage, string where)
    {
        string dump = Threaded();
        byte[] info = Nest(2, ThreadInfo()), core = Nest(5, ThreadCoreEntry()), mtype = [0x08, 0x01];
        byte[] tc = Nest(3, Varints((1, 1)));
        (string file, byte[] bytes) = damage switch
        {
            "cut" => ("core-4245.img", ThreadCore()[..^1]),
            "no-thread-core" => ("core-4245.img", Single([.. mtype, .. info])),
            "with-tc" => ("core-4245.img", Single([.. mtype, .. info, .. tc, .. core])),
            _ => ("core-4245.img", Single([.. mtype, .. core])),
        };
        File.WriteAllBytes(Path.Combine(dump, file), bytes);
        string message = Assert.Single(await Findings(dump, "CRI354"));
        Assert.Contains(where, message, StringComparison.Ordinal);
        JsonNode restore = await PlanRestore(dump);
        Assert.Equal(("fails", "CRI354"), ((string)restore["end"]!["how"]!, (string)restore["end"]!["code"]!));
        Assert.Contains(restore["calls"]!.AsArray(), c => (string)c!["file"]! == "amdgpu-renderD-8.img");
        Assert.DoesNotContain(restore["calls"]!.AsArray(), c => (string)c!["file"]! == "resume");
    }

    [Fact]
    public async Task ALiveTasksCoreWithoutRegisters_IsRefusedAtFork_AndAZombiesNeedsNone()
    {
        string dump = Threaded();
        File.WriteAllBytes(Path.Combine(dump, "core-4242.img"), Single([0x08, 0x01, .. Nest(3, Varints((1, 1))), .. Nest(5, ThreadCoreEntry())]));
        string message = Assert.Single(await Findings(dump, "CRI351"));
        Assert.Contains("core-4242.img (task 4242) is a live task's (task_state 1) without the registers of its architecture (thread_info on x86-64): check_core refuses it", message, StringComparison.Ordinal);
        JsonNode restore = await PlanRestore(dump);
        Assert.Equal(("fails", "CRI351"), ((string)restore["end"]!["how"]!, (string)restore["end"]!["code"]!));

        // A live leader's core without thread_core: fork_with_pid reads its cgroup set through NULL (cr-restore.c:1106).
        File.WriteAllBytes(Path.Combine(dump, "core-4242.img"), Single([0x08, 0x01, .. Nest(2, ThreadInfo()), .. Nest(3, Varints((1, 1)))]));
        Assert.Contains("core-4242.img (task 4242) is a live task's (task_state 1) without thread_core_entry: fork_with_pid reads its cgroup set through a NULL pointer", Assert.Single(await Findings(dump, "CRI351")), StringComparison.Ordinal);
        JsonNode forked = await PlanRestore(dump);
        Assert.Equal(("fails", "CRI351"), ((string)forked["end"]!["how"]!, (string)forked["end"]!["code"]!));
        Assert.Empty(forked["calls"]!.AsArray());

        // The zombie's core of tasks/zombie-child has tc alone, as dump_one_zombie writes it: no finding.
        Assert.Empty(await Findings(CriuFixtures.Path_("tasks/zombie-child"), "CRI351"));
        Assert.Empty(await Findings(CriuFixtures.Path_("tasks/zombie-child"), "CRI354"));
    }

    [Fact]
    public async Task AThreadIdAlreadyInTheTree_StopsCriuWhileItReadsPstree()
    {
        // The root's thread 4243 is also the child's pid: read first, the thread makes the child's pid trip BUG_ON.
        string taken = Write(Folder, [(4242, 0, 1, 1), (4243, 4242, 2, 1)], OneTable);
        File.WriteAllBytes(Path.Combine(taken, "pstree.img"), Image(PstreeMagic, Entries(Task(4242, 0, [4242, 4243]), Task(4243, 4242)), common: true));
        string message = Assert.Single(await Findings(taken, "CRI350"));
        Assert.Contains("pstree.img at byte ", message, StringComparison.Ordinal);
        Assert.Contains("task 4243's pid 4243 is a thread of an earlier task: lookup_create_item's BUG_ON (criu/pstree.c:494) kills CRIU", message, StringComparison.Ordinal);

        // A thread whose id is a task read before it: 'Unexpected task'.
        string again = Write(Folder, [(4242, 0, 1, 1), (4243, 4242, 2, 1)], OneTable);
        File.WriteAllBytes(Path.Combine(again, "pstree.img"), Image(PstreeMagic, Entries(Task(4242, 0), Task(4243, 4242, [4243, 4242])), common: true));
        Assert.Contains("task 4243's thread 4242 is already in the tree", Assert.Single(await Findings(again, "CRI350")), StringComparison.Ordinal);
        Assert.Equal(("fails", "CRI350"), ((string)(await PlanRestore(again))["end"]!["how"]!, (string)(await PlanRestore(again))["end"]!["code"]!));
    }

    /// <summary>A one-task dump whose task has a second thread, 4245, with a core CRIU takes.</summary>
    private string Threaded()
    {
        string dump = Write(Folder, [(4242, 0, 1, 1)], OneTable);
        File.WriteAllBytes(Path.Combine(dump, "pstree.img"), Image(PstreeMagic, Entries(Task(4242, 0, [4242, 4245])), common: true));
        File.WriteAllBytes(Path.Combine(dump, "core-4245.img"), ThreadCore());
        return dump;
    }

    private static byte[] Single(byte[] entry) => Image(CoreMagic, Entries(entry), common: true);

    private static byte[] Nest(int field, byte[] message) => Message(o =>
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(message));
    });
}
