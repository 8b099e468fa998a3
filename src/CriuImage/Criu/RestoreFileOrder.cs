using System.Globalization;

namespace CriuImage.Criu;

/// <summary>
/// The order CRIU's core hands a dump's amdgpu files to the plugin's restore hook, and whether the dump says it.
/// A task restores its descriptors in ascending fd order, in passes while one asks for a retry
/// (<c>collect_task_fd</c> and <c>open_fdinfos</c>, criu/files.c:143-158 and :1203-1244 at 2cf8f13; a file held at
/// several descriptors is opened once, at its first, <c>__collect_desc_fle</c>, :811-820). The dump numbers the files
/// as it meets them, walking each task's <c>/proc/PID/fd</c>, which the kernel lists in ascending order
/// (criu/cr-dump.c:236-275; <c>fd_id_generate</c>, criu/file-ids.c:97-115; <c>subid++</c>, criu/kcmp-ids.c:72): in a
/// dump of one task, ascending file id is ascending fd. Tasks restore their files at the same time, each in its own
/// process, so across tasks the order is not known. Known, it is replayed as it is, a render node numbered below the
/// KFD image included (CRIU restores it before the GPU map exists, amdgpu_plugin.c:1829-1833 at 2cf8f13). Not known,
/// the replay takes the KFD images first, the order the plugin needs, then the render nodes and dma-bufs by
/// ascending id. Where the dump has CRIU's fdinfo images (<see cref="TaskFiles"/>), the order is known per task
/// for any number of tasks: each task opens the files it is the first holder of, by ascending fd, in its own
/// process; the tasks run at the same time, and the replay takes them one after another in CRIU's task order.
/// </summary>
/// <param name="Files">The files in the order replayed.</param>
/// <param name="Known">True when the dump shows CRIU restores them in that order.</param>
/// <param name="Why">What says so, or why it is not known.</param>
internal sealed record RestoreFileOrder(IReadOnlyList<CriuDumpFile> Files, bool Known, string Why)
{
    /// <summary>The task that opens each file through the plugin and at which descriptor, by file name; empty when the dump does not say.</summary>
    public IReadOnlyDictionary<string, TaskFd> Openers { get; init; } = new Dictionary<string, TaskFd>(StringComparer.Ordinal);

    /// <summary>The task that opens <paramref name="file"/> (a file name), or null when the dump does not say.</summary>
    public TaskFd? OpenerOf(string file) => Openers.TryGetValue(file, out TaskFd fd) ? fd : null;

    /// <summary>The order of <paramref name="dump"/>'s KFD images, render nodes and dma-buf files.</summary>
    public static RestoreFileOrder Of(CriuDump dump)
    {
        ArgumentNullException.ThrowIfNull(dump);
        List<CriuDumpFile> kfd = [.. dump.OfKind(CriuFileKind.KfdImage).OrderBy(f => f.Name.Id)];
        List<CriuDumpFile> rest = [.. dump.Files.Where(f => f.Name.Kind is CriuFileKind.RenderNode or CriuFileKind.DmaBuf).OrderBy(f => f.Name.Id)];
        List<CriuDumpFile> files = [.. kfd, .. rest];
        if (dump.TaskFiles is { } held && dump.ProcessTree is { } tasks)
        {
            return ByTask(files, held, tasks);
        }

        if (dump.ProcessTree is not { } tree)
        {
            string missing = dump.ProcessTreeDamage is { } damage ? $"pstree.img does not read ({damage.Message})" : "the dump has no pstree.img";
            return new RestoreFileOrder(files, false, $"unknown: {missing}, so whether one task holds the files (then CRIU restores them by ascending file id) is not known; ascending file id is replayed");
        }

        if (tree.Tasks.Count > 1)
        {
            return new RestoreFileOrder(files, false, $"unknown: pstree.img lists {tree.Tasks.Count} tasks, which restore their files at the same time; ascending file id is replayed");
        }

        List<CriuDumpFile> byId = [.. files.OrderBy(f => f.Name.Id)];
        return new RestoreFileOrder(byId, true, $"pstree.img: one task ({tree.Root.Pid}), whose files CRIU restores by ascending fd, which is ascending file id");
    }

    /// <summary>The order the fdinfo images give: per task in CRIU's task order, the files it opens by ascending fd.</summary>
    private static RestoreFileOrder ByTask(List<CriuDumpFile> files, TaskFiles held, CriuProcessTree tree)
    {
        string? unknown = held.Unknown ?? files.Where(f => f.Name.Id < 0).Select(f => $"{f.FileName} is named on its own and has no file id").FirstOrDefault();
        if (unknown is not null)
        {
            return new RestoreFileOrder(files, false, $"unknown: {unknown}; the KFD images first, then ascending file id is replayed");
        }

        // A file no restored descriptor names is never handed to the plugin (CRI353): it is not replayed.
        files = [.. files.Where(f => held.Opener(f.Name.Id) is not null)];
        Dictionary<string, TaskFd> openers = files.ToDictionary(f => f.FileName, f => held.Opener(f.Name.Id)!.Value, StringComparer.Ordinal);
        var ordered = new List<CriuDumpFile>();
        var said = new List<string>();
        foreach (CriuTask task in tree.InCriuOrder())
        {
            List<CriuDumpFile> own = [.. files.Where(f => openers[f.FileName].Pid == task.Pid).OrderBy(f => openers[f.FileName].Fd)];
            if (own.Count == 0)
            {
                continue;
            }

            ordered.AddRange(own);
            said.Add(string.Create(CultureInfo.InvariantCulture, $"task {task.Pid} opens {string.Join(", ", own.Select(f => $"{f.FileName} (fd {openers[f.FileName].Fd})"))}"));
        }

        string how = said.Count == 1 ? "by ascending fd" : "each task by ascending fd in its own process, the tasks at the same time (replayed one after another)";
        return new RestoreFileOrder(ordered, true, $"fdinfo images: {string.Join("; ", said)}: {how}") { Openers = openers };
    }
}
