using System.Text.RegularExpressions;
using CriuImage.Diagnostics;

namespace CriuImage.Criu;

/// <summary>
/// One task of CRIU's <c>pstree.img</c> (<c>pstree_entry</c>, images/pstree.proto at 2cf8f13), with its state
/// from <c>core-PID.img</c> where the dump has it.
/// </summary>
/// <param name="Pid">Field 1: the task's pid in its namespace (the pid CRIU's amdgpu plugin saves as <c>criu_kfd.pid</c>).</param>
/// <param name="Ppid">Field 2: its parent's pid; 0 for the root task.</param>
/// <param name="Pgid">Field 3.</param>
/// <param name="Sid">Field 4.</param>
/// <param name="Threads">Field 5: the pids of its threads, the leader first.</param>
public sealed record CriuTask(uint Pid, uint Ppid, uint Pgid, uint Sid, IReadOnlyList<uint> Threads)
{
    /// <summary>
    /// <c>task_core_entry.task_state</c> of its core image (1 alive, 2 dead, 3 stopped, 6 zombie: compel's
    /// task-state.h); null when the dump has no core image of the task or it could not be read.
    /// </summary>
    public uint? State { get; init; }

    /// <summary>True when CRIU's <c>task_alive</c> holds (alive or stopped, criu/include/pstree.h:87-95); null when <see cref="State"/> is unknown.</summary>
    public bool? Alive => State is { } s ? s is 1 or 3 : null;
}

/// <summary>
/// CRIU's process tree (<c>pstree.img</c>): which tasks a dump restores and how they descend from the root task.
/// The amdgpu plugin takes its contents path from it (parallel when the restored root task has no children,
/// amdgpu_plugin.c:380-388 at 2cf8f13) and CRIU's core runs the resume hook once per alive task
/// (criu/cr-restore.c:2253-2266).
/// </summary>
public sealed partial class CriuProcessTree
{
    /// <summary>The file's name in a dump folder.</summary>
    public const string FileName = "pstree.img";

    /// <summary>PSTREE_MAGIC (criu/include/magic.h).</summary>
    private const uint PstreeMagic = 0x50273030;

    /// <summary>CORE_MAGIC (criu/include/magic.h).</summary>
    private const uint CoreMagic = 0x55053847;

    private CriuProcessTree(IReadOnlyList<CriuTask> tasks) => Tasks = tasks;

    /// <summary>The tasks in the file's order (CRIU writes it depth first from the root).</summary>
    public IReadOnlyList<CriuTask> Tasks { get; }

    /// <summary>The root task: the one whose <c>ppid</c> is 0 (pstree.c:587-595).</summary>
    public CriuTask Root => Tasks.First(t => t.Ppid == 0);

    /// <summary>True when the root task has children in the tree: criu-dev then restores KFD contents serially.</summary>
    public bool RootHasChildren => Tasks.Any(t => t.Ppid == Root.Pid && t.Pid != Root.Pid);

    /// <summary>
    /// The tasks in the order CRIU's <c>for_each_pstree_item</c> visits them: depth first from the root, each
    /// task's children newest first, as <c>read_one_pstree_item</c> puts every child at the head of its parent's
    /// list (pstree.c:596-609).
    /// </summary>
    public IEnumerable<CriuTask> InCriuOrder()
    {
        var stack = new Stack<CriuTask>();
        stack.Push(Root);
        var seen = new HashSet<uint>();
        while (stack.Count > 0)
        {
            CriuTask task = stack.Pop();
            if (!seen.Add(task.Pid))
            {
                continue;
            }

            yield return task;

            // Children in file order pushed first-to-last pop last-to-first: newest first.
            foreach (CriuTask child in Tasks.Where(t => t.Ppid == task.Pid && t.Pid != task.Pid))
            {
                stack.Push(child);
            }
        }
    }

    /// <summary>True for <c>pstree.img</c>, <c>core-PID.img</c>, <c>ids-PID.img</c>, <c>fdinfo-N.img</c>, <c>files.img</c> and <c>ext-files.img</c>, the CRIU images the restore model reads.</summary>
    internal static bool IsTreeFile(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        return fileName == FileName || CorePid(fileName) is not null || CriuFdImages.IsFdFile(fileName) || CriuTaskImages.IsTaskFile(fileName);
    }

    /// <summary>The pid of a <c>core-PID.img</c>, or null for any other name.</summary>
    internal static uint? CorePid(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        return CriuImageEntries.NumberIn(CoreName().Match(fileName));
    }

    /// <summary>Reads <c>pstree.img</c>; <paramref name="states"/> gives each task's state from its core image.</summary>
    /// <exception cref="ImageFormatException">The framing, a wire, or the tree is damaged (a second root, a parent no entry has, no root).</exception>
    public static CriuProcessTree Read(ReadOnlyMemory<byte> file, IReadOnlyDictionary<uint, uint>? states = null)
    {
        var tasks = new List<CriuTask>();
        var ids = new PstreeIds();
        foreach ((long offset, ReadOnlyMemory<byte> bytes) in CriuImageEntries.Read(file, PstreeMagic, FileName))
        {
            CriuTask task = Entry(bytes.Span, offset);
            if (ids.Add(task) is { } clash)
            {
                throw new ImageFormatException(offset, clash);
            }

            if (task.Ppid == 0 && tasks.Any(t => t.Ppid == 0))
            {
                throw new ImageFormatException(offset, $"task {task.Pid} has no parent, but task {tasks.First(t => t.Ppid == 0).Pid} is the root already: CRIU stops ('Parent missed on non-root task')");
            }

            if (task.Ppid != 0 && !tasks.Any(t => t.Pid == task.Ppid))
            {
                throw new ImageFormatException(offset, $"task {task.Pid}'s parent {task.Ppid} has no entry before it: CRIU stops ('Can't find a parent')");
            }

            tasks.Add(task with { State = states?.TryGetValue(task.Pid, out uint state) == true ? state : null });
        }

        if (tasks.Count == 0)
        {
            throw new ImageFormatException(file.Length, "the file lists no task: a dump always has its root task");
        }

        return new CriuProcessTree(tasks);
    }

    /// <summary>The <c>task_core_entry.task_state</c> of a <c>core-PID.img</c> (<c>core_entry.tc</c>, field 3, its field 1), or null when it has none.</summary>
    /// <exception cref="ImageFormatException">The framing or the wire is damaged.</exception>
    internal static uint? ReadTaskState(ReadOnlyMemory<byte> file) => CoreVarint(file, 3, "tc", 1, "task_state");

    /// <summary>
    /// A varint of a message inside the first <c>core_entry</c> of a <c>core-PID.img</c> (field <paramref name="outer"/>,
    /// its field <paramref name="inner"/>), or null when the core has none.
    /// </summary>
    /// <exception cref="ImageFormatException">The framing or the wire is damaged.</exception>
    internal static uint? CoreVarint(ReadOnlyMemory<byte> file, uint outer, string outerName, uint inner, string innerName)
    {
        List<(long Offset, ReadOnlyMemory<byte> Bytes)> entries = CriuImageEntries.Read(file, CoreMagic, "core image");
        if (entries.Count == 0)
        {
            return null;
        }

        var reader = new ProtobufReader(entries[0].Bytes.Span, entries[0].Offset);
        while (!reader.End)
        {
            (uint field, int wire) = reader.ReadKey();
            if (field != outer || wire != 2)
            {
                reader.Skip(wire, field);
                continue;
            }

            ProtobufReader message = reader.ReadMessage(outer, outerName);
            while (!message.End)
            {
                (uint innerField, int innerWire) = message.ReadKey();
                if (innerField == inner && innerWire == 0)
                {
                    return (uint)message.ReadVarint(inner, innerName);
                }

                message.Skip(innerWire, innerField);
            }
        }

        return null;
    }

    private static CriuTask Entry(ReadOnlySpan<byte> bytes, long offset)
    {
        var reader = new ProtobufReader(bytes, offset);
        uint? pid = null, ppid = null, pgid = null, sid = null;
        var threads = new List<uint>();
        while (!reader.End)
        {
            (uint field, int wire) = reader.ReadKey();
            switch (field, wire)
            {
                case (1, 0): pid = (uint)reader.ReadVarint(1, "pid"); break;
                case (2, 0): ppid = (uint)reader.ReadVarint(2, "ppid"); break;
                case (3, 0): pgid = (uint)reader.ReadVarint(3, "pgid"); break;
                case (4, 0): sid = (uint)reader.ReadVarint(4, "sid"); break;
                case (5, 0): threads.Add((uint)reader.ReadVarint(5, "threads")); break;
                case (5, 2):
                    ProtobufReader packed = reader.ReadMessage(5, "threads");
                    while (!packed.End)
                    {
                        threads.Add((uint)packed.ReadVarint(5, "threads"));
                    }

                    break;
                default: reader.Skip(wire, field); break;
            }
        }

        if (pid is null || ppid is null || pgid is null || sid is null)
        {
            throw new ImageFormatException(offset, "a pstree_entry lacks one of its required fields pid, ppid, pgid, sid: protobuf-c refuses it");
        }

        return new CriuTask(pid.Value, ppid.Value, pgid.Value, sid.Value, threads);
    }

    [GeneratedRegex(@"^core-([0-9]+)\.img$", RegexOptions.CultureInvariant)]
    private static partial Regex CoreName();
}
