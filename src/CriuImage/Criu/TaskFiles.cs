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
    /// <summary>"task PID fd FD".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"task {Pid} fd {Fd}");
}

/// <summary>
/// Which task holds which amdgpu file at which descriptor, and which task opens it on restore, from CRIU's
/// <c>core-PID.img</c>, <c>fdinfo-N.img</c> and <c>files.img</c> (<see cref="CriuFdImages"/>).
/// <para>
/// A child whose <c>files_id</c> is its parent's shares its parent's files table (CLONE_FILES): the dump writes
/// one fdinfo image for both (criu/cr-dump.c:1591, pstree.h:82-85) and on restore only the task that owns the
/// table opens its files (<c>shared_fdt_prepare</c>, criu/files.c:1483-1505; :907, :1314-1329 at 2cf8f13).
/// A file several tables hold (inherited across fork) is one file id: CRIU lists its holders by ascending pid
/// (<c>__collect_desc_fle</c> with <c>pid_rst_prio_eq</c>, files.c:812-820, pid.h:55-63) and the first opens it
/// through the plugin (<c>open_fd</c>, files.c:1144-1153); the others receive the descriptor over a socket.
/// </para>
/// </summary>
internal sealed class TaskFiles
{
    private readonly Dictionary<uint, List<TaskFd>> _holders;
    private readonly Dictionary<uint, uint> _tableOwner;

    private TaskFiles(Dictionary<uint, List<TaskFd>> holders, Dictionary<uint, uint> tableOwner, string? unknown)
    {
        _holders = holders;
        _tableOwner = tableOwner;
        Unknown = unknown;
    }

    /// <summary>Null when every amdgpu file's holders are known; otherwise why not, with the file and byte.</summary>
    public string? Unknown { get; }

    /// <summary>The task that opens file <paramref name="fileId"/> through the plugin, at which descriptor; null when no table holds it.</summary>
    public TaskFd? Opener(long fileId) => _holders.TryGetValue((uint)fileId, out List<TaskFd>? h) && h.Count > 0 ? h[0] : null;

    /// <summary>Every descriptor that names file <paramref name="fileId"/>, the opener first.</summary>
    public IReadOnlyList<TaskFd> Holders(long fileId) => _holders.TryGetValue((uint)fileId, out List<TaskFd>? h) ? h : [];

    /// <summary>The task that restores <paramref name="pid"/>'s files table: itself, or the ancestor whose table it shares.</summary>
    public uint TableOwner(uint pid) => _tableOwner.GetValueOrDefault(pid, pid);

    /// <summary>
    /// What the folder's descriptor images say of <paramref name="dump"/>'s amdgpu files; null when the folder has no
    /// <c>fdinfo-N.img</c> (a dump of the amdgpu files alone).
    /// </summary>
    public static TaskFiles? Of(CriuDump dump, CriuProcessTree tree, IReadOnlyList<InputFile> files)
    {
        ArgumentNullException.ThrowIfNull(dump);
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(files);
        Dictionary<uint, InputFile> fdinfos = [];
        foreach (InputFile file in files)
        {
            if (file.Name is { } name && CriuFdImages.FdinfoId(name) is { } id)
            {
                fdinfos[id] = file;
            }
        }

        if (fdinfos.Count == 0)
        {
            return null;
        }

        HashSet<uint> amdgpu = [.. dump.Files.Where(f => f.Name.Kind is CriuFileKind.KfdImage or CriuFileKind.RenderNode or CriuFileKind.DmaBuf && f.Name.Id >= 0).Select(f => (uint)f.Name.Id)];
        var holders = new Dictionary<uint, List<TaskFd>>();
        var owners = new Dictionary<uint, uint>();
        string? unknown = Read(tree, files, fdinfos, amdgpu, holders, owners);
        foreach (List<TaskFd> list in holders.Values)
        {
            // pid_rst_prio_eq: ascending pid, in the order collected within one pid (a stable sort).
            List<TaskFd> sorted = [.. list.OrderBy(h => h.Pid)];
            list.Clear();
            list.AddRange(sorted);
        }

        unknown ??= amdgpu.Order().Where(id => !holders.ContainsKey(id)).Select(id => string.Create(CultureInfo.InvariantCulture, $"no fdinfo image names file id {id}, so no task restores {Path.GetFileName(dump.Files.First(f => f.Name.Id == id).Input.Path)}")).FirstOrDefault();
        return new TaskFiles(holders, owners, unknown);
    }

    /// <summary>Fills the holders and table owners; returns the first reason the picture is not whole, or null.</summary>
    private static string? Read(CriuProcessTree tree, IReadOnlyList<InputFile> files, Dictionary<uint, InputFile> fdinfos, HashSet<uint> amdgpu, Dictionary<uint, List<TaskFd>> holders, Dictionary<uint, uint> owners)
    {
        var filesId = new Dictionary<uint, uint>();
        var tableOf = new Dictionary<uint, uint>();
        foreach (CriuTask task in tree.InCriuOrder())
        {
            string core = string.Create(CultureInfo.InvariantCulture, $"core-{task.Pid}.img");
            if (files.FirstOrDefault(f => f.Name == core) is not { Content: { } content })
            {
                return $"{core} is missing, so task {task.Pid}'s files table is not known";
            }

            uint? id;
            try
            {
                id = CriuFdImages.ReadFilesId(content);
            }
            catch (ImageFormatException e)
            {
                return $"{core} {e.Message}";
            }

            if (id is not { } table)
            {
                // A core without ids is a zombie's or a helper's: CRIU restores no files for it (cr-restore.c, prepare_fd_pid).
                continue;
            }

            filesId[task.Pid] = table;
            if (filesId.TryGetValue(task.Ppid, out uint parentTable) && parentTable == table && task.Ppid != 0)
            {
                owners[task.Pid] = owners.GetValueOrDefault(task.Ppid, task.Ppid);
                continue;
            }

            if (tableOf.TryGetValue(table, out uint other))
            {
                return string.Create(CultureInfo.InvariantCulture, $"tasks {other} and {task.Pid} have files table {table} without one being the other's child: CRIU's dump refuses that ('Can't make FILES id'), so the images do not go together");
            }

            tableOf[table] = task.Pid;
        }

        foreach ((uint table, uint pid) in tableOf)
        {
            string name = string.Create(CultureInfo.InvariantCulture, $"fdinfo-{table}.img");
            if (!fdinfos.TryGetValue(table, out InputFile? fdinfo) || fdinfo.Content is not { } content)
            {
                return $"{name} (task {pid}'s files table) is missing";
            }

            List<FdinfoEntry> entries;
            try
            {
                entries = CriuFdImages.ReadFdinfo(content, amdgpu);
            }
            catch (ImageFormatException e)
            {
                return $"{name} {e.Message}";
            }

            foreach (FdinfoEntry entry in entries)
            {
                if (entry.Type != CriuFdImages.ExtType)
                {
                    return string.Create(CultureInfo.InvariantCulture, $"{name} at byte {entry.Offset}: fd {entry.Fd} names file id {entry.FileId} as type {entry.Type}, not EXT ({CriuFdImages.ExtType}), which every file of the amdgpu plugin is: CRIU would not hand it to the plugin");
                }

                if (!holders.TryGetValue(entry.FileId, out List<TaskFd>? list))
                {
                    holders[entry.FileId] = list = [];
                }

                list.Add(new TaskFd(pid, entry.Fd, entry.FileId));
            }
        }

        return FilesImage(files, amdgpu);
    }

    /// <summary>files.img, where the dump has it: each amdgpu file id must be an EXT file_entry (collect_one_file_entry, files.c:1770).</summary>
    private static string? FilesImage(IReadOnlyList<InputFile> files, HashSet<uint> amdgpu)
    {
        if (files.FirstOrDefault(f => f.Name == CriuFdImages.FilesName) is not { Content: { } content })
        {
            return null;
        }

        Dictionary<uint, (uint Type, long Offset)> types;
        try
        {
            types = CriuFdImages.ReadFileTypes(content, amdgpu);
        }
        catch (ImageFormatException e)
        {
            return $"{CriuFdImages.FilesName} {e.Message}";
        }

        foreach (uint id in amdgpu.Order())
        {
            if (!types.TryGetValue(id, out (uint Type, long Offset) entry))
            {
                return string.Create(CultureInfo.InvariantCulture, $"{CriuFdImages.FilesName} lists no file id {id}: CRIU's collect_fd finds no file for it ('No file for fd') and the restore stops");
            }

            if (entry.Type != CriuFdImages.ExtType)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{CriuFdImages.FilesName} at byte {entry.Offset}: file id {id} is type {entry.Type}, not EXT ({CriuFdImages.ExtType}): CRIU would not hand it to the plugin");
            }
        }

        return null;
    }
}
