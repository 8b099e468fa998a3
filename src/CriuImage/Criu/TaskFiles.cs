using System.Globalization;
using CriuImage.Diagnostics;
using CriuImage.Input;

namespace CriuImage.Criu;

/// <summary>A descriptor of a task that names one of the dump's amdgpu files.</summary>
/// <param name="Pid">The task that restores the files table holding it.</param>
/// <param name="Fd">The descriptor.</param>
/// <param name="FileId">The file's id: the number in the amdgpu file's name.</param>
internal readonly record struct TaskFd(uint Pid, uint Fd, uint FileId)
{
    /// <summary>The descriptor's <c>fd_types</c> in its fdinfo image (EXT for every file the plugin restores).</summary>
    public uint Type { get; init; }

    /// <summary>The files table (<c>fdinfo-TABLE.img</c>) that names it.</summary>
    public uint Table { get; init; }

    /// <summary>The byte offset of its entry in that image.</summary>
    public long Offset { get; init; }

    /// <summary>"task PID fd FD".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"task {Pid} fd {Fd}");
}

/// <summary>
/// Which task holds which amdgpu file at which descriptor, and which task opens it on restore, from CRIU's
/// <c>ids-PID.img</c> (each task's files table), <c>core-PID.img</c> (its state), <c>fdinfo-N.img</c> and
/// <c>files.img</c> (<see cref="CriuFdImages"/>, <see cref="CriuTaskImages"/>), read as CRIU's restore reads them.
/// <para>
/// A child whose <c>files_id</c> is its parent's shares its parent's files table (CLONE_FILES): the dump writes
/// one fdinfo image for both (criu/cr-dump.c:1591, pstree.h:82-85) and on restore only the task that owns the
/// table opens its files (<c>shared_fdt_prepare</c>, criu/files.c:1483-1505; :907, :1314-1329 at 2cf8f13). Any
/// other task with a table reads its fdinfo image itself, even one an unrelated task also names (prepare_fd_pid,
/// files.c:895-935): both then hold its descriptors. A missing fdinfo image is an empty one (open_image,
/// criu/image.c:629-632): CRIU's dump creates an image only when it first writes to it (image.c:523-524, :686-694),
/// so a task without descriptors has none. A file several tables hold is opened by the holder of lowest pid
/// (<c>__collect_desc_fle</c> with <c>pid_rst_prio_eq</c>, files.c:812-820, pid.h:55-63) through the plugin
/// (<c>open_fd</c>, files.c:1144-1153); the others receive the descriptor over a socket.
/// </para>
/// </summary>
internal sealed class TaskFiles
{
    private const string Dev = " at 2cf8f13";
    private readonly Dictionary<uint, List<TaskFd>> _holders;
    private readonly Dictionary<uint, uint> _tableOwner;

    /// <summary>The external files no amdgpu image names (another plugin's), each by its opener and its byte in files.img (CRI355).</summary>
    public IReadOnlyList<(TaskFd Opener, long FilesOffset)> OtherExt { get; private init; } = [];

    private TaskFiles(Dictionary<uint, List<TaskFd>> holders, Dictionary<uint, uint> tableOwner)
    {
        _holders = holders;
        _tableOwner = tableOwner;
    }

    /// <summary>Null when every amdgpu file's holders are known; otherwise why not, with the file and byte.</summary>
    public string? Unknown { get; private init; }

    /// <summary>A process image that stops CRIU's restore (CRI350-CRI352 before any file is opened, CRI354 after a task's), or null.</summary>
    public ProcessImageFailure? Failure { get; private init; }

    /// <summary>The amdgpu file ids no restored descriptor names (CRI353): CRIU never hands them to the plugin.</summary>
    public IReadOnlyList<uint> NotRestored { get; private init; } = [];

    /// <summary>The task that opens file <paramref name="fileId"/> through the plugin, at which descriptor; null when no table holds it.</summary>
    public TaskFd? Opener(long fileId) => _holders.TryGetValue((uint)fileId, out List<TaskFd>? h) && h.Count > 0 ? h[0] : null;

    /// <summary>Every descriptor that names file <paramref name="fileId"/>, the opener first.</summary>
    public IReadOnlyList<TaskFd> Holders(long fileId) => _holders.TryGetValue((uint)fileId, out List<TaskFd>? h) ? h : [];

    /// <summary>
    /// The sends of the files other than amdgpu ones that CRIU opens at once (<see cref="CriuFdImages.OpensAtOnce"/>)
    /// and more than one task holds: from the holder of lowest pid, in its first pass at its descriptor, to each other
    /// task holding it (one send per descriptor), by sender and descriptor.
    /// </summary>
    public IReadOnlyList<FdSend> AtOnceSends { get; private init; } = [];

    /// <summary>
    /// The sends of amdgpu file <paramref name="fileId"/> once its opener has restored it (the plugin returned a
    /// descriptor and no retry, criu/files-ext.c:52-65, and open_fd serves it out, criu/files.c:1164-1167 at 2cf8f13): to each holder in another task, one send per descriptor.
    /// </summary>
    public IEnumerable<FdSend> SendsOf(long fileId) =>
        Opener(fileId) is { } opener ? Holders(fileId).Where(h => h.Pid != opener.Pid).Select(h => new FdSend(opener.Pid, opener.Fd, opener.FileId, opener.Type, h.Pid)) : [];

    /// <summary>The task that restores <paramref name="pid"/>'s files table: itself, or the ancestor whose table it shares.</summary>
    public uint TableOwner(uint pid) => _tableOwner.GetValueOrDefault(pid, pid);

    /// <summary>
    /// What the folder's process images say of <paramref name="dump"/>'s amdgpu files; null when the folder has no
    /// <c>fdinfo-N.img</c> (a dump of the amdgpu files alone).
    /// </summary>
    public static TaskFiles? Of(CriuDump dump, CriuProcessTree tree, IReadOnlyList<InputFile> files)
    {
        ArgumentNullException.ThrowIfNull(dump);
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(files);
        if (!files.Any(f => f.Name is { } name && CriuFdImages.FdinfoId(name) is not null))
        {
            return null;
        }

        HashSet<uint> amdgpu = [.. dump.Files.Where(f => f.Name.Kind is CriuFileKind.KfdImage or CriuFileKind.RenderNode or CriuFileKind.DmaBuf && f.Name.Id >= 0).Select(f => (uint)f.Name.Id)];
        var reading = new TaskImageReading(tree, files, amdgpu, id => dump.Files.First(f => f.Name.Id == id).FileName);
        (ProcessImageFailure? failure, string? unknown) = reading.Read();
        foreach (List<TaskFd> list in reading.Holders.Values)
        {
            // pid_rst_prio_eq: ascending pid, in the order collected within one pid (a stable sort).
            List<TaskFd> sorted = [.. list.OrderBy(h => h.Pid)];
            list.Clear();
            list.AddRange(sorted);
        }

        List<uint> notRestored = failure is null or { Stage: ProcessImageStage.AfterFiles } && unknown is null ? [.. amdgpu.Order().Where(id => !reading.Holders.ContainsKey(id))] : [];
        return new TaskFiles(reading.Holders, reading.Owners)
        {
            Failure = failure is null ? null : failure with { File = failure.File ?? FirstFile(dump) },
            Unknown = unknown,
            NotRestored = notRestored,
            AtOnceSends = Sends(reading.AtOnce),
            OtherExt = failure is null or { Stage: ProcessImageStage.AfterFiles } && unknown is null ? reading.OtherExt : [],
        };
    }

    /// <summary>Each file's sends (<paramref name="held"/> by file, its opener first): from the opener to each holder of another pid.</summary>
    private static List<FdSend> Sends(List<TaskFd> held)
    {
        var sends = new List<FdSend>();
        TaskFd? master = null;
        foreach (TaskFd h in held)
        {
            if (master is not { } m || h.FileId != m.FileId)
            {
                master = h;
            }
            else if (h.Pid != m.Pid)
            {
                sends.Add(new FdSend(m.Pid, m.Fd, m.FileId, m.Type, h.Pid));
            }
        }

        // serve_out_fd sends in the file's list order, by pid (files.c:1095-1107).
        sends.Sort(static (a, b) => a.From != b.From ? a.From.CompareTo(b.From) : a.Fd != b.Fd ? a.Fd.CompareTo(b.Fd) : a.To.CompareTo(b.To));
        return sends;
    }

    /// <summary>The amdgpu file a failure before any file is said of: the first KFD image, else the first file.</summary>
    internal static string? FirstFile(CriuDump dump) =>
        dump.Files.Where(f => f.Name.Kind == CriuFileKind.KfdImage).Concat(dump.Files).Select(f => f.FileName).FirstOrDefault();

    /// <summary>The message of a file id CRIU never restores: which file, and why.</summary>
    public static string NotRestoredWhy(uint fileId, string file) =>
        string.Create(CultureInfo.InvariantCulture, $"no restored task's descriptor names file id {fileId}: CRIU restores only the files its tasks' fdinfo images name (prepare_fd_pid, criu/files.c:895-935{Dev}; a missing fdinfo image is an empty one, criu/image.c:629-632), so it never hands {file} to the plugin and the process comes back without it");
}
