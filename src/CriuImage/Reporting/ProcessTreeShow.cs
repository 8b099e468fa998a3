using System.Globalization;
using System.Text.Json;
using CriuImage.Criu;

namespace CriuImage.Reporting;

/// <summary>
/// <c>show</c>'s process tree of a CRIU dump (<c>pstree.img</c>, with each task's state from its <c>core-PID.img</c>):
/// every task with its parent, threads and children, in CRIU's order, and the amdgpu files it holds. With CRIU's
/// fdinfo images (<see cref="TaskFiles"/>) each file is given with its descriptor and, when another task opens it
/// on restore, that task; a task sharing its parent's files table says so. Without them a KFD image names its task
/// (<c>criu_kfd.pid</c>) and the other files are said to be the task's only when the dump has one task. Nothing is
/// written for a dump without <c>pstree.img</c>.
/// </summary>
internal static class ProcessTreeShow
{
    /// <summary>Writes the tree as text lines under the dump's heading.</summary>
    public static void WriteText(CriuDump dump, TextWriter text)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        if (dump.ProcessTreeDamage is { } damage)
        {
            text.Write(string.Create(c, $"process tree: pstree.img unreadable: {Printable.Escape(damage.Message)}\n"));
            return;
        }

        if (dump.ProcessTree is not { } tree)
        {
            return;
        }

        text.Write(string.Create(c, $"process tree (pstree.img): {tree.Tasks.Count} task{(tree.Tasks.Count == 1 ? "" : "s")}\n"));
        foreach (CriuTask task in tree.InCriuOrder())
        {
            List<uint> children = Children(tree, task);
            List<string> files = Holds(dump, tree, task, withFd: true);
            text.Write(string.Create(c, $"  task {task.Pid}{(task.Ppid == 0 ? " (root)" : $", parent {task.Ppid}")}, {(task.State is null ? "state unknown" : State(task))}, threads {string.Join(' ', task.Threads)}"));
            text.Write(children.Count == 0 ? ", no children" : $", children {string.Join(' ', children)}");
            if (dump.TaskFiles?.TableOwner(task.Pid) is { } owner && owner != task.Pid)
            {
                text.Write(string.Create(c, $", shares task {owner}'s files table"));
            }

            text.Write(files.Count == 0 ? "\n" : $", holds {Printable.Escape(string.Join(", ", files))}\n");
        }

        if (dump.TaskFiles?.Unknown is { } unknown)
        {
            text.Write($"  (which task holds which amdgpu file is not known: {Printable.Escape(unknown)})\n");
        }
        else if (dump.TaskFiles is null && tree.Tasks.Count > 1 && Unassigned(dump).Any())
        {
            text.Write("  (render-node and dma-buf files do not record their task)\n");
        }

        if (dump.ProcessFailure is { } failure)
        {
            text.Write($"  (CRIU's restore stops on the process images, {failure.Code.Id}: {Printable.Escape(failure.Message)})\n");
        }
    }

    /// <summary>Writes <c>"process_tree": {"tasks": [{"pid", "ppid", "state", "threads", "children", "holds"}], "restore_stops": {"code", "message"}}</c>, or the damage as <c>{"error"}</c>; nothing without pstree.img.</summary>
    public static void WriteJson(CriuDump dump, Utf8JsonWriter json)
    {
        if (dump.ProcessTreeDamage is { } damage)
        {
            json.WriteStartObject("process_tree");
            json.WriteString("error", damage.Message);
            json.WriteEndObject();
            return;
        }

        if (dump.ProcessTree is not { } tree)
        {
            return;
        }

        json.WriteStartObject("process_tree");
        json.WriteStartArray("tasks");
        foreach (CriuTask task in tree.InCriuOrder())
        {
            json.WriteStartObject();
            json.WriteNumber("pid", task.Pid);
            json.WriteNumber("ppid", task.Ppid);
            json.WriteString("state", State(task));
            Numbers(json, "threads", task.Threads);
            Numbers(json, "children", Children(tree, task));
            json.WriteStartArray("holds");
            foreach (string file in Holds(dump, tree, task, withFd: false))
            {
                json.WriteStringValue(file);
            }

            json.WriteEndArray();
            if (dump.TaskFiles is { } held)
            {
                uint owner = held.TableOwner(task.Pid);
                if (owner != task.Pid)
                {
                    json.WriteNumber("files_table_of", owner);
                }

                json.WriteStartArray("fds");
                foreach ((CriuDumpFile file, TaskFd fd) in Descriptors(dump, held, owner))
                {
                    json.WriteStartObject();
                    json.WriteString("file", file.FileName);
                    json.WriteNumber("fd", fd.Fd);
                    json.WriteNumber("opened_by", held.Opener(file.Name.Id)!.Value.Pid);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (dump.TaskFiles?.Unknown is { } unknown)
        {
            json.WriteString("files_unknown", unknown);
        }

        if (dump.ProcessFailure is { } failure)
        {
            json.WriteStartObject("restore_stops");
            json.WriteString("code", failure.Code.Id);
            json.WriteString("message", failure.Message);
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private static List<uint> Children(CriuProcessTree tree, CriuTask task) =>
        [.. tree.Tasks.Where(t => t.Ppid == task.Pid && t.Pid != task.Pid).Select(t => t.Pid)];

    /// <summary>
    /// The amdgpu files of <paramref name="task"/>: with fdinfo images those of its files table by descriptor, each
    /// with its fd (and the task that opens it, when another); else its KFD images, and every other file when it is
    /// the dump's only task. <paramref name="withFd"/>: each with its descriptor, as text shows it.
    /// </summary>
    private static List<string> Holds(CriuDump dump, CriuProcessTree tree, CriuTask task, bool withFd)
    {
        if (dump.TaskFiles is { } held)
        {
            return [.. Descriptors(dump, held, held.TableOwner(task.Pid)).Select(d => !withFd ? d.File.FileName : string.Create(
                CultureInfo.InvariantCulture,
                $"{d.File.FileName} (fd {d.Fd.Fd}{(held.Opener(d.File.Name.Id)!.Value.Pid is var by && by != d.Fd.Pid ? $", opened by task {by}" : "")})"))];
        }

        return [.. dump.OfKind(CriuFileKind.KfdImage).Where(f => f.Kfd?.Message.Pid == task.Pid)
            .Concat(tree.Tasks.Count == 1 ? Unassigned(dump) : [])
            .Select(f => f.FileName)];
    }

    /// <summary>The amdgpu files the files table of task <paramref name="owner"/> holds, by ascending descriptor.</summary>
    private static IEnumerable<(CriuDumpFile File, TaskFd Fd)> Descriptors(CriuDump dump, TaskFiles held, uint owner) =>
        Unassigned(dump).Concat(dump.OfKind(CriuFileKind.KfdImage))
            .SelectMany(f => held.Holders(f.Name.Id).Where(h => h.Pid == owner).Select(h => (File: f, Fd: h)))
            .OrderBy(d => d.Fd.Fd);

    private static IEnumerable<CriuDumpFile> Unassigned(CriuDump dump) =>
        dump.Files.Where(f => f.Name.Kind is CriuFileKind.RenderNode or CriuFileKind.DmaBuf);

    /// <summary>compel's task states (task-state.h) as <c>task_alive</c> reads them; unknown without its core image.</summary>
    private static string State(CriuTask task) => task.State switch
    {
        null => "unknown",
        1 => "alive",
        2 => "dead",
        3 => "stopped",
        6 => "zombie",
        { } other => string.Create(CultureInfo.InvariantCulture, $"state {other}"),
    };

    private static void Numbers(Utf8JsonWriter json, string name, IEnumerable<uint> values)
    {
        json.WriteStartArray(name);
        foreach (uint value in values)
        {
            json.WriteNumberValue(value);
        }

        json.WriteEndArray();
    }
}
