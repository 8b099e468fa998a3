using System.Globalization;
using CriuImage.Diagnostics;
using CriuImage.Input;

namespace CriuImage.Criu;

/// <summary>
/// The cores of a live task's threads, as CRIU's restore reads them once the task's files are restored
/// (restore_one_alive_task: prepare_fds, then open_cores, criu/cr-restore.c:643, :658 at 2cf8f13; the same at v4.2):
/// pstree.img lists each task's threads, the leader first (read_one_pstree_item, criu/pstree.c:612-634), and every
/// other thread has its own <c>core-TID.img</c>. A thread core CRIU cannot take ends the task's restore there: after
/// the plugin has restored that task's amdgpu files, before the resume hook (CRI354).
/// </summary>
internal sealed class ThreadCores(Func<string, InputFile?> find)
{
    private const string Dev = "@2cf8f13";

    /// <summary>
    /// The first thread core, in CRIU's task order, that ends the restore; said of the last amdgpu file the task
    /// opens (<paramref name="lastFile"/>), null when every thread core is usable.
    /// </summary>
    public ProcessImageFailure? FirstUnusable(IEnumerable<CriuTask> alive, Func<uint, string?> lastFile)
    {
        ArgumentNullException.ThrowIfNull(alive);
        ArgumentNullException.ThrowIfNull(lastFile);
        foreach (CriuTask task in alive)
        {
            foreach (uint tid in task.Threads)
            {
                if (Why(task.Pid, tid) is ({ } why, { } cause))
                {
                    string name = string.Create(CultureInfo.InvariantCulture, $"core-{tid}.img");
                    string message = string.Create(CultureInfo.InvariantCulture, $"{name} (thread {tid} of task {task.Pid}) {why}; the task's restore fails after its files are restored (the plugin has restored its amdgpu files), before the resume hook");
                    return new ProcessImageFailure(Descriptors.ThreadCoreUnusable, ProcessImageStage.AfterFiles, message, $"{cause}{Dev}") { File = lastFile(task.Pid) };
                }
            }
        }

        return null;
    }

    /// <summary>Why the thread's core stops the task, with CRIU's line; nulls when CRIU takes it.</summary>
    private (string? Why, string? Cause) Why(uint pid, uint tid)
    {
        string name = string.Create(CultureInfo.InvariantCulture, $"core-{tid}.img");
        CoreFacts? facts;
        try
        {
            facts = find(name) is { Content: { } content } ? CriuTaskImages.ReadCore(content) : null;
        }
        catch (ImageFormatException e)
        {
            return ($"{e.Message}: open_core cannot read it ('Can't open core data')", "criu/cr-restore.c:503-518,534");
        }

        if (facts is not { } core)
        {
            return ("is missing or holds no entry: open_cores cannot read it ('Can't open core data')", "criu/cr-restore.c:503-518,534");
        }

        // The leader's core was checked when the task was forked (its thread_core too, fork_with_pid reads its
        // cgroup set there: CRI351); a thread's is first read here.
        if (tid != pid && !core.HasThreadCore)
        {
            return ("has no thread_core_entry: open_cores reads its seccomp mode through a NULL pointer and the task's process dies on SIGSEGV", "criu/cr-restore.c:549-553");
        }

        if (tid != pid && (core.HasTc || core.HasIds))
        {
            return ($"holds a task's {(core.HasTc ? "task_core_entry" : "ids")}, which a thread's core must not: sigreturn_restore refuses it ('Thread has optional fields present')", "criu/cr-restore.c:3397-3405");
        }

        if (tid != pid && !core.HasThreadInfo)
        {
            return ("has no registers of its architecture (thread_info on x86-64): sigreturn_restore reads them through a NULL pointer and the task's process dies on SIGSEGV", "criu/cr-restore.c:3408");
        }

        return (null, null);
    }
}
