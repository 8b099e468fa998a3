using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Restore;

namespace CriuImage.Tests;

/// <summary>
/// Restore/TaskOrders: which orders of the tasks are replayed and what is said of their endings. The replay is a
/// stand-in here that ends by the order it is given; the real replay of the fixtures is held to CRIU's plugin by
/// RestoreOracleTests and TaskFilesTests.
/// </summary>
public sealed class TaskOrdersTests
{
    private static readonly RestoreEnding Restored = new(RestoreEndKind.Restored, null, "", "every call returns what CRIU expects");

    /// <summary>An import of task 4243's from task 4242's export.</summary>
    private static readonly (string, TaskFd, uint, string, TaskFd)[] OneImport = [("amdgpu-dmabuf_9.img", new TaskFd(4243, 4, 9), 5, "amdgpu-renderD-8.img", new TaskFd(4242, 4, 8))];

    [Fact]
    public void EveryOrderOfTheLinkedTasks_IsReplayedOnce_TheOthersFirst()
    {
        var replayed = new List<string>();
        TaskOrders orders = TaskOrders.Replay([4242, 4244, 4243], OneImport, Restored, 0, order =>
        {
            replayed.Add(string.Join(",", order));
            return Restored;
        });

        // 4244 imports nothing and exports nothing another task imports: it restores first in every order replayed;
        // CRIU's own order (4242 before 4243) is not replayed again.
        Assert.Equal(["4244,4243,4242"], replayed);
        Assert.Null(orders.Difference);
        Assert.StartsWith("all 2 orders of tasks 4242, 4243 replayed, as their imports across tasks link them (amdgpu-dmabuf_9.img (task 4243 fd 4) imports handle 5, which amdgpu-renderD-8.img (task 4242 fd 4) exports): every one restores", orders.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOrderThatNeverEnds_IsAnError_CountingEachEnding()
    {
        var never = new RestoreEnding(RestoreEndKind.NeverEnds, Descriptors.CrossTaskImportWait, "", "asleep") { File = "amdgpu-dmabuf_9.img" };
        TaskOrders orders = TaskOrders.Replay([4242, 4243], OneImport, Restored, 0, order => order[0] == 4243 ? never : Restored);

        RestoreEnding difference = Assert.IsType<RestoreEnding>(orders.Difference);
        Assert.Equal((Descriptors.TaskOrderEndsOtherwise, Severity.Error, "amdgpu-dmabuf_9.img"), (difference.Code, difference.Code!.Severity, difference.File));
        Assert.StartsWith("all 2 orders of tasks 4242, 4243 replayed: 1 ends as CRIU's task order does (restores); 1 never ends at amdgpu-dmabuf_9.img (CRI334), e.g. 4243, 4242", difference.Message, StringComparison.Ordinal);
        Assert.EndsWith("(CRI358)", orders.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void NothingIsReplayed_ForOneTask_OrPastAStop_AndNoImportSaysSo()
    {
        int replays = 0;
        RestoreEnding Count(IReadOnlyList<uint> order)
        {
            replays++;
            return Restored;
        }

        Assert.Same(TaskOrders.None, TaskOrders.Replay([4242], OneImport, Restored, 0, Count));
        Assert.Same(TaskOrders.None, TaskOrders.Replay([4242, 4243], OneImport, new RestoreEnding(RestoreEndKind.Fails, null, "", "stops"), 0, Count));
        TaskOrders none = TaskOrders.Replay([4242, 4243], [], Restored, 0, Count);
        Assert.Equal((0, (RestoreEnding?)null), (replays, none.Difference));
        Assert.Contains("no file of one imports another's export", none.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void PastMaxTasks_OnlyTheReverseIsReplayed()
    {
        uint[] tasks = [.. Enumerable.Range(0, TaskOrders.MaxTasks + 1).Select(i => (uint)(4242 + i))];
        (string, TaskFd, uint, string, TaskFd)[] chain = [.. tasks.Skip(1).Select(t => ($"amdgpu-dmabuf_{t}.img", new TaskFd(t, 3, t), t - 1, $"amdgpu-renderD-{t - 1}.img", new TaskFd(t - 1, 4, t - 1)))];
        var replayed = new List<IReadOnlyList<uint>>();
        TaskOrders orders = TaskOrders.Replay(tasks, chain, Restored, 0, order =>
        {
            replayed.Add(order);
            return Restored;
        });

        Assert.Equal([tasks.Reverse()], replayed);
        Assert.StartsWith($"2 of the 720 orders of tasks {string.Join(", ", tasks)} (CRIU's and its reverse; every order is replayed up to 5 tasks) replayed", orders.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void PastMaxReplayedBos_OnlyTheReverseIsReplayed()
    {
        (string, TaskFd, uint, string, TaskFd)[] chain = [.. OneImport, ("amdgpu-dmabuf_12.img", new TaskFd(4244, 3, 12), 1, "amdgpu-renderD-7.img", new TaskFd(4243, 4, 7))];
        int replays = 0;
        RestoreEnding Count(IReadOnlyList<uint> order)
        {
            replays++;
            return Restored;
        }

        TaskOrders.Replay([4242, 4243, 4244], chain, Restored, TaskOrders.MaxReplayedBos / 6, Count);
        Assert.Equal(5, replays);
        TaskOrders past = TaskOrders.Replay([4242, 4243, 4244], chain, Restored, (TaskOrders.MaxReplayedBos / 6) + 1, Count);
        Assert.Equal(6, replays);
        Assert.Contains("every order is replayed up to 4000000 BOs in all, and the dump has 666667", past.Why, StringComparison.Ordinal);
    }
}
