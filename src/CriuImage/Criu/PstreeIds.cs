using System.Globalization;

namespace CriuImage.Criu;

/// <summary>
/// The ids <c>read_one_pstree_item</c> puts in CRIU's one tree of pids as it reads pstree.img (criu/pstree.c:550-634
/// at 2cf8f13, the same at v4.2): each task's pid, pgid and sid (<c>lookup_create_item</c>), then its threads but the
/// first, which CRIU takes for the leader (:617-631). A thread id already in the tree stops the restore ('Unexpected
/// task', :628-631); a task's pid, pgid or sid that an earlier thread took trips <c>lookup_create_item</c>'s BUG_ON
/// (:494), which kills CRIU.
/// </summary>
internal sealed class PstreeIds
{
    private readonly HashSet<uint> _items = [];
    private readonly HashSet<uint> _threads = [];

    /// <summary>Adds the task's ids in CRIU's order; returns why CRIU stops on them, or null.</summary>
    public string? Add(CriuTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        foreach ((uint id, string what) in new[] { (task.Pid, "pid"), (task.Pgid, "pgid"), (task.Sid, "sid") })
        {
            if (_threads.Contains(id))
            {
                return string.Create(CultureInfo.InvariantCulture, $"task {task.Pid}'s {what} {id} is a thread of an earlier task: lookup_create_item's BUG_ON (criu/pstree.c:494) kills CRIU");
            }

            _items.Add(id);
        }

        foreach (uint tid in task.Threads.Skip(1))
        {
            if (_items.Contains(tid) || !_threads.Add(tid))
            {
                return string.Create(CultureInfo.InvariantCulture, $"task {task.Pid}'s thread {tid} is already in the tree (a task's pid, pgid or sid, or another thread): CRIU stops ('Unexpected task', criu/pstree.c:628-631)");
            }
        }

        return null;
    }
}
