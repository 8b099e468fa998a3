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
/// ascending id.
/// </summary>
/// <param name="Files">The files in the order replayed.</param>
/// <param name="Known">True when the dump shows CRIU restores them in that order.</param>
/// <param name="Why">What says so, or why it is not known.</param>
internal sealed record RestoreFileOrder(IReadOnlyList<CriuDumpFile> Files, bool Known, string Why)
{
    /// <summary>The order of <paramref name="dump"/>'s KFD images, render nodes and dma-buf files.</summary>
    public static RestoreFileOrder Of(CriuDump dump)
    {
        ArgumentNullException.ThrowIfNull(dump);
        List<CriuDumpFile> kfd = [.. dump.OfKind(CriuFileKind.KfdImage).OrderBy(f => f.Name.Id)];
        List<CriuDumpFile> rest = [.. dump.Files.Where(f => f.Name.Kind is CriuFileKind.RenderNode or CriuFileKind.DmaBuf).OrderBy(f => f.Name.Id)];
        List<CriuDumpFile> files = [.. kfd, .. rest];
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
}
