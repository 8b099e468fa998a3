using System.Globalization;
using CriuImage.Diagnostics;
using CriuImage.Input;

namespace CriuImage.Criu;

/// <summary>
/// One reading of a dump's process images in the order CRIU's restore meets them (criu-dev 2cf8f13; the same code
/// at v3.17..v4.2): every task's <c>ids-PID.img</c> while <c>pstree.img</c> is read (read_pstree_ids,
/// criu/pstree.c:516-530, :638), then the root task's core when it is forked (fork_with_pid, cr-restore.c:1090-1097),
/// every table's descriptors (root_prepare_shared, :332-346), then the other tasks' cores as they are forked (:1657).
/// The first image that stops the restore is its <see cref="ProcessImageFailure"/>; what cannot be known is said as
/// unknown. Only the descriptors of the dump's amdgpu files are kept.
/// </summary>
internal sealed class TaskImageReading(CriuProcessTree tree, IReadOnlyList<InputFile> files, HashSet<uint> amdgpu, Func<uint, string> nameOf)
{
    private const string Dev = "@2cf8f13";
    private readonly Dictionary<uint, uint> _filesId = [];
    private readonly Dictionary<uint, List<FdinfoEntry>> _tables = [];
    private readonly HashSet<uint> _alive = [];
    private readonly List<TaskFd> _foreign = [];

    /// <summary>
    /// The descriptors of files CRIU opens at once (<see cref="CriuFdImages.OpensAtOnce"/>) that more than one task holds,
    /// by file id, then pid, then place in the table (each file's opener first: the holder of lowest pid, its first).
    /// </summary>
    public List<TaskFd> AtOnce { get; } = [];

    /// <summary>Each amdgpu file id's holders, as collected.</summary>
    public Dictionary<uint, List<TaskFd>> Holders { get; } = [];

    /// <summary>The task that restores each task's table, for tasks that share their parent's.</summary>
    public Dictionary<uint, uint> Owners { get; } = [];

    /// <summary>
    /// The external files no amdgpu image names, each by its opener's descriptor (the holder of lowest pid, as
    /// <see cref="Holders"/>) and its entry's byte in files.img (or ext-files.img): another plugin's.
    /// </summary>
    public List<(TaskFd Opener, long FilesOffset)> OtherExt { get; } = [];

    /// <summary>Reads the images; returns the first image that stops CRIU's restore, or why the holders are not known.</summary>
    public (ProcessImageFailure? Failure, string? Unknown) Read()
    {
        List<CriuTask> order = [.. tree.InCriuOrder()];
        foreach (CriuTask task in tree.Tasks)
        {
            if (Ids(task) is { } broken)
            {
                return (broken, null);
            }
        }

        if (Core(order[0]) is { Failure: var rootFailure, Unknown: var rootUnknown } && (rootFailure ?? (object?)rootUnknown) is not null)
        {
            return (rootFailure, rootUnknown);
        }

        if (CollectTables(order) is { } fdFailure)
        {
            return (fdFailure, null);
        }

        KeepSharedAtOnce();

        foreach (CriuTask child in order.Skip(1))
        {
            if (Core(child) is { Failure: var failure, Unknown: var unknown } && (failure ?? (object?)unknown) is not null)
            {
                return (failure, unknown);
            }
        }

        return (FilesImage() ?? new ThreadCores(Find).FirstUnusable(order.Where(t => _alive.Contains(t.Pid)), LastFile), null);
    }

    /// <summary>The last amdgpu file the task opens, by descriptor, or null when it opens none.</summary>
    private string? LastFile(uint pid) =>
        Holders.Values.Select(h => h.MinBy(d => d.Pid)).Where(d => d.Pid == pid).OrderBy(d => d.Fd).Select(d => nameOf(d.FileId)).LastOrDefault();

    /// <summary>The dump's files by name (the first of a name), made once: every task's ids, core and thread cores are looked up.</summary>
    private Dictionary<string, InputFile>? _byName;

    private InputFile? Find(string name)
    {
        if (_byName is null)
        {
            _byName = new Dictionary<string, InputFile>(files.Count, StringComparer.Ordinal);
            foreach (InputFile file in files)
            {
                if (file.Name is { } own)
                {
                    _byName.TryAdd(own, file);
                }
            }
        }

        return _byName.GetValueOrDefault(name);
    }

    /// <summary>ids-PID.img: its files_id, or nothing when it is missing or empty; damage stops read_pstree_image.</summary>
    private ProcessImageFailure? Ids(CriuTask task)
    {
        string name = string.Create(CultureInfo.InvariantCulture, $"ids-{task.Pid}.img");
        if (Find(name) is not { Content: { } content })
        {
            return null;
        }

        try
        {
            if (CriuTaskImages.ReadFilesId(content) is { } id)
            {
                _filesId[task.Pid] = id;
            }

            return null;
        }
        catch (ImageFormatException e)
        {
            return new ProcessImageFailure(Descriptors.ProcessTreeUnreadable, ProcessImageStage.Tree, $"{name} {e.Message}: read_pstree_ids fails and CRIU stops while it reads the process tree, before the plugin's init", $"criu/pstree.c:516-530,638{Dev}");
        }
    }

    /// <summary>core-PID.img as open_core, check_core and restore_one_task take it.</summary>
    private (ProcessImageFailure? Failure, string? Unknown) Core(CriuTask task)
    {
        string name = string.Create(CultureInfo.InvariantCulture, $"core-{task.Pid}.img");
        ProcessImageFailure Fails(string why, string cause) =>
            new(Descriptors.TaskCoreUnusable, ProcessImageStage.Tasks, string.Create(CultureInfo.InvariantCulture, $"{name} (task {task.Pid}) {why}; CRIU stops when it forks the task, before any file is opened"), $"{cause}{Dev}");
        CoreFacts? facts;
        try
        {
            facts = Find(name) is { Content: { } content } ? CriuTaskImages.ReadCore(content) : null;
        }
        catch (ImageFormatException e)
        {
            return (Fails($"{e.Message}: open_core cannot read it", "criu/cr-restore.c:503-518,1090-1092"), null);
        }

        if (facts is not { } core)
        {
            return (Fails("is missing or holds no entry: open_core reads an empty image ('Can't open core data')", "criu/cr-restore.c:503-518,1090-1092"), null);
        }

        if (!core.HasTc)
        {
            return (Fails("has no task_core_entry: check_core refuses it ('Core task state data missed')", "criu/cr-restore.c:858-861"), null);
        }

        if (!core.KnownState)
        {
            return (Fails($"gives task_state {core.State}, not alive (1), dead (2) or stopped (3): restore_one_task refuses it ('Unknown state in code')", "criu/cr-restore.c:990-1001"), null);
        }

        if (core.State != CoreFacts.Dead && !_filesId.ContainsKey(task.Pid))
        {
            return core.HasIds
                ? (null, string.Create(CultureInfo.InvariantCulture, $"task {task.Pid} has no ids-{task.Pid}.img, only ids in {name}, a layout of CRIU before 1.0 (20b5ed916): CRIU restores its files table from ids-PID.img alone (pstree.c:516-530), and what it does with such a task's shared table is not modelled"))
                : (Fails($"is a live task's (task_state {core.State}) and neither ids-{task.Pid}.img nor the core gives its ids: check_core refuses it ('Core IDS data missed for non-zombie')", "criu/cr-restore.c:863-867"), null);
        }

        if (core.State != CoreFacts.Dead && !core.HasThreadInfo)
        {
            return (Fails($"is a live task's (task_state {core.State}) without the registers of its architecture (thread_info on x86-64): check_core refuses it ('Core info data missed for non-zombie')", "criu/cr-restore.c:869-872"), null);
        }

        if (core.State != CoreFacts.Dead && !core.HasThreadCore)
        {
            return (Fails($"is a live task's (task_state {core.State}) without thread_core_entry: fork_with_pid reads its cgroup set through a NULL pointer and CRIU dies on SIGSEGV before the task exists", "criu/cr-restore.c:1104-1108"), null);
        }

        if (core.State != CoreFacts.Dead)
        {
            _alive.Add(task.Pid);
        }

        return (null, null);
    }

    /// <summary>Each task's table as prepare_fd_pid collects it, in CRIU's task order.</summary>
    private ProcessImageFailure? CollectTables(List<CriuTask> order)
    {
        foreach (CriuTask task in order)
        {
            if (!_filesId.TryGetValue(task.Pid, out uint table))
            {
                // No ids: a zombie (CRIU's dump writes none for it, cr-dump.c:706, :1574); prepare_fd_pid restores nothing (files.c:902-903).
                continue;
            }

            if (task.Ppid != 0 && _filesId.TryGetValue(task.Ppid, out uint parentTable) && parentTable == table)
            {
                Owners[task.Pid] = Owners.GetValueOrDefault(task.Ppid, task.Ppid);
                continue;
            }

            string name = string.Create(CultureInfo.InvariantCulture, $"fdinfo-{table}.img");
            if (!_tables.TryGetValue(table, out List<FdinfoEntry>? entries))
            {
                try
                {
                    entries = Find(name) is { Content: { } content } ? CriuFdImages.ReadFdinfo(content, amdgpu) : [];
                }
                catch (ImageFormatException e)
                {
                    return new ProcessImageFailure(Descriptors.TaskFdUncollectable, ProcessImageStage.Tasks, string.Create(CultureInfo.InvariantCulture, $"{name} (task {task.Pid}'s files table) {e.Message}: prepare_fd_pid's read fails and CRIU stops before any file is opened"), $"criu/files.c:910-932{Dev}, criu/cr-restore.c:340-342{Dev}");
                }

                _tables[table] = entries;
            }

            foreach (FdinfoEntry entry in entries)
            {
                if (!amdgpu.Contains(entry.FileId))
                {
                    (entry.Type == CriuFdImages.ExtType ? _foreign : AtOnce).Add(new TaskFd(task.Pid, entry.Fd, entry.FileId) { Type = entry.Type, Table = table, Offset = entry.Offset });
                    continue;
                }

                if (!Holders.TryGetValue(entry.FileId, out List<TaskFd>? list))
                {
                    Holders[entry.FileId] = list = [];
                }

                list.Add(new TaskFd(task.Pid, entry.Fd, entry.FileId) { Type = entry.Type, Table = table, Offset = entry.Offset });
            }
        }

        return null;
    }

    /// <summary>Drops the descriptors of files opened at once that one task alone holds (no send), sorting the rest by file, pid and place.</summary>
    private void KeepSharedAtOnce()
    {
        AtOnce.Sort(static (a, b) => a.FileId != b.FileId ? a.FileId.CompareTo(b.FileId) : a.Pid != b.Pid ? a.Pid.CompareTo(b.Pid) : a.Offset.CompareTo(b.Offset));
        int kept = 0;
        for (int first = 0, end; first < AtOnce.Count; first = end)
        {
            for (end = first + 1; end < AtOnce.Count && AtOnce[end].FileId == AtOnce[first].FileId; end++)
            {
            }

            if (AtOnce[end - 1].Pid != AtOnce[first].Pid)
            {
                for (int i = first; i < end; i++)
                {
                    AtOnce[kept++] = AtOnce[i];
                }
            }
        }

        AtOnce.RemoveRange(kept, AtOnce.Count - kept);
        AtOnce.TrimExcess();
    }

    /// <summary>
    /// files.img, or ext-files.img in a dump without it: collect_fd finds each descriptor's file by type and id
    /// (find_file_desc, files.c:97-119, :849-858); one it does not find stops the restore, every one when the dump has
    /// neither image (an empty image, image.c:629-632). A descriptor of another
    /// type whose file is of that type is restored by CRIU itself, not through the plugin: it holds no amdgpu file.
    /// </summary>
    private ProcessImageFailure? FilesImage()
    {
        Dictionary<uint, (uint Type, long Offset)> types;
        string image;
        try
        {
            if (Find(CriuFdImages.FilesName) is { Content: { } content })
            {
                (image, types) = (CriuFdImages.FilesName, CriuFdImages.ReadFileTypes(content, Looked()));
            }
            else if (Find(CriuTaskImages.ExtFilesName) is { Content: { } ext })
            {
                (image, types) = (CriuTaskImages.ExtFilesName, CriuTaskImages.ReadExtFiles(ext, Looked()));
            }
            else
            {
                // Neither image: collect_images finds no file at all, and the first descriptor is 'No file for fd'.
                (image, types) = ($"the dump, which has neither {CriuFdImages.FilesName} nor {CriuTaskImages.ExtFilesName},", []);
            }
        }
        catch (ImageFormatException e)
        {
            string which = Find(CriuFdImages.FilesName) is not null ? CriuFdImages.FilesName : CriuTaskImages.ExtFilesName;
            return new ProcessImageFailure(Descriptors.TaskFdUncollectable, ProcessImageStage.Tasks, $"{which} {e.Message}: collecting the dump's files fails and CRIU stops before any task is forked", $"criu/files.c:1800-1806{Dev}, criu/cr-restore.c:242-243{Dev}");
        }

        // A dump of ext-files.img alone predates files.img: where its regular files are is not read, so they are not checked.
        foreach (TaskFd fd in Holders.Values.SelectMany(h => h).Concat(_foreign).Concat(image == CriuFdImages.FilesName ? AtOnce : []).OrderBy(h => h.Pid).ThenBy(h => h.Offset))
        {
            if (!types.TryGetValue(fd.FileId, out (uint Type, long Offset) file) || file.Type != fd.Type)
            {
                string listed = types.ContainsKey(fd.FileId) ? string.Create(CultureInfo.InvariantCulture, $"lists file id {fd.FileId} as type {file.Type}, not {fd.Type}") : string.Create(CultureInfo.InvariantCulture, $"lists no file id {fd.FileId}");
                return new ProcessImageFailure(
                    Descriptors.TaskFdUncollectable,
                    ProcessImageStage.Tasks,
                    string.Create(CultureInfo.InvariantCulture, $"fdinfo-{fd.Table}.img at byte {fd.Offset}: {fd} names file id {fd.FileId} (type {fd.Type}), but {image} {listed}: collect_fd finds no file ('No file for fd') and CRIU stops before any file is opened"),
                    $"criu/files.c:849-858,927-930{Dev}, criu/cr-restore.c:340-342{Dev}")
                { File = amdgpu.Contains(fd.FileId) ? nameOf(fd.FileId) : null };
            }
        }

        KeepExtOnly();
        foreach (IGrouping<uint, TaskFd> file in _foreign.GroupBy(f => f.FileId))
        {
            OtherExt.Add((file.MinBy(f => f.Pid), types[file.Key].Offset));
        }

        return null;
    }

    /// <summary>The file ids files.img is read for: the amdgpu files', the other external files' and the files opened at once the tables name.</summary>
    private HashSet<uint> Looked() => [.. amdgpu, .. _foreign.Select(f => f.FileId), .. AtOnce.Select(f => f.FileId)];

    /// <summary>Forgets the descriptors whose file CRIU restores itself (any type but EXT): the plugin never sees them.</summary>
    private void KeepExtOnly()
    {
        foreach ((uint id, List<TaskFd> list) in Holders.ToList())
        {
            list.RemoveAll(h => h.Type != CriuFdImages.ExtType);
            if (list.Count == 0)
            {
                Holders.Remove(id);
            }
        }
    }
}
