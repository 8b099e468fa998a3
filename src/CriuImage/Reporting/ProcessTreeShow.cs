using System.Globalization;
using System.Text.Json;
using CriuImage.Criu;

namespace CriuImage.Reporting;

/// <summary>
/// <c>show</c>'s process tree of a CRIU dump (<c>pstree.img</c>, with each task's state from its <c>core-PID.img</c>):
/// every task with its parent, threads and children, in CRIU's order, and the amdgpu files it holds. A KFD image
/// names its task (<c>criu_kfd.pid</c>); the other files do not, so they are said to be the task's only when the
/// dump has one task. Nothing is written for a dump without <c>pstree.img</c>.
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
            List<string> files = Holds(dump, tree, task);
            text.Write(string.Create(c, $"  task {task.Pid}{(task.Ppid == 0 ? " (root)" : $", parent {task.Ppid}")}, {(task.State is null ? "state unknown" : State(task))}, threads {string.Join(' ', task.Threads)}"));
            text.Write(children.Count == 0 ? ", no children" : $", children {string.Join(' ', children)}");
            text.Write(files.Count == 0 ? "\n" : $", holds {Printable.Escape(string.Join(", ", files))}\n");
        }

        if (tree.Tasks.Count > 1 && Unassigned(dump).Any())
        {
            text.Write("  (render-node and dma-buf files do not record their task)\n");
        }
    }

    /// <summary>Writes <c>"process_tree": {"tasks": [{"pid", "ppid", "state", "threads", "children", "holds"}]}</c>, or the damage as <c>{"error"}</c>; nothing without pstree.img.</summary>
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
            foreach (string file in Holds(dump, tree, task))
            {
                json.WriteStringValue(file);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static List<uint> Children(CriuProcessTree tree, CriuTask task) =>
        [.. tree.Tasks.Where(t => t.Ppid == task.Pid && t.Pid != task.Pid).Select(t => t.Pid)];

    /// <summary>The amdgpu files of <paramref name="task"/>: its KFD images, and every other file when it is the dump's only task.</summary>
    private static List<string> Holds(CriuDump dump, CriuProcessTree tree, CriuTask task) =>
        [.. dump.OfKind(CriuFileKind.KfdImage).Where(f => f.Kfd?.Message.Pid == task.Pid)
            .Concat(tree.Tasks.Count == 1 ? Unassigned(dump) : [])
            .Select(f => Path.GetFileName(f.Input.Path))];

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
