using System.Globalization;
using CriuImage.Criu;
using CriuImage.Diagnostics;

namespace CriuImage.Restore;

/// <summary>
/// What the orders a dump's tasks can restore their files in give, where an import crosses tasks (CRI358). CRIU's
/// core forks every task before any opens a file (criu/cr-restore.c:1657, :1690 at 2cf8f13) and each runs its own
/// <c>open_fdinfos</c> at the same time (criu/files.c:1203-1244), so any task may look at its files before or after
/// another stores its exports: a task whose pass finds no export sleeps in <c>wait_fds_event</c> (:1238-1243) until
/// another task sends it a descriptor of a file both hold (<c>send_fd_to_peer</c>, :1031-1043), and nothing the plugin
/// does wakes it (<c>store_dmabuf_fd</c>, plugins/amdgpu/amdgpu_plugin.c:1078-1099). A render node stores each
/// BO it makes in the pass that makes it, whether or not one of its imports is still missing
/// (amdgpu_plugin_drm.c:465-508), so a task's exports wait for nothing but its own look. The replay takes each order
/// as the tasks one after another, each to its end or its sleep, a task asleep looking again as soon as a descriptor is
/// sent to it (<see cref="RestoreReplay.RunInOrder"/>), the same the restore oracle's driver runs CRIU's plugin in
/// (tests/restore-oracle/harness/driver.c, run_tasks_in_order).
/// </summary>
/// <param name="Difference">The CRI358 finding when some order ends otherwise than CRIU's task order; null when none does.</param>
/// <param name="Why">What the orders give, as plan says it; empty when no other order was replayed.</param>
internal sealed record TaskOrders(RestoreEnding? Difference, string Why)
{
    /// <summary>Most tasks whose every order is replayed: 5! = 120 replays; past it, only CRIU's order and its reverse.</summary>
    public const int MaxTasks = 5;

    /// <summary>
    /// Most BOs (render-node and KFD) replayed over all the orders (about 2 µs of CPU each, measured on a 50,000-BO chain: 8 s
    /// at most); past it, only CRIU's order and its reverse, whatever the number of tasks.
    /// </summary>
    public const long MaxReplayedBos = 4_000_000;

    private const string Cause = "criu/cr-restore.c:1657,1690@2cf8f13, criu/files.c:1031-1043,1090-1112,1203-1244@2cf8f13, plugins/amdgpu/amdgpu_plugin.c:1078-1112@2cf8f13, plugins/amdgpu/amdgpu_plugin_drm.c:465-508@2cf8f13";

    /// <summary>No other order replayed.</summary>
    public static readonly TaskOrders None = new(null, "");

    /// <summary>
    /// Replays the other orders of <paramref name="tasks"/> (the tasks that open amdgpu files, pids in CRIU's order)
    /// with <paramref name="replay"/> and compares each ending with <paramref name="criuOrder"/>, the ending of CRIU's
    /// task order. Only the tasks an import across tasks links (<paramref name="imports"/>) are permuted: the others
    /// depend on no other task and none on them, so they restore first, as in any order. <paramref name="bos"/>: the
    /// dump's BOs, render-node and KFD, each replayed once an order (<see cref="MaxReplayedBos"/>).
    /// </summary>
    public static TaskOrders Replay(IReadOnlyList<uint> tasks, IReadOnlyList<(string Importer, TaskFd By, uint Handle, string Exporter, TaskFd From)> imports, RestoreEnding criuOrder, long bos, Func<IReadOnlyList<uint>, RestoreEnding> replay)
    {
        if (tasks.Count < 2 || criuOrder.How is not (RestoreEndKind.Restored or RestoreEndKind.Differs))
        {
            return None;
        }

        if (imports.Count == 0)
        {
            return new(null, $"{tasks.Count} tasks open amdgpu files ({Pids(tasks)}); no file of one imports another's export, so the order they restore in changes nothing");
        }

        List<uint> linked = [.. tasks.Where(t => imports.Any(i => i.By.Pid == t || i.From.Pid == t))];
        List<uint> first = [.. tasks.Except(linked)];
        bool every = linked.Count <= MaxTasks && Factorial(linked.Count) * Math.Max(bos, 1) <= MaxReplayedBos;
        List<List<uint>> orders = every ? Permutations(linked) : [linked, [.. Enumerable.Reverse(linked)]];
        var differing = new List<(List<uint> Order, RestoreEnding End)>();
        int agreeing = 0;
        foreach (List<uint> order in orders)
        {
            if (order.SequenceEqual(linked))
            {
                agreeing++;
                continue;
            }

            RestoreEnding end = replay([.. first, .. order]);
            if (end.How == criuOrder.How && end.Code == criuOrder.Code)
            {
                agreeing++;
            }
            else
            {
                differing.Add((order, end));
            }
        }

        string which = every
            ? $"all {orders.Count} orders of tasks {Pids(linked)}"
            : linked.Count > MaxTasks
            ? $"2 of the {Factorial(linked.Count)} orders of tasks {Pids(linked)} (CRIU's and its reverse; every order is replayed up to {MaxTasks} tasks)"
            : $"2 of the {Factorial(linked.Count)} orders of tasks {Pids(linked)} (CRIU's and its reverse; every order is replayed up to {MaxReplayedBos} BOs in all, and the dump has {bos})";
        string imported = string.Join("; ", imports.Select(i => $"{i.Importer} ({i.By}) imports handle {i.Handle}, which {i.Exporter} ({i.From}) exports"));
        if (differing.Count == 0)
        {
            return new(null, $"{which} replayed, as their imports across tasks link them ({imported}): every one {Verb(criuOrder.How, 1)} as CRIU's task order does");
        }

        string endings = string.Join("; ", differing.GroupBy(d => (d.End.How, d.End.Code, d.End.File)).Select(g =>
            $"{g.Count()} {Verb(g.Key.How, g.Count())} at {g.Key.File}{(g.Key.Code is { } code ? $" ({code.Id})" : "")}, e.g. {Pids(g.First().Order)}"));
        string said = $"{which} replayed: {agreeing} {(agreeing == 1 ? "ends" : "end")} as CRIU's task order does ({Verb(criuOrder.How, 1)}); {endings}";
        var difference = new RestoreEnding(
            RestoreEndKind.Differs,
            Descriptors.TaskOrderEndsOtherwise,
            Cause,
            $"{said}: the tasks restore their files at the same time, so timing decides which order CRIU takes; {imported}; a task whose pass finds an export not stored yet sleeps in wait_fds_event() until another task sends it a descriptor of a file both hold (store_dmabuf_fd wakes no task)")
        { File = differing[0].End.File };
        return new(difference, $"{said} ({Descriptors.TaskOrderEndsOtherwise.Id})");
    }

    /// <summary>What <paramref name="count"/> orders do that end <paramref name="how"/>.</summary>
    private static string Verb(RestoreEndKind how, int count)
    {
        (string one, string many) = how switch
        {
            RestoreEndKind.Restored => ("restores", "restore"),
            RestoreEndKind.NeverEnds => ("never ends", "never end"),
            RestoreEndKind.Fails => ("fails", "fail"),
            RestoreEndKind.Crashes => ("crashes", "crash"),
            RestoreEndKind.FailsLate => ("fails late", "fail late"),
            RestoreEndKind.Differs => ("comes back different", "come back different"),
            _ => ($"ends {how.Name()}", $"end {how.Name()}"),
        };
        return count == 1 ? one : many;
    }

    private static string Pids(IEnumerable<uint> pids) => string.Join(", ", pids.Select(p => p.ToString(CultureInfo.InvariantCulture)));

    private static long Factorial(int n) => n <= 1 ? 1 : n * Factorial(n - 1);

    /// <summary>Every order of <paramref name="items"/>, in lexicographic order of their places (the first is <paramref name="items"/> itself).</summary>
    private static List<List<uint>> Permutations(List<uint> items)
    {
        if (items.Count <= 1)
        {
            return [[.. items]];
        }

        var all = new List<List<uint>>();
        for (int i = 0; i < items.Count; i++)
        {
            List<uint> rest = [.. items.Take(i), .. items.Skip(i + 1)];
            foreach (List<uint> tail in Permutations(rest))
            {
                all.Add([items[i], .. tail]);
            }
        }

        return all;
    }
}
