using System.Collections;
using System.Globalization;
using CriuImage.Abi;
using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Format;
using CriuImage.Kernel;
using CriuImage.Verification;

namespace CriuImage.Restore;

/// <summary>
/// Replays CRIU's amdgpu plugin over a dump: the files in the order docs/restore-calls.md fixes, in passes while
/// a file asks for a retry, then the resume hook; every call with what the target kernel returns, and where and
/// how the restore ends. The kernel's answers come from the <see cref="DumpRestorePlan"/> (the same rules as
/// verify); the plugin's own behaviour is written from plugins/amdgpu at the commits named in each cause.
/// </summary>
internal sealed class RestoreReplay
{
    private const string Dev = "@2cf8f13";
    private const uint NoHandle = 0xffffffff;

    private readonly CriuDump _dump;
    private readonly DumpRestorePlan _plan;
    private readonly CriuVersion _criu;
    private readonly bool _parallel;
    private readonly CriuCallLog _calls;
    private readonly List<RestoreEnding> _differences = [];
    private readonly StoredFds _stored;
    /// <summary>The render-node BOs restored, by handle and render minor, per task's process (work_already_completed's list).</summary>
    private readonly CompletedBos _completed;
    /// <summary>The KFD images whose contents the parallel worker copies at resume: their calls are made again then, not held.</summary>
    private readonly List<(CriuDumpFile File, CriuKfd Kfd, int Bos)> _parallelContents = [];
    private readonly List<RestoreEnding> _lateFailures = [];
    private RestoreEnding? _timing;
    private bool _progress;
    private RestoreFileOrder? _order;
    private bool _filesRestored;
    /// <summary>True once a KFD image's restore has built the GPU map (set_restore_gpu_maps) the render nodes look up.</summary>
    private bool _gpuMapped;
    /// <summary>The tasks whose process has built its GPU map, where the dump says which task opens which file.</summary>
    private readonly HashSet<uint> _mappedTasks = [];
    /// <summary>Imports whose exporter another task opens (importer, its descriptor, handle, exporter, its descriptor).</summary>
    private readonly List<(string Importer, TaskFd By, uint Handle, string Exporter, TaskFd From)> _crossTask = [];
    private bool _renderNodeFirst;
    /// <summary>The render-node BOs (file, saved handle) whose calls CRIU began to make.</summary>
    private readonly BosBegun _bosMade;
    private readonly ReplayIndex _index;
    private string _file = "";
    private int _pass;
    /// <summary>The files whose restore ended without an error, in order.</summary>
    private readonly List<string> _done = [];
    /// <summary>The tasks' order in a replay of another order than CRIU's (<see cref="RunInOrder"/>), by pid; null in CRIU's.</summary>
    private IReadOnlyList<uint>? _taskOrder;
    /// <summary>Each task's look at its files in a replay of another order (<see cref="TasksInOrder"/>), by pid.</summary>
    private Dictionary<uint, TaskLook>? _looks;
    /// <summary>How many times a task fell asleep in a replay of another order.</summary>
    private int _sleeps;
    /// <summary>Stops taken as mended (code, file): a kernel's refusal there is replayed as accepted (<see cref="RunPast"/>).</summary>
    private IReadOnlySet<(DiagnosticDescriptor Code, string File)> _mended = new HashSet<(DiagnosticDescriptor, string)>();

    /// <summary>The render-node BOs of the dump, every file's.</summary>
    private readonly long _renderNodeBos;

    private RestoreReplay(CriuDump dump, DumpRestorePlan plan, CriuVersion criu, bool parallel, CriuCallLog calls)
    {
        _calls = calls;
        _dump = dump;
        _plan = plan;
        _criu = criu;
        _parallel = parallel && criu.Parallel;
        Dictionary<string, long> nodeBos = new(StringComparer.Ordinal);
        foreach (CriuDumpFile node in dump.OfKind(CriuFileKind.RenderNode))
        {
            nodeBos[Name(node)] = nodeBos.GetValueOrDefault(Name(node)) + (node.RenderNode?.Message.Bos.Count ?? 0);
        }

        _renderNodeBos = nodeBos.Values.Sum();
        _stored = new StoredFds(_renderNodeBos);
        _completed = new CompletedBos(_renderNodeBos, name => nodeBos.GetValueOrDefault(name));
        _bosMade = new BosBegun(_completed.Of);
        _index = new ReplayIndex(dump);
    }

    /// <summary>
    /// The restore of <paramref name="dump"/> by <paramref name="criu"/> with the kernel's answers of
    /// <paramref name="plan"/>; <paramref name="parallel"/> asks for criu-dev's parallel contents path (the
    /// restored root task has no children), which only criu-dev has.
    /// </summary>
    public static RestoreSequence Run(CriuDump dump, DumpRestorePlan plan, CriuVersion criu, bool parallel)
    {
        ArgumentNullException.ThrowIfNull(dump);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(criu);
        return Run(dump, plan, criu, parallel, CriuCallLog.Held(), out _);
    }

    /// <summary>As <see cref="Run(CriuDump, DumpRestorePlan, CriuVersion, bool)"/>, the calls put in <paramref name="calls"/> (the sequence's list is empty unless it holds them); <paramref name="count"/>: how many were made.</summary>
    internal static RestoreSequence Run(CriuDump dump, DumpRestorePlan plan, CriuVersion criu, bool parallel, CriuCallLog calls, out int count)
    {
        var replay = new RestoreReplay(dump, plan, criu, parallel, calls);
        RestoreEnding end = replay.Restore();
        count = calls.Count;
        TaskOrders orders = replay.OtherOrders(end);
        if (orders.Difference is { } byOrder)
        {
            replay._differences.Add(byOrder);
            end = end.How == RestoreEndKind.Restored ? byOrder : end;
        }

        Dictionary<string, int>? notMade = criu.RenderNodeBos && !criu.Released ? replay.BosNotMade() : null;
        return new RestoreSequence(criu, replay._parallel ? "parallel" : "serial", calls.Finish(), end, replay._differences)
        {
            ContentsWhy = criu.Parallel ? "" : $"{criu} has the serial path only",
            OrderWhy = replay.OrderMatters || replay._renderNodeFirst ? replay._order!.Why : "",
            // Kept only when some BO was not begun: asked of no BO otherwise, and it would outlive the replay (5 MB at 10^6 BOs).
            BosMade = notMade?.Values.Any(n => n > 0) == true ? replay._bosMade : null,
            BosNotMade = notMade,
            FilesDone = replay._done,
            TaskOrdersWhy = orders.Why,
            RenderNodesNotReached = notMade is null ? null
                : dump.OfKind(CriuFileKind.RenderNode).Where(f => f.RenderNode is { } n && n.Message.Entries.Count > 0 && notMade[Name(f)] == n.Message.Entries.Count).Select(Name).ToHashSet(StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// The replay once the stops in <paramref name="mended"/> are fixed: where one of them is a kernel's refusal (of a
    /// call, or of the KFD private data) the call is replayed as accepted and the restore goes on, so the endings past
    /// the stop are met (verify says them as what follows it, docs/diagnostics.md "Findings after the stop"). A stop of
    /// another kind (a crash, no GPU map, a wait) stays where it is. The calls are counted, not held.
    /// </summary>
    internal static RestoreSequence RunPast(CriuDump dump, DumpRestorePlan plan, CriuVersion criu, bool parallel, IReadOnlySet<(DiagnosticDescriptor Code, string File)> mended)
    {
        var replay = new RestoreReplay(dump, plan, criu, parallel, CriuCallLog.Counted()) { _mended = mended };
        RestoreEnding end = replay.Restore();
        return new RestoreSequence(criu, replay._parallel ? "parallel" : "serial", [], end, replay._differences) { FilesDone = replay._done };
    }

    /// <summary>
    /// The replay with the tasks restoring their files one after another in <paramref name="order"/> (pids; a task not
    /// named comes after, in CRIU's order), each until its files are restored, it fails, or it sleeps
    /// (<see cref="TasksInOrder"/>): one of the orders CRIU's concurrent restore can take.
    /// </summary>
    internal static RestoreSequence RunInOrder(CriuDump dump, DumpRestorePlan plan, CriuVersion criu, bool parallel, IReadOnlyList<uint> order, CriuCallLog calls)
    {
        var replay = new RestoreReplay(dump, plan, criu, parallel, calls) { _taskOrder = order };
        RestoreEnding end = replay.Restore();
        return new RestoreSequence(criu, replay._parallel ? "parallel" : "serial", calls.Finish(), end, replay._differences) { FilesDone = replay._done };
    }

    /// <summary>
    /// The other orders the tasks can restore their files in, replayed where an import crosses tasks (CRI358); none
    /// replayed in a replay of another order, of a dump whose order per task is not known, or past a stop.
    /// </summary>
    private TaskOrders OtherOrders(RestoreEnding end) =>
        _taskOrder is not null || !_filesRestored || _order is not { Openers.Count: > 0 } || _dump.ProcessTree is not { } tree
            ? TaskOrders.None
            : TaskOrders.Replay(
                [.. tree.InCriuOrder().Select(t => t.Pid).Where(p => _order.Openers.Values.Any(o => o.Pid == p))],
                [.. _crossTask.Select(c => (c.Importer, c.By, c.Handle, c.Exporter, c.From))],
                end,
                _renderNodeBos + _dump.OfKind(CriuFileKind.KfdImage).Sum(f => (long)(f.Kfd?.Message.Bos.Count ?? 0)),
                order => RunInOrder(_dump, _plan, _criu, _parallel, order, CriuCallLog.Counted()).End);

    private RestoreEnding Restore()
    {
        _order = RestoreFileOrder.Of(_dump);
        _completed.Openers = _order.Openers;
        List<CriuDumpFile> files = [.. _order.Files];
        if (_dump.ProcessFailure is { Stage: ProcessImageStage.Tree } tree)
        {
            return ProcessImages(tree);
        }

        // amdgpu_restore_init reads every file of the dump, the ones no task restores too.
        if (_criu.RenderNodeBos && RestoreInit([.. files, .. _dump.Files.Where(f => !files.Contains(f))]) is { } initEnd)
        {
            return initEnd;
        }

        if (_dump.ProcessFailure is { Stage: not ProcessImageStage.AfterFiles } failure)
        {
            return ProcessImages(failure);
        }

        NotRestored();
        foreach ((string file, string cause, string message) in OtherPluginFiles.Of(_dump, _criu))
        {
            _file = file;
            Difference(Descriptors.OtherPluginsFile, cause, message);
        }

        ShortPagesOfImageNotGiven();
        _filesRestored = true;
        if (_taskOrder is not null && _order.Openers.Count > 0)
        {
            return TasksInOrder(files);
        }

        return Passes(files, out List<CriuDumpFile> waiting) ?? (waiting.Count > 0 ? (Whole ? NeverEnds(waiting) : NotGiven(waiting)) : Resume());
    }

    /// <summary>
    /// The files in passes while one asks for a retry: the restore's end where a file ends it, else null, with the
    /// files still waiting when a pass restored nothing new (none when every file is restored).
    /// </summary>
    private RestoreEnding? Passes(List<CriuDumpFile> files, out List<CriuDumpFile> waiting)
    {
        List<CriuDumpFile> pending = files;
        waiting = [];
        for (_pass = 1; pending.Count > 0; _pass++)
        {
            _progress = false;
            var retry = new List<CriuDumpFile>();
            foreach (CriuDumpFile file in pending)
            {
                (bool again, RestoreEnding? end) = Step(file);
                if (end is not null)
                {
                    return end;
                }

                if (again)
                {
                    retry.Add(file);
                }
                else
                {
                    _done.Add(_file);
                }
            }

            if (retry.Count > 0 && !_progress)
            {
                waiting = retry;
                return null;
            }

            pending = retry;
        }

        return null;
    }

    /// <summary>One RESTORE_EXT_FILE of <paramref name="file"/>: whether it asks for a retry, or the restore's end.</summary>
    private (bool Again, RestoreEnding? End) Step(CriuDumpFile file)
    {
        _file = Name(file);
        return file.Name.Kind switch
        {
            CriuFileKind.KfdImage => (false, Kfd(file)),
            CriuFileKind.RenderNode => RenderNode(file),
            _ => Dmabuf(file),
        };
    }

    /// <summary>
    /// Another order of the tasks (the restore oracle's runs in another order): each task's files in its own passes,
    /// the tasks one after another in <see cref="_taskOrder"/>, so a task may look before another restores its files
    /// (CRIU's core runs every task's open_fdinfos at once, criu/files.c:1203-1244). A task whose pass restores
    /// nothing while a file waits sleeps in wait_fds_event (:1238-1243) until a descriptor another task sends it sets
    /// its FDS_EVENT (send_fd_to_peer, :1031-1043; serve_out_fd, :1090-1112): the task that opens a file several tasks
    /// hold sends it to the others once it has opened it, an amdgpu file when the plugin restored it, a file CRIU opens
    /// at once in its first pass at its descriptor (<see cref="TaskFiles.AtOnceSends"/>). Woken, the task looks at its
    /// files again there and then (<see cref="Look"/>): the earliest it can, so an export stored after the send is
    /// not seen, as timing can make it. Nothing the plugin does wakes a task (store_dmabuf_fd): a task still asleep when
    /// every task has looked never ends (CRI334), named on the first file of the task that fell asleep first.
    /// </summary>
    private RestoreEnding TasksInOrder(List<CriuDumpFile> files)
    {
        IReadOnlyList<uint> order = _taskOrder!;
        int Place(uint pid)
        {
            int at = 0;
            while (at < order.Count && order[at] != pid)
            {
                at++;
            }

            return at;
        }

        ILookup<uint, FdSend> sendsFrom = (_dump.TaskFiles?.AtOnceSends ?? []).ToLookup(s => s.From);
        List<TaskLook> looks = [.. files.GroupBy(f => _order!.OpenerOf(Name(f))?.Pid ?? 0).OrderBy(g => Place(g.Key))
            .Select(g => new TaskLook(g.Key, [.. g], [.. sendsFrom[g.Key]]))];
        _looks = looks.ToDictionary(l => l.Pid);
        foreach (TaskLook task in looks)
        {
            if (Look(task) is { } end)
            {
                return end;
            }
        }

        if (looks.Where(l => l.State == TaskLookState.Asleep).MinBy(l => l.SleptAt) is not { } asleep)
        {
            return Resume();
        }

        List<FdSend> by = [.. asleep.WokenBy.Distinct().Take(4)];
        string senders = by.Count > 3 ? $"{string.Join(", ", by.Take(3))} and {asleep.WokenBy.Distinct().Count() - 3} more sends" : string.Join(", ", by);
        string woken = asleep.WokenBy.Count == 0
            ? "no task sends it a descriptor after that, so nothing wakes it"
            : $"{senders} woke it, each before the export was stored, and none is sent to it after, so nothing wakes it again";
        return Ending(
            RestoreEndKind.NeverEnds,
            Descriptors.CrossTaskImportWait,
            $"criu/files.c:219-227,1031-1043,1238-1243{Dev}, plugins/amdgpu/amdgpu_plugin.c:1078-1099{Dev}",
            $"task {asleep.Pid}'s pass found no export for {Name(asleep.Pending[0])} before the task that exports it stored it: it sleeps in wait_fds_event(); {woken}") with { File = Name(asleep.Pending[0]) };
    }

    /// <summary>
    /// <paramref name="task"/>'s passes (open_fdinfos, criu/files.c:1211-1244), from where it is, until its amdgpu
    /// files are restored, the restore ends (returned), or a pass restores nothing and no send came during it: then
    /// it sleeps. Its first pass makes its sends of files opened at once at their descriptors; each amdgpu file it
    /// restores is sent to the other tasks holding it. A send to a sleeping task wakes it, which looks at once.
    /// </summary>
    private RestoreEnding? Look(TaskLook task)
    {
        (bool progress, string file, int pass) = (_progress, _file, _pass);
        task.State = TaskLookState.Looking;
        try
        {
            while (true)
            {
                _pass = ++task.Pass;
                task.Event = false;
                _progress = false;
                IReadOnlyList<FdSend> sends = task.Pass == 1 ? task.Sends : [];

                // Descriptors this pass receives, or opens itself at once (the files it sends in its first pass), are
                // progress (open_fdinfos, criu/files.c:1224-1225): another pass follows before it can sleep.
                bool otherProgress = task.Received || sends.Count > 0;
                task.Received = false;
                int sent = 0;
                var retry = new List<CriuDumpFile>();
                foreach (CriuDumpFile next in task.Pending)
                {
                    uint fd = _order!.OpenerOf(Name(next))?.Fd ?? 0;
                    for (; sent < sends.Count && sends[sent].Fd < fd; sent++)
                    {
                        if (Send(sends[sent]) is { } sendEnd)
                        {
                            return sendEnd;
                        }
                    }

                    (bool again, RestoreEnding? end) = Step(next);
                    if (end is not null)
                    {
                        return end;
                    }

                    if (again)
                    {
                        retry.Add(next);
                        continue;
                    }

                    _done.Add(_file);
                    foreach (FdSend restored in _dump.TaskFiles?.SendsOf(next.Name.Id) ?? [])
                    {
                        if (Send(restored) is { } sendEnd)
                        {
                            return sendEnd;
                        }
                    }
                }

                for (; sent < sends.Count; sent++)
                {
                    if (Send(sends[sent]) is { } sendEnd)
                    {
                        return sendEnd;
                    }
                }

                task.Pending.Clear();
                task.Pending.AddRange(retry);
                if (retry.Count == 0)
                {
                    task.State = TaskLookState.Done;
                    return null;
                }

                if (!_progress && !task.Event && !otherProgress)
                {
                    task.State = TaskLookState.Asleep;
                    task.SleptAt = ++_sleeps;
                    return null;
                }
            }
        }
        finally
        {
            (_progress, _file, _pass) = (progress, file, pass);
        }
    }

    /// <summary>How many files the replay has restored and handles it has stored: a task asleep since finds nothing new while it is unchanged.</summary>
    private long Progressed => _done.Count + (long)_stored.Count;

    /// <summary>
    /// A descriptor sent to another task (set_fds_event, criu/files.c:199-212): a task asleep wakes and looks; one
    /// looking passes again; one not started receives it in its first pass (its FDS_EVENT is cleared there, :1214, the
    /// descriptor is not); each then counts the receive as progress (<see cref="TaskLook.Received"/>); one done has nothing waiting.
    /// A task woken again with nothing restored or stored since its last wake is not replayed again: its pass would find
    /// what it found and sleep; CRIU may take them as one, the later sends coming before its pass clears FDS_EVENT (:1214)
    /// (a dump's thousands of shared files would each replay it).
    /// </summary>
    private RestoreEnding? Send(FdSend send)
    {
        if (_looks is null || !_looks.TryGetValue(send.To, out TaskLook? to))
        {
            return null;
        }

        if (to.State != TaskLookState.Done)
        {
            to.Received = true;
        }

        switch (to.State)
        {
            case TaskLookState.Looking:
                to.Event = true;
                return null;
            case TaskLookState.Asleep:
                to.WokenBy.Add(send);
                if (to.WokenAt == Progressed)
                {
                    // Woken before with nothing restored or stored since: its pass would make the same calls and sleep again.
                    return null;
                }

                to.WokenAt = Progressed;
                return Look(to);
            default:
                return null;
        }
    }

    /// <summary>
    /// Several tasks restore their files at once, each in its own process (criu/files.c:1203-1244 at 2cf8f13). A task
    /// whose pass makes no progress while a file asks for a retry sleeps in wait_fds_event() (:1238-1243, :219-227)
    /// until set_fds_event() wakes it, which only fd sends make (send_fd_to_peer :1043, sk-unix.c:1172,1195,
    /// sk-inet.c:759, autofs.c:886); the plugin's store_dmabuf_fd (amdgpu_plugin.c:1078-1099) stores an export in
    /// memory all tasks share and wakes no one, and the futex wait only loops on its 120 s timeout
    /// (include/common/lock.h:58-76). So a task whose import (a render-node BO or a dma-buf file) another task
    /// exports restores it if the export is stored before its pass looks, and sleeps for ever otherwise: timing
    /// decides. Where the dump has CRIU's fdinfo images, the orders the tasks can take are replayed instead and what
    /// they give is said (<see cref="OtherOrders"/>, CRI358); without them, this is said of every import of a dump of
    /// several live tasks.
    /// </summary>
    private void CrossTaskImports(IReadOnlyList<CriuDumpFile> files)
    {
        const string Cause = $"criu/files.c:199-227,1043,1238-1243{Dev}, plugins/amdgpu/amdgpu_plugin.c:1078-1099{Dev}";
        if (_order!.Openers.Count > 0)
        {
            // The fdinfo images say which task opens which file: the orders the tasks can take are replayed (OtherOrders, CRI358).
            return;
        }

        if (!_criu.RenderNodeBos || _criu.Released || _dump.ProcessTree is not { } tree || tree.Tasks.Count(t => t.Alive != false) < 2)
        {
            return;
        }

        CriuDumpFile? importer = files.FirstOrDefault(f => f.Name.Kind == CriuFileKind.DmaBuf || (f.RenderNode?.Message.Entries.AnyImport() ?? false));
        if (importer is null)
        {
            return;
        }

        _file = Name(importer);
        Difference(
            Descriptors.CrossTaskImportWait,
            Cause,
            $"pstree.img lists {tree.Tasks.Count(t => t.Alive != false)} live tasks, which restore their files at the same time: if the task holding {_file} is not the one holding the file that exports its import, and its pass finds the export not stored yet, it sleeps in wait_fds_event() and nothing wakes it (store_dmabuf_fd wakes no task; only fd sends do): the restore never ends; it restores when the export is stored first");
    }

    /// <summary>True when the order of the files decides an ending: a CRIU that restores render-node BOs, and an import or a dma-buf file waiting for its exporter.</summary>
    private bool OrderMatters =>
        _order is not null && _filesRestored && _criu.RenderNodeBos
        && (_dump.OfKind(CriuFileKind.DmaBuf).Any() || _dump.OfKind(CriuFileKind.RenderNode).Any(f => f.RenderNode?.Message.Entries.AnyImport() ?? false));

    private static string Name(CriuDumpFile file) => file.FileName;

    /// <summary>criu-dev's amdgpu_restore_init unpacks every KFD and render-node file and reads its count without checking the unpack.</summary>
    private RestoreEnding? RestoreInit(List<CriuDumpFile> files)
    {
        foreach (CriuDumpFile file in files.Where(f => f.Name.Kind is CriuFileKind.KfdImage or CriuFileKind.RenderNode))
        {
            if (file.Damage == CriuDamage.TooShort)
            {
                // open_img_file cannot read the 8-byte size and returns NULL, which amdgpu_restore_init reads from.
                return new RestoreEnding(RestoreEndKind.Crashes, Descriptors.CriuFileTooShort, $"plugins/amdgpu/amdgpu_plugin.c:1134-1141{Dev}", $"{Name(file)}: {file.DamageDetail!.Message}: open_img_file returns NULL and amdgpu_restore_init calls read_fp (fread) on it") { File = Name(file) };
            }

            if (file.Damage == CriuDamage.Truncated)
            {
                // read_fp of the header's length fails: amdgpu_restore_init returns the error.
                return new RestoreEnding(RestoreEndKind.Fails, Descriptors.CriuMessageTruncated, $"plugins/amdgpu/amdgpu_plugin.c:1141-1147{Dev}", $"{Name(file)}: {file.DamageDetail!.Message}: amdgpu_restore_init cannot read it ('Unable to read from') and the restore stops before any file") { File = Name(file) };
            }

            bool unpacks = file.DamageDetail is null && (file.Revisions & CriuRevisions.CriuDev) != 0
                && !(file.Kfd?.Problems.Any(p => p.Kind == CriuProblemKind.Unpack) ?? false)
                && !(file.RenderNode?.Problems.Any(p => p.Kind == CriuProblemKind.Unpack) ?? false);
            if (!unpacks)
            {
                bool kfd = file.Name.Kind == CriuFileKind.KfdImage;
                return new RestoreEnding(
                    RestoreEndKind.Crashes,
                    Descriptors.CriuInitCrashes,
                    kfd ? $"plugins/amdgpu/amdgpu_plugin.c:1150-1151{Dev}" : $"plugins/amdgpu/amdgpu_plugin.c:1172-1173{Dev}",
                    $"{Name(file)} does not unpack with {_criu}'s schema ({CriuRevisionNames.Describe(file.Revisions)}): amdgpu_restore_init reads {(kfd ? "e" : "rd")}->num_of_bos through the NULL {(kfd ? "criu_kfd__unpack" : "criu_render_node__unpack")} returns, before any file is restored")
                { File = Name(file) };
            }
        }

        return null;
    }

    private RestoreEnding? Kfd(CriuDumpFile file)
    {
        Call("AMDKFD_IOC_GET_VERSION", IoctlRequests.KfdGetVersion, [], 0);
        KfdRestoreStep step = _plan.Kfd.First(k => k.Path == file.Input.Path);
        if (step.Refusal is { } refusal)
        {
            return Ending(RestoreEndKind.Fails, Descriptors.CriuUnpackFails, $"plugins/amdgpu/amdgpu_plugin.c:1946-1960{Dev}", refusal);
        }

        CriuKfd kfd = file.Kfd!.Message;
        if ((long)kfd.NumOfGpus + kfd.NumOfCpus > kfd.DeviceEntries.Count)
        {
            return Ending(RestoreEndKind.Crashes, Descriptors.CriuCountMismatch, $"plugins/amdgpu/amdgpu_plugin.c:1979{Dev}", $"num_of_gpus + num_of_cpus = {(long)kfd.NumOfGpus + kfd.NumOfCpus} but {kfd.DeviceEntries.Count} device entries: devinfo_to_topology reads past the list");
        }

        if (step.Host is { Restores: false } host)
        {
            string why = host.Findings.FirstOrDefault(f => f.Descriptor.Severity == Severity.Error)?.Message ?? "no GPU map";
            DiagnosticDescriptor code = host.Findings.FirstOrDefault(f => f.Descriptor.Severity == Severity.Error)?.Descriptor ?? Descriptors.GpuCountMismatch;
            return Ending(RestoreEndKind.Fails, code, $"plugins/amdgpu/amdgpu_plugin.c:1992-1996{Dev}", $"set_restore_gpu_maps finds no GPU map: {why}");
        }

        if (kfd.NumOfBos > (ulong)kfd.BoEntries.Count)
        {
            return Ending(RestoreEndKind.Crashes, Descriptors.CriuCountMismatch, $"plugins/amdgpu/amdgpu_plugin.c:1611{Dev}", $"num_of_bos is {kfd.NumOfBos} but the image lists {kfd.BoEntries.Count} BOs: restore_bos reads e->bo_entries[{kfd.BoEntries.Count}] past the list");
        }

        _gpuMapped = true;
        if (_order!.OpenerOf(_file) is { } opener)
        {
            _mappedTasks.Add(opener.Pid);
        }

        if (step.PrivateData is { } refused && !_mended.Contains((Descriptors.KfdPrivateDataRefused, _file)))
        {
            // An oops never returns to CRIU: the call has no return, the task that made it is killed.
            Call("AMDKFD_IOC_CRIU_OP", IoctlRequests.KfdCriuOp, [.. step.Arguments.Select(a => new SequenceArgument(a.Name, a.Value)), new SequenceArgument("refused_by", null, refused.Check)], refused.Oops ? null : -refused.Errno);
            string how = refused.Oops ? $"the kernel oopses in AMDKFD_IOC_CRIU_OP RESTORE ({refused.Check})" : $"the kernel refuses AMDKFD_IOC_CRIU_OP RESTORE with -{refused.ErrnoName} ({refused.Check})";
            return Ending(RestoreEndKind.Fails, Descriptors.KfdPrivateDataRefused, refused.Source, $"{how}: {refused.Message}")
                with { Errno = refused.Oops ? null : -refused.Errno, At = _calls.Count - 1 };
        }

        Call("AMDKFD_IOC_CRIU_OP", IoctlRequests.KfdCriuOp, [.. step.Arguments.Select(a => new SequenceArgument(a.Name, a.Value))], 0);
        if (step.PrivateDataUnknown is { } unknown)
        {
            // The kernel's answer is unknown: the call stays, its return is not claimed, and the restore is followed as if taken.
            _calls[^1] = _calls[^1] with { Ret = null };
            Difference(Descriptors.KfdTargetFactUnknown, "restore-facts.json kernel.kfd_release_facts", $"whether the target kernel takes AMDKFD_IOC_CRIU_OP RESTORE is not known: {unknown}");
        }

        if (step.PrivateDataDiffers is { } differs)
        {
            Difference(Descriptors.KfdQueueRestoredAs, "drivers/gpu/drm/amd/amdkfd/kfd_device_queue_manager.c:1821-1856 at Linux 7.2.13", $"the kernel takes AMDKFD_IOC_CRIU_OP RESTORE, but {differs}");
        }
        int bos = (int)kfd.NumOfBos;
        if (!_criu.Released)
        {
            // amdgpu_plugin.c:2020-2025: every KFD BO with a dma-buf is stored under its handle number.
            Dictionary<uint, ulong> written = [];
            KfdBoList.ValueWalk walk = kfd.Bos.Values;
            while (walk.MoveNext() && walk.Index < bos)
            {
                KfdBo bo = walk.Current;

                // The dump writes each GPU's VRAM and GTT BOs one after another into its pages file (dump_bo_contents).
                ulong at = written.GetValueOrDefault(bo.GpuId, RestorePathConstants.ImageSizeHeader);
                if (bo.HasContents)
                {
                    written[bo.GpuId] = at + bo.Size;
                }

                if (bo.Handle is { } h && h != NoHandle)
                {
                    _stored.AddKfd(h, StoredDmabuf.Kfd(_file, bo.HasContents, file.Name.Id, bo.GpuId, at), bo.Size);
                    _progress = true;
                }
            }
        }

        if (!_parallel)
        {
            return SerialKfdContents(file, kfd, bos);
        }

        _parallelContents.Add((file, kfd, bos));
        return ParallelKfdContents(file, kfd, bos, CriuCallLog.Counted());
    }

    private RestoreEnding? SerialKfdContents(CriuDumpFile file, CriuKfd kfd, int bos)
    {
        // One thread per GPU (amdgpu_plugin.c:1739-1784): every GPU copies what it can; the first failure in device
        // order is the one restore_bo_data returns once all are joined.
        RestoreEnding? failure = null;
        foreach (KfdDeviceEntry gpu in kfd.DeviceEntries.Where(d => d.IsGpu))
        {
            string pages = CriuFileName.KfdPages(file.Name.Id, gpu.GpuId);
            (bool there, CriuDumpFile? contents) = PagesFile(pages);
            if (!there)
            {
                failure ??= Ending(RestoreEndKind.Fails, Descriptors.KfdPagesMissing, $"plugins/amdgpu/amdgpu_plugin.c:917-922{Dev}", $"{pages} is missing: restore_bo_contents cannot open it and the KFD restore fails");
                continue;
            }

            ulong total = SavedKfdBos.Total(kfd.Bos, bos, gpu.GpuId);
            if (contents?.Header is { } header && header != total)
            {
                failure ??= Ending(RestoreEndKind.Fails, Descriptors.KfdPagesHeaderMismatch, $"plugins/amdgpu/amdgpu_plugin.c:934-938{Dev}", $"{pages} says {header} bytes, its GPU's VRAM and GTT BOs add up to {total}: 'size mismatch', -EINVAL");
                continue;
            }

            ulong offset = RestorePathConstants.ImageSizeHeader;
            foreach ((int i, KfdBo bo) in new SavedKfdBos(kfd.Bos, bos, gpu.GpuId))
            {
                Copy(contents, pages, offset, bo.Size, CopiedBo.Kfd(i), "sdma", _calls, say: true);
                offset += bo.Size;
            }
        }

        return failure;
    }

    /// <summary>
    /// The contents the parallel worker copies, into <paramref name="copies"/>; with <see cref="_calls"/> (at resume,
    /// when the worker is joined) only the copies are made again: the findings were made the first time.
    /// </summary>
    private RestoreEnding? ParallelKfdContents(CriuDumpFile file, CriuKfd kfd, int bos, CriuCallLog copies)
    {
        bool again = copies == _calls;
        // restore_bo_data (amdgpu_plugin.c:1697-1733) sends one command per image; its offset runs across GPUs
        // while each GPU's thread reads its own file from that offset (CRI324). Its BOs are walked again for each use,
        // not listed: a list of indexes a GPU was 4 bytes a BO.
        List<(KfdDeviceEntry Gpu, string Pages)> gpus =
            [.. kfd.DeviceEntries.Where(d => d.IsGpu).Select(gpu => (gpu, CriuFileName.KfdPages(file.Name.Id, gpu.GpuId)))];
        if (gpus.All(g => !SavedKfdBos.Any(kfd.Bos, bos, g.Gpu.GpuId)))
        {
            if (!again)
            {
                QuitCommand();
            }

            return null;
        }

        ulong offset = 0;
        foreach ((KfdDeviceEntry gpu, string pages) in gpus)
        {
            (bool there, CriuDumpFile? contents) = PagesFile(pages);
            ulong total = SavedKfdBos.Total(kfd.Bos, bos, gpu.GpuId);
            if (!there)
            {
                LateUnless(again, Descriptors.KfdPagesMissing, $"plugins/amdgpu/amdgpu_plugin.c:2218-2222{Dev}", $"{pages} is missing: the parallel contents thread of gpu 0x{gpu.GpuId:x4} fails, and the resume hook with it ('Parallel restore fail')");
                offset += total;
                continue;
            }

            if (contents?.Header is { } header && header != total)
            {
                LateUnless(again, Descriptors.KfdPagesHeaderMismatch, $"plugins/amdgpu/amdgpu_plugin.c:2223-2227{Dev}", $"{pages} says {header} bytes, its GPU's VRAM and GTT BOs add up to {total}: the parallel contents thread fails, and the resume hook with it");
                offset += total;
                continue;
            }

            ulong own = 0;
            foreach ((int i, KfdBo bo) in new SavedKfdBos(kfd.Bos, bos, gpu.GpuId))
            {
                ulong size = bo.Size;
                ulong at = RestorePathConstants.ImageSizeHeader + offset;
                if (offset != own && !again)
                {
                    Difference(Descriptors.ParallelRestoreOffset, $"plugins/amdgpu/amdgpu_plugin.c:1717-1728,2266-2286{Dev}", $"KFD BO {i} of gpu 0x{gpu.GpuId:x4} is read from byte {at} of {pages}, where its contents start at byte {RestorePathConstants.ImageSizeHeader + own}: restore_bo_data's offset runs across GPUs, each GPU's thread reads its own file");
                }

                Copy(contents, pages, at, size, CopiedBo.Kfd(i), "sdma-parallel", copies, say: offset == own && !again);

                offset += size;
                own += size;
            }
        }

        return null;
    }

    /// <summary>
    /// An image without VRAM or GTT BOs: its command carries no dma-buf, which the contents thread takes as its quit
    /// command (amdgpu_socket_utils.c:202-205, :264-267) and closes the connection. SIGPIPE is ignored (criu/crtools.c:181),
    /// so when the thread closes it before send_parallel_restore_cmd has sent the GPU ids (:93-100, :120-157), send fails
    /// with EPIPE and so does the KFD file's restore (amdgpu_plugin.c:1731, :2029); when the sends come first, the
    /// restore goes on and the resume hook's quit command finds the socket still listening (:293-319): restored.
    /// </summary>
    private void QuitCommand() =>
        _timing ??= new RestoreEnding(
            RestoreEndKind.FailsOrRestores,
            Descriptors.ParallelQuitCommand,
            $"plugins/amdgpu/amdgpu_socket_utils.c:93-100,202-205,264-267{Dev}, plugins/amdgpu/amdgpu_plugin.c:1731,2029{Dev}",
            "no VRAM or GTT BO: the image's parallel restore command carries no dma-buf, which the contents thread takes as its quit command and closes the connection; if it closes it before CRIU has sent the command's GPU ids, send fails with EPIPE and the KFD file's restore fails, else the restore goes on and restores")
        { File = _file, Errno = -32 };

    private (bool Again, RestoreEnding? End) RenderNode(CriuDumpFile file)
    {
        RenderNodeRestoreStep step = _plan.RenderNodes.First(r => r.Path == file.Input.Path);
        if (step.OncePast is { } past && _mended.Count > 0 && _plan.Kfd.Where(k => k.Refused).All(k => _mended.Contains((Descriptors.KfdPrivateDataRefused, k.File))))
        {
            // Past the stop: every KFD image the kernel refused is taken as restored, so the render node is reached.
            step = past;
        }

        if (file.RenderNode is null || file.DamageDetail is not null)
        {
            return (false, Ending(RestoreEndKind.Fails, Descriptors.CriuUnpackFails, $"plugins/amdgpu/amdgpu_plugin.c:1857-1869{Dev}", step.Refusal ?? "CRIU cannot read it"));
        }

        TaskFd? task = _order!.OpenerOf(_file);
        if (!(task is { } t ? _mappedTasks.Contains(t.Pid) : _gpuMapped) && _plan.Kfd.Count > 0)
        {
            // No KFD image restored yet in this process: restore_maps is empty, maps_get_dest_gpu returns 0 and the
            // hook fails, which CRIU's core does not retry (files-ext.c:52-56): the restore fails. criu-dev returns
            // -ENODEV; v4.2's fail label dups the -ENODEV as a descriptor, dup fails and it returns -1.
            _renderNodeFirst = true;
            (string cause, int errno, string returns) = _criu.Released
                ? ("plugins/amdgpu/amdgpu_plugin.c:1614-1617,1631-1646@v4.2", -1, "-1 (its fail label dups the -ENODEV as a descriptor: 'unable to duplicate the render fd')")
                : ($"plugins/amdgpu/amdgpu_plugin.c:1875-1879{Dev}", -19, "-ENODEV");
            string before = task is { } opener
                ? $"{_file} is opened by {opener} before any KFD image of that task ({KfdOf(opener.Pid)}); restore_maps lives in each task's own process, forked before any file is opened (criu/cr-restore.c:1657,1690{Dev}), and only a KFD image restored in that process fills it"
                : $"{_file} is restored before the KFD image, its file id being lower ({_order.Why})";
            return (false, Ending(RestoreEndKind.Fails, Descriptors.RenderNodeBeforeKfd, $"{cause}, criu/files-ext.c:52-56{Dev}", $"{before}: no GPU map exists yet, so maps_get_dest_gpu finds no target for gpu 0x{file.RenderNode.Message.GpuId:x4}, the hook returns {returns} and the restore fails ('Unable to restore')") with { Errno = errno });
        }

        CriuRenderNode node = file.RenderNode.Message;
        if (_criu.Released || !_criu.RenderNodeBos)
        {
            if (node.Bos.Count > 0)
            {
                Difference(Descriptors.CriuVersionCannotRestore, $"plugins/amdgpu/amdgpu_plugin.c:1582-1600@v4.2", $"{_criu} restores a render node as the device alone: its {node.Bos.Count} BOs and their mappings and contents are not restored");
            }

            return (false, null);
        }

        if (step.Refusal is { } refusal)
        {
            DiagnosticDescriptor code = _plan.Kfd.Count == 0 ? Descriptors.RenderNodeWithoutKfd : _plan.Kfd.Any(k => k.Refused) ? Descriptors.GpuCountMismatch : Descriptors.UnknownGpuId;
            return (false, Ending(RestoreEndKind.Fails, code, $"plugins/amdgpu/amdgpu_plugin.c:1873-1879{Dev}", refusal));
        }

        if (step.Findings.FirstOrDefault(f => f.Severity == Severity.Error) is { } lacking && step.Calls is null)
        {
            return (false, Ending(RestoreEndKind.Fails, lacking.Descriptor, $"plugins/amdgpu/amdgpu_plugin_drm.c:501-505{Dev}", lacking.Message));
        }

        return DrmRestore(file, node, step.Calls);
    }

    /// <summary>Per render node, its BOs whose calls CRIU never began: it ended first, or never came back to them.</summary>
    private Dictionary<string, int> BosNotMade() =>
        _dump.OfKind(CriuFileKind.RenderNode).Where(f => f.RenderNode is not null).ToDictionary(
            Name,
            f => _bosMade.NotBegun(Name(f), f.RenderNode!.Message.Entries),
            StringComparer.Ordinal);

    /// <summary>amdgpu_plugin_drm_restore_file (amdgpu_plugin_drm.c:439-569 at 2cf8f13), one call of it.</summary>
    private (bool Again, RestoreEnding? End) DrmRestore(CriuDumpFile file, CriuRenderNode node, RestorePlan? plan)
    {
        ulong count = node.NumOfBos;
        int listed = node.Bos.Count;
        int walked = (int)Math.Min(count, (ulong)listed);
        if (count < (ulong)listed)
        {
            Difference(Descriptors.CriuCountMismatch, $"plugins/amdgpu/amdgpu_plugin_drm.c:456{Dev}", $"num_of_bos is {count} but the file lists {listed} BOs: CRIU restores the first {count} only");
        }

        // A records plan's refusals are read in call order without making its calls; the calls themselves are walked a
        // BO at a time, along with the entries, only when the log keeps them (a plan of a render node holds none of them).
        using CallRefusals? refusals = plan?.Records is { } records && records.Bos == listed ? records.FirstRefusals() : null;
        using IEnumerator<List<PlannedCall>>? perBo = refusals is null || _calls.Keeps ? Segments(plan).GetEnumerator() : null;
        // dmabufs[] of the plugin: the fd of a BO restored by this call is its handle number; a bit per BO says which were.
        var restored = new BitArray(walked);
        bool retry = false;
        RenderNodeBos bos = node.Entries;
        // Where the log only counts, the contents loop's work on a BO is done as this loop reads it, once the BO's own
        // calls are settled: each entry read once per call of the file, not twice (DrmContentsWork).
        DrmContentsWork? alongside = _calls.Keeps ? null : new DrmContentsWork(deferred: true);
        DrmBo previous = default;
        for (int i = 0; i < walked; i++)
        {
            if (alongside is not null && i > 0)
            {
                DrmContentsOf(node, previous, i - 1, restored[i - 1], alongside);
            }

            DrmBo bo = bos.At(i);
            previous = bo;
            var planned = new PlannedBo(perBo is null ? null : perBo.MoveNext() ? perBo.Current : [], refusals, refusals?.NextBo(bo.VmEntries.Length) ?? 0);
            if (_completed.Of(_file).Contains(bo.Handle, node.DrmRenderMinor))
            {
                continue;
            }

            bool import = bo.IsImport != 0;
            if (import)
            {
                if (!_stored.Contains(bo.Handle))
                {
                    retry = true;
                    continue;
                }

                NoteImport(bo.Handle);

                _bosMade.Begin(_file, bo.Handle);
                if (!_calls.TryCount())
                {
                    Call("DRM_IOCTL_PRIME_FD_TO_HANDLE", IoctlRequests.PrimeFdToHandle, [Arg("bo", bo.Handle), Arg("dmabuf_of", bo.Handle)], 0);
                }

                // How many BOs of the dump CRIU stores under the handle: render-node exports and, in criu-dev, KFD BOs with a dma-buf.
                int exporters = _index.Exporters(bo.Handle);
                if (exporters > 1)
                {
                    Difference(Descriptors.ImportByNumber, $"plugins/amdgpu/amdgpu_plugin.c:1101-1112{Dev}", $"imported BO {bo.Handle} is resolved by its handle number alone: {exporters} BOs of the dump export handle {bo.Handle}, and CRIU takes the one stored first ({_stored[bo.Handle].File})");
                }
            }
            else
            {
                _bosMade.Begin(_file, bo.Handle);
                if (Kernel(planned, RestoreCall.GemCreate, null, "DRM_IOCTL_AMDGPU_GEM_CREATE", IoctlRequests.GemCreate, bo.Handle, $"plugins/amdgpu/amdgpu_plugin_drm.c:488-492{Dev}") is { } failed)
                {
                    return (false, failed);
                }

                if (!_calls.TryCount())
                {
                    Call("DRM_IOCTL_PRIME_HANDLE_TO_FD", IoctlRequests.PrimeHandleToFd, [Arg("bo", bo.Handle), Arg("flags", 0)], 0);
                }
            }

            if (ChangeHandle(planned, bo.Handle) is { } refused)
            {
                return (false, refused);
            }

            if (!import)
            {
                // store_dmabuf_fd (amdgpu_plugin.c:1078-1099) keeps the first fd of a handle number.
                _stored.AddDrm(node, bos, _file, i);
            }

            restored[i] = true;
            _completed.Of(_file).TryAdd(node, bos, _file, i);
            _progress = true;
            if (Kernel(planned, RestoreCall.GemMmap, null, "DRM_IOCTL_AMDGPU_GEM_MMAP", IoctlRequests.GemMmap, bo.Handle, $"plugins/amdgpu/amdgpu_plugin_drm.c:518-522{Dev}") is { } mmap)
            {
                return (false, mmap);
            }

            for (uint j = 0; j < bo.NumOfVms && j < bo.VmEntries.Length; j++)
            {
                if (((import ? PastImportedBo(planned, bo, j) : null) ?? Kernel(planned, RestoreCall.GemVa, j, "DRM_IOCTL_AMDGPU_GEM_VA", IoctlRequests.GemVa, bo.Handle, $"plugins/amdgpu/amdgpu_plugin_drm.c:534-538{Dev}")) is { } va)
                {
                    return (false, va);
                }
            }
        }

        if (count > (ulong)listed)
        {
            return (false, Ending(RestoreEndKind.Crashes, Descriptors.CriuCountMismatch, $"plugins/amdgpu/amdgpu_plugin_drm.c:456-465{Dev}", $"num_of_bos is {count} but the file lists {listed} BOs: the loop reads rd->bo_entries[{listed}] past the list and dereferences it"));
        }

        if (walked == 0)
        {
            return (retry, null);
        }

        if (alongside is null)
        {
            return (retry, DrmContents(node, restored));
        }

        DrmContentsOf(node, previous, walked - 1, restored[walked - 1], alongside);
        return (retry, DrmContentsEnd(alongside));
    }

    /// <summary>
    /// An imported BO's contents file is written into its exporter's BO (amdgpu_plugin_drm.c:203-215), which its
    /// exporter's own contents file fills too: the last written wins. Both are copies the dump took of one memory
    /// while the process was stopped, so nothing changes when they hold the same bytes; when they differ, one of the
    /// two does not come back (CRI327). Not said when either copy cannot be read again.
    /// </summary>
    private void IntoExporter(in DrmBo bo, string pages, List<RestoreEnding> differences)
    {
        if (_stored[bo.Handle].Contents is not { } exporter
            || SavedContents.Same(_dump, new SavedContents(pages, RestorePathConstants.ImageSizeHeader), exporter, bo.Size) is not false)
        {
            return;
        }

        differences.Add(Said(Descriptors.ImportContentsIntoExporter, $"plugins/amdgpu/amdgpu_plugin_drm.c:203-215{Dev}", $"imported BO {bo.Handle} is mapped and in VRAM or GTT: {pages} is copied into the exporter's BO through the imported dma-buf, and its bytes differ from the exporter's own saved contents ({exporter.Pages} from byte {exporter.Offset}): the BO comes back as one of the two, not both"));
    }

    /// <summary>restore_bo_contents_drm (amdgpu_plugin_drm.c:159-236 at 2cf8f13), run after every call of the file's restore, retries included: a walk of its BOs of its own.</summary>
    private RestoreEnding? DrmContents(CriuRenderNode node, BitArray restored)
    {
        RenderNodeBos bos = node.Entries;
        var work = new DrmContentsWork(deferred: false);
        for (int i = 0; i < restored.Length && work.End is null; i++)
        {
            DrmContentsOf(node, bos.At(i), i, restored[i], work);
        }

        return DrmContentsEnd(work);
    }

    /// <summary>
    /// What restore_bo_contents_drm does with BO <paramref name="index"/> (<paramref name="bo"/>), restored by this call
    /// or not: nothing once the loop has ended (<see cref="DrmContentsWork.End"/>). It reads nothing the restore loop
    /// changes after the BO's own calls (the first fd stored under a handle stays), so it may run along that loop.
    /// </summary>
    private void DrmContentsOf(CriuRenderNode node, in DrmBo bo, int index, bool restored, DrmContentsWork work)
    {
        if (work.End is not null)
        {
            return;
        }

        work.Skipped += restored ? 0 : 1;
        if ((bo.PreferredDomains & (uint)(GemDomains.Vram | GemDomains.Gtt)) == 0 || bo.NumOfVms == 0)
        {
            return;
        }

        string pages = DrmPages(node, index);
        (bool there, CriuDumpFile? contents) = PagesFile(pages);
        CriuCallLog calls = work.Calls ?? _calls;
        List<RestoreEnding> differences = work.Differences ?? _differences;
        if (!restored)
        {
            // Not restored by this call (done on an earlier pass, or waiting for its exporter): dmabufs[i] is 0,
            // which sdma_copy_bo's libdrm import refuses (not a dma-buf); nothing is copied (amdgpu_plugin.c:606-610).
            if (!calls.TryCount())
            {
                calls.Add(new CriuCall("DRM_IOCTL_PRIME_FD_TO_HANDLE", IoctlRequests.PrimeFdToHandle, _file, _pass, [Arg("fd", 0)], -22));
            }

            return;
        }

        if (!there)
        {
            work.End = Ending(RestoreEndKind.Crashes, Descriptors.DrmPagesMissing, $"plugins/amdgpu/amdgpu_plugin_drm.c:212-214{Dev}, plugins/amdgpu/amdgpu_plugin.c:671{Dev}", $"{pages} is missing: open_img_file returns NULL and sdma_copy_bo's read_fp calls fread on it");
            return;
        }

        if (bo.IsImport != 0)
        {
            IntoExporter(bo, pages, differences);
        }

        Copy(contents, pages, RestorePathConstants.ImageSizeHeader, bo.Size, new CopiedBo("bo", bo.Handle, bo.IsImport != 0), "sdma", calls, say: true, differences);
    }

    /// <summary>The end of restore_bo_contents_drm: what was put aside along the restore loop goes after its calls, then CRI329 of the BOs this call did not restore; the crash where a BO's contents file is missing.</summary>
    private RestoreEnding? DrmContentsEnd(DrmContentsWork work)
    {
        if (work.Calls is { } counted)
        {
            _calls.AddCounted(counted.Count);
            _differences.AddRange(work.Differences!);
        }

        if (work.End is not null)
        {
            return work.End;
        }

        if (work.Skipped > 0)
        {
            RestoreFileOrder order = _order!;
            Difference(
                order.Known ? Descriptors.RetryClosesStdin : Descriptors.RetryMayCloseStdin,
                $"plugins/amdgpu/amdgpu_plugin_drm.c:227-230{Dev}, criu/files.c:1203-1244{Dev}",
                order.Known
                    ? $"{work.Skipped} BO(s) of {_file} are not restored by this call (done before, or waiting for their exporter): their dmabufs[] entry stays 0, so the contents path imports descriptor 0 and closes it, closing the restored task's standard input (file order: {order.Why})"
                    : $"{work.Skipped} BO(s) of {_file} are not restored by this call in the order replayed (done before, or waiting for their exporter): if CRIU's order is this one, their dmabufs[] entry stays 0 and the contents path imports descriptor 0 and closes it, the restored task's standard input (file order: {order.Why})");
        }

        return null;
    }

    private (bool Again, RestoreEnding? End) Dmabuf(CriuDumpFile file)
    {
        if (_criu.Released || !_criu.Dmabuf)
        {
            return (false, Ending(RestoreEndKind.Fails, Descriptors.CriuVersionCannotRestore, "plugins/amdgpu/amdgpu_plugin.c:1582-1587@v4.2", $"{_criu} has no dma-buf restore: restore_file finds neither amdgpu-kfd-{file.Name.Id}.img nor amdgpu-renderD-{file.Name.Id}.img and returns -EINVAL"));
        }

        if (file.Dmabuf is not { } node)
        {
            return (false, Ending(RestoreEndKind.Fails, Descriptors.CriuUnpackFails, $"plugins/amdgpu/amdgpu_plugin_dmabuf.c:122-135{Dev}", file.DamageDetail?.Message ?? "CRIU cannot read it"));
        }

        if (!_stored.Contains(node.Message.GemHandle))
        {
            return (true, null);
        }

        NoteImport(node.Message.GemHandle);
        return (false, null);
    }

    /// <summary>Keeps an import of <paramref name="handle"/> whose exporter another task opens, for CRI334.</summary>
    private void NoteImport(uint handle)
    {
        string exporter = _stored[handle].File;
        if (_order!.OpenerOf(_file) is { } by && _order.OpenerOf(exporter) is { } from && by.Pid != from.Pid && !_crossTask.Exists(c => c.Importer == _file))
        {
            _crossTask.Add((_file, by, handle, exporter, from));
        }
    }

    /// <summary>The KFD images <paramref name="pid"/> opens, or which task opens them, for CRI333's message.</summary>
    private string KfdOf(uint pid)
    {
        List<string> own = [.. _dump.OfKind(CriuFileKind.KfdImage).Select(Name).Where(n => _order!.OpenerOf(n)?.Pid == pid).Select(n => $"{n} at fd {_order!.OpenerOf(n)!.Value.Fd}")];
        return own.Count > 0
            ? $"it opens {string.Join(", ", own)}, a higher descriptor"
            : $"it opens none: {string.Join(", ", _dump.OfKind(CriuFileKind.KfdImage).Select(Name).Select(n => _order!.OpenerOf(n) is { } o ? $"{n} is opened by task {o.Pid}" : $"{n} is restored by no task"))}";
    }

    private RestoreEnding NeverEnds(List<CriuDumpFile> waiting)
    {
        string names = string.Join(", ", waiting.Select(Name));
        bool dmabuf = waiting.All(f => f.Name.Kind == CriuFileKind.DmaBuf);
        return new RestoreEnding(
            RestoreEndKind.NeverEnds,
            dmabuf ? Descriptors.DmabufUnknownHandle : Descriptors.OrphanImport,
            dmabuf ? $"plugins/amdgpu/amdgpu_plugin_dmabuf.c:139-142{Dev}" : $"plugins/amdgpu/amdgpu_plugin_drm.c:468-472{Dev}",
            $"pass {_pass} restored nothing new and {names} still wait for a handle no file of the dump exports: CRIU retries them for ever")
        { File = Name(waiting[0]) };
    }

    /// <summary>
    /// True when the files replayed are the whole dump: its folder was searched (<see cref="DumpRestorePlan.Complete"/>)
    /// and every KFD image and render node in it was read, so an export no file makes is missing, not elsewhere
    /// (verify's rule for CRI315 and CRI316).
    /// </summary>
    private bool Whole => _plan.Complete && !_dump.Unread.Any(n => CriuFileName.Parse(n)?.Kind is CriuFileKind.KfdImage or CriuFileKind.RenderNode);

    /// <summary>
    /// A KFD pages file of a dump not given whole whose KFD image is not among the files: its own header says how many
    /// bytes that image's VRAM and GTT BOs take, and a file shorter than that cannot fill them on either contents path
    /// (a size mismatch, or a short read whose error sdma_copy_bo's cleanup overwrites, amdgpu_plugin.c:671-675,784):
    /// verify's CRI310 of the file alone.
    /// </summary>
    private void ShortPagesOfImageNotGiven()
    {
        if (Whole)
        {
            return;
        }

        foreach (CriuDumpFile pages in _dump.OfKind(CriuFileKind.KfdPages))
        {
            if (pages.Header is { } header && (ulong)pages.ContentsBytes < header && !_dump.OfKind(CriuFileKind.KfdImage).Any(k => k.Name.Id == pages.Name.Id))
            {
                _file = Name(pages);
                Difference(Descriptors.ContentsShort, $"plugins/amdgpu/amdgpu_plugin.c:671-675,784,934-938{Dev}", $"{_file} holds {pages.ContentsBytes} bytes after its header, which says {header}: amdgpu-kfd-{pages.Name.Id}.img, not given, cannot have its BOs filled from it");
            }
        }
    }

    /// <summary>A wait for an export no file given makes, in a dump not given whole: the exporter may be in a file not given.</summary>
    private static RestoreEnding NotGiven(List<CriuDumpFile> waiting) => new(
        RestoreEndKind.Unknown,
        null,
        $"plugins/amdgpu/amdgpu_plugin_drm.c:468-472{Dev}, plugins/amdgpu/amdgpu_plugin_dmabuf.c:139-142{Dev}",
        $"{string.Join(", ", waiting.Select(Name))} {(waiting.Count == 1 ? "waits" : "wait")} for a handle no file given exports; the files given are not the whole dump, so whether another of its files exports it (then the restore goes on) or none does (then CRIU retries for ever) is not known")
    { File = Name(waiting[0]) };

    private RestoreEnding Resume()
    {
        if (_dump.ProcessFailure is { Stage: ProcessImageStage.AfterFiles } threads)
        {
            // A task fails after its own files (a thread's core, CRI354): the resume hook, and the parallel worker's copies it joins, are never reached.
            return ProcessImages(threads);
        }

        // The parallel worker copies when the resume hook joins it (amdgpu_plugin.c:2132-2147).
        _file = "resume";
        _pass = 0;
        foreach ((CriuDumpFile file, CriuKfd kfd, int bos) in _parallelContents)
        {
            ParallelKfdContents(file, kfd, bos, _calls);
        }

        if (_lateFailures.Count > 0)
        {
            return _lateFailures[0];
        }

        RestoreEnding? svm = null;
        foreach ((uint? task, int ret) in ResumedTasks())
        {
            List<SequenceArgument> args = [new SequenceArgument("op", (ulong)KfdCriuOp.Resume)];
            if (task is { } pid)
            {
                args.Add(new SequenceArgument("task", pid));
            }

            KfdPrivateData.KfdRefusal? refused = ret == 0 ? _plan.Kfd.FirstOrDefault(k => task is null || k.Pid == task)?.SvmResume : null;
            if (refused is not null)
            {
                args.Add(new SequenceArgument("refused_by", null, refused.Check));
                svm ??= Ending(RestoreEndKind.FailsLate, Descriptors.KfdPrivateDataRefused, $"{refused.Source}; plugins/amdgpu/amdgpu_plugin.c:2161-2168{Dev}, criu/cr-restore.c:2256-2266",
                    $"the kernel refuses AMDKFD_IOC_CRIU_OP RESUME with -{refused.ErrnoName} ({refused.Check}): {refused.Message}; criu_resume returns before it resumes the process's queues (kfd_chardev.c:2684-2688) and CRIU's core only logs the resume hook's failure, so the restore reports success with the GPU work stopped") with { Errno = -refused.Errno, At = _calls.Count };
            }

            Call("AMDKFD_IOC_CRIU_OP", IoctlRequests.KfdCriuOp, args, refused is null ? ret : -refused.Errno);
        }

        if (_taskOrder is null)
        {
            CrossTaskImports(_order!.Files);
        }

        return svm ?? _timing ?? (_differences.Count > 0 ? _differences[0] : new RestoreEnding(RestoreEndKind.Restored, null, "", "every call returns what CRIU expects"));
    }

    /// <summary>
    /// The tasks the resume hook runs for: CRIU's core calls it once per alive task of the tree, in its order
    /// (criu/cr-restore.c:2253-2266); RESUME finds a KFD process only for a task with a KFD image (the image's pid),
    /// for any other it returns -ESRCH, which the hook turns into -ENOTSUP and the core ignores (amdgpu_plugin.c:2161-2164).
    /// Without pstree.img one call, for the dump's KFD process, stands for them.
    /// </summary>
    private IEnumerable<(uint? Task, int Ret)> ResumedTasks()
    {
        if (_dump.ProcessTree is not { } tree)
        {
            return [(null, 0)];
        }

        // With fdinfo images the KFD process belongs to the task that opened /dev/kfd on restore (CRIU_OP RESTORE binds
        // it to the caller, RESUME looks it up by pid: kfd_chardev.c criu_restore, criu_resume), whatever pid it had.
        HashSet<uint> kfd = _order!.Openers.Count > 0
            ? [.. _dump.OfKind(CriuFileKind.KfdImage).Select(f => _order.OpenerOf(Name(f))).OfType<TaskFd>().Select(o => o.Pid)]
            : [.. _plan.Kfd.Where(k => k.Pid is not null).Select(k => k.Pid!.Value)];
        return tree.InCriuOrder().Where(t => t.Alive != false).Select(t => ((uint?)t.Pid, kfd.Contains(t.Pid) ? 0 : -3));
    }

    private RestoreEnding? ChangeHandle(in PlannedBo planned, uint handle)
    {
        RestoreEnding? refused = Kernel(planned, RestoreCall.ChangeHandle, null, "DRM_IOCTL_GEM_CHANGE_HANDLE", IoctlRequests.GemChangeHandle, handle, $"plugins/amdgpu/amdgpu_plugin_drm.c:501-505{Dev}");
        if (refused is null && _plan.Target is { ChangeHandle: null } && _calls.Keeps)
        {
            // The kernel's answer is unknown: the call stays, its return is not claimed.
            _calls[^1] = _calls[^1] with { Ret = null };
        }

        return refused;
    }

    /// <summary>Adds a kernel call from the plan's call (its arguments, its refusals); the first refusal ends the restore there.</summary>
    private RestoreEnding? Kernel(in PlannedBo planned, RestoreCall kind, uint? mapping, string name, uint request, uint handle, string cause)
    {
        // This runs for every call of every BO: plain loops, and a call built only when the log keeps it (LINQ's
        // closures, then a call object and its argument list per call when verify only counts them, were most of
        // verify's time on a render node).
        Diagnostic? refusal = planned.FirstRefusal(kind, mapping);
        if (refusal is not null && _mended.Count > 0 && _mended.Contains((refusal.Descriptor, _file)))
        {
            refusal = null;
        }

        RestoreCheck? check = refusal?.Descriptor.Check;
        int? errno = check is null ? 0 : Errno(check.Outcome);
        if (!_calls.TryCount())
        {
            Call(name, request, planned.Arguments(kind, mapping, handle), errno is null or 0 ? 0 : errno);
        }

        if (refusal is null)
        {
            return null;
        }

        if (errno is null or 0)
        {
            Difference(refusal.Descriptor, cause, $"{name} of BO {handle}: {refusal.Message} ({check!.Kernel})");
            return null;
        }

        return Ending(RestoreEndKind.Fails, refusal.Descriptor, cause, $"{name} of BO {handle} returns {check!.Outcome}: {refusal.Message} ({check.Kernel})") with { Errno = errno, At = _calls.Count - 1 };
    }

    /// <summary>
    /// GEM_VA of mapping <paramref name="mapping"/> of an imported BO, checked against the BO the import got: the one
    /// stored first under its handle number (store_dmabuf_fd, amdgpu_plugin.c:1078-1099), which need not be the size the
    /// importer's entry says when several BOs export the number. Past its end the kernel refuses the map, -EINVAL
    /// (amdgpu_vm_verify_parameters: offset + size > amdgpu_bo_size), and the render node's restore fails there.
    /// Null when it fits: the planned GEM_VA is made as planned.
    /// </summary>
    private RestoreEnding? PastImportedBo(in PlannedBo planned, in DrmBo bo, uint mapping)
    {
        VmRecord vm = bo.VmEntries[(int)mapping];
        ulong size = _stored.SizeOf(bo.Handle);
        if ((UInt128)vm.Offset + vm.Size <= size || bo.Size == size)
        {
            return null;
        }

        if (!_calls.TryCount())
        {
            Call("DRM_IOCTL_AMDGPU_GEM_VA", IoctlRequests.GemVa, planned.Arguments(RestoreCall.GemVa, mapping, bo.Handle), -22);
        }

        // The import's wrong BO is said once, as where the restore fails: not also as a difference.
        string file = _file;
        _differences.RemoveAll(d => d.Code == Descriptors.ImportByNumber && d.File == file);
        return Ending(RestoreEndKind.Fails, Descriptors.ImportByNumber, $"plugins/amdgpu/amdgpu_plugin_drm.c:534-538{Dev}",
            string.Create(CultureInfo.InvariantCulture, $"DRM_IOCTL_AMDGPU_GEM_VA of BO {bo.Handle} returns -EINVAL: the import got the BO stored first under handle {bo.Handle} ({_stored[bo.Handle].File}), of 0x{size:x} bytes, and mapping {mapping} maps 0x{vm.Size:x} bytes from offset 0x{vm.Offset:x} of it (amdgpu_vm_verify_parameters: offset + size > amdgpu_bo_size)"))
            with { Errno = -22, At = _calls.Count - 1 };
    }

    /// <summary>The plan's calls cut per BO, in order: each BO's calls begin with its GEM_CREATE or its import.</summary>
    private static IEnumerable<List<PlannedCall>> Segments(RestorePlan? plan)
    {
        List<PlannedCall>? segment = null;
        foreach (PlannedCall call in plan?.Calls ?? [])
        {
            if (segment is not null && call.Call is RestoreCall.GemCreate or RestoreCall.PrimeImport)
            {
                yield return segment;
                segment = null;
            }

            (segment ??= []).Add(call);
        }

        if (segment is not null)
        {
            yield return segment;
        }
    }

    private static int? Errno(string outcome) => outcome switch
    {
        "-EINVAL" => -22,
        "-EPERM" => -1,
        "-ENOSPC" => -28,
        "-ENOENT" => -2,
        "-EINVAL or differs" => -22,
        _ => null,
    };

    /// <summary>
    /// The contents file of that name: null when the dump lacks it; a file there but not read, or one a dump given
    /// file by file may have (<see cref="DumpRestorePlan.Complete"/> false), counts as there, with nothing known of it.
    /// </summary>
    private (bool There, CriuDumpFile? File) PagesFile(string name) =>
        _index.File(name) is { } found ? (true, found) : (!_plan.Complete || _index.Unread(name), null);

    /// <summary>The drm-pages file of BO <paramref name="index"/> of <paramref name="node"/> (amdgpu_plugin_drm.c:210).</summary>
    private static string DrmPages(CriuRenderNode node, int index) => CriuFileName.DrmPages(node.Id, node.DrmRenderMinor, (ulong)index);

    /// <summary>
    /// One contents copy: listed when the file holds the bytes; a short read fails in read_fp and sdma_copy_bo's
    /// cleanup overwrites the error (amdgpu_plugin.c:671-675, :784), so nothing is copied and the restore goes on
    /// (CRI310 when <paramref name="say"/>; not where another finding explains the read).
    /// </summary>
    private void Copy(CriuDumpFile? contents, string pages, ulong offset, ulong size, CopiedBo bo, string copy, CriuCallLog into, bool say, List<RestoreEnding>? differences = null)
    {
        if (contents is null || (ulong)contents.Input.Length >= offset + size)
        {
            if (!into.TryCount())
            {
                into.Add(new CriuCall("CONTENTS", null, _file, _pass, [new SequenceArgument("pages", null, pages), Arg("offset", offset), Arg("length", size), .. bo.Arguments(), new SequenceArgument("copy", null, copy)], 0));
            }

            return;
        }

        if (say)
        {
            (differences ?? _differences).Add(Said(Descriptors.ContentsShort, $"plugins/amdgpu/amdgpu_plugin.c:671-675,784{Dev}", $"{pages} has {contents.Input.Length} bytes, {bo.What} reads {size} from byte {offset}: read_fp fails, and sdma_copy_bo's cleanup overwrites the error, so the restore goes on with the BO unfilled"));
        }
    }

    private void Call(string name, uint request, IReadOnlyList<SequenceArgument> args, int? ret) =>
        _calls.Add(new CriuCall(name, request, _file, _pass, args, ret));

    private static SequenceArgument Arg(string name, ulong value) => new(name, value);

    private RestoreEnding Ending(RestoreEndKind how, DiagnosticDescriptor code, string cause, string message) =>
        new(how, code, cause, message) { File = _file };

    /// <summary>A process image that stops CRIU's core: before the plugin restores any file (CRI350-CRI352), or after a task's files (CRI354).</summary>
    private static RestoreEnding ProcessImages(ProcessImageFailure failure) =>
        new(RestoreEndKind.Fails, failure.Code, failure.Cause, failure.Message) { File = failure.File };

    /// <summary>The amdgpu files no restored descriptor names: CRIU never hands them to the plugin (CRI353).</summary>
    private void NotRestored()
    {
        foreach (uint id in _dump.TaskFiles?.NotRestored ?? [])
        {
            _file = Name(_dump.Files.First(f => f.Name.Id == id && f.Name.Kind is CriuFileKind.KfdImage or CriuFileKind.RenderNode or CriuFileKind.DmaBuf));
            Difference(Descriptors.FileNotRestored, "criu/files.c:895-935@2cf8f13, criu/image.c:629-632@2cf8f13", TaskFiles.NotRestoredWhy(id, _file));
        }
    }

    private void Difference(DiagnosticDescriptor code, string cause, string message) =>
        _differences.Add(Said(code, cause, message));

    /// <summary>A difference of the file being restored.</summary>
    private RestoreEnding Said(DiagnosticDescriptor code, string cause, string message) =>
        new(RestoreEndKind.Differs, code, cause, message) { File = _file };

    /// <summary>
    /// A failure of the parallel contents thread: the resume hook returns it before KFD_CRIU_OP_RESUME
    /// (amdgpu_plugin.c:2144-2147), and CRIU's core only logs it (criu/cr-restore.c:2256-2266): the restore
    /// reports success with the KFD queues never resumed.
    /// </summary>
    private void LateUnless(bool again, DiagnosticDescriptor code, string cause, string message)
    {
        if (!again)
        {
            Late(code, cause, message);
        }
    }

    private void Late(DiagnosticDescriptor code, string cause, string message) =>
        _lateFailures.Add(new RestoreEnding(RestoreEndKind.FailsLate, code, $"{cause}, criu/cr-restore.c:2256-2266{Dev}", $"{message}; the resume hook returns before AMDKFD_IOC_CRIU_OP RESUME and CRIU's core only logs it, so the restore reports success with the process's KFD queues never resumed") { File = "resume" });

    /// <summary>
    /// restore_bo_contents_drm's work over one call of a render node's restore. Along the restore loop
    /// (<paramref name="deferred"/>) its calls are counted and its differences kept here, and go to the replay's once
    /// the loop has ended (<see cref="DrmContentsEnd"/>), where CRIU makes them; if the loop ends the restore first they
    /// are dropped, as CRIU never reaches them.
    /// </summary>
    private sealed class DrmContentsWork(bool deferred)
    {
        /// <summary>The calls counted along the restore loop; null: the replay's own log.</summary>
        public CriuCallLog? Calls { get; } = deferred ? CriuCallLog.Counted() : null;

        /// <summary>The differences kept along the restore loop; null: the replay's own.</summary>
        public List<RestoreEnding>? Differences { get; } = deferred ? [] : null;

        /// <summary>The BOs this call did not restore, up to where the loop is.</summary>
        public int Skipped { get; set; }

        /// <summary>Where the contents loop ended the restore (a BO's contents file missing), or null.</summary>
        public RestoreEnding? End { get; set; }
    }

    /// <summary>The BO a contents copy fills: a KFD BO by its index, a render-node BO by its handle (an import's copy goes into its exporter).</summary>
    private readonly record struct CopiedBo(string Name, ulong Value, bool Into)
    {
        public static CopiedBo Kfd(int index) => new("kfd_bo", (ulong)index, false);

        /// <summary>The BO as a finding names it.</summary>
        public string What => Name == "kfd_bo" ? $"KFD BO {Value}" : $"render-node BO {Value}";

        public SequenceArgument[] Arguments() => Into ? [new(Name, Value), new("into", Value)] : [new(Name, Value)];
    }
}
