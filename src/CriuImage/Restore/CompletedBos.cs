using CriuImage.Criu;

namespace CriuImage.Restore;

/// <summary>
/// The render-node BOs the plugin has completed, by handle and render minor (<c>record_completed_work</c> and
/// <c>work_already_completed</c>, plugins/amdgpu/amdgpu_plugin_util.c:149-174 at 2cf8f13), per task's process: the list
/// is a global of the plugin (:44), so each task that CRIU forks has its own, and a BO of another task with the same
/// handle and minor is made again. Where the dump does not say which task opens which file, one list for all.
/// </summary>
/// <param name="bos">How many render-node BOs the dump has (the expected size of the first set, or of the one for all).</param>
/// <param name="bosOf">How many render-node BOs the file of a name holds (a task's set is sized by the files it opens).</param>
internal sealed class CompletedBos(long bos, Func<string, long> bosOf)
{
    private readonly RenderNodeBoSet _first = new(RenderNodeBoKey.HandleAndMinor, bos);
    private readonly Dictionary<uint, RenderNodeBoSet> _ofTask = [];

    /// <summary>The task that opens each file (<see cref="RestoreFileOrder.Openers"/>); empty: one list for all.</summary>
    public IReadOnlyDictionary<string, TaskFd> Openers { get; set; } = new Dictionary<string, TaskFd>(StringComparer.Ordinal);

    /// <summary>The list of the process that restores <paramref name="file"/> (a file name).</summary>
    public RenderNodeBoSet Of(string file)
    {
        if (!Openers.TryGetValue(file, out TaskFd by))
        {
            return _first;
        }

        if (!_ofTask.TryGetValue(by.Pid, out RenderNodeBoSet? set))
        {
            // The first task's list is the one made already: a dump of one task makes no other.
            // Another task's is sized by the BOs of its own files: each set holds a bit table of its expected size, and
            // sized by the whole dump, a dump of many tasks would hold one such table per task.
            set = _ofTask.Count == 0 ? _first : new RenderNodeBoSet(RenderNodeBoKey.HandleAndMinor, Openers.Where(o => o.Value.Pid == by.Pid).Sum(o => bosOf(o.Key)));
            _ofTask[by.Pid] = set;
        }

        return set;
    }
}
