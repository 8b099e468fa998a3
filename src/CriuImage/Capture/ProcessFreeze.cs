using System.Diagnostics;
using System.Globalization;
using CriuImage.Diagnostics;

namespace CriuImage.Capture;

/// <summary>
/// The process tree rooted at a process held still while capture reads its render node, as CRIU holds the
/// tree before it dumps it (criu/seize.c at 2cf8f13ca, <c>collect_pstree</c>: compel's seize of every thread
/// of the root, PTRACE_INTERRUPT, wait for the stop, the threads listed again until no new one appeared, then
/// the same for each child, depth first, and the children listed again until no new one appeared). A stopped
/// thread can create neither a thread nor a child, so the tree is complete when a listing finds nothing new.
/// A render-node file is shared by every process that inherited it; the tree is what CRIU's dump of that
/// process stops and dumps together. Nothing of the processes changes: a thread that was stopped for a signal
/// gets the signal back when it is let go, one in a group stop stays in it.
/// <para>
/// ptrace binds a tracee to the thread that seized it: create, read and dispose on one thread, with no await
/// in between. Dispose lets every thread go; if the capturing process ends first (any signal, SIGKILL
/// included), the kernel lets them go (kernel/ptrace.c, exit_ptrace). Processes outside the tree that hold
/// the same file are not stopped (CRIU does not stop them either): <see cref="FileSharers"/> finds them.
/// </para>
/// </summary>
internal sealed class ProcessFreeze : IDisposable
{
    /// <summary>How long one thread may take to stop (a thread in an uninterruptible wait stops only when it leaves it).</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Listings of one process's threads, or of its children, that found new ones, before giving up.</summary>
    private const int MaxRounds = 16;

    private readonly List<(int Tid, int Signal)> _held = [];
    private readonly List<int> _processes = [];
    private readonly int _root;

    private ProcessFreeze(int root)
    {
        _root = root;
    }

    /// <summary>Threads held, in every process of the tree.</summary>
    public int Threads => _held.Count;

    /// <summary>The processes held: the root first, then its descendants depth first.</summary>
    public IReadOnlyList<int> Processes => _processes;

    /// <summary>Stops every thread of <paramref name="pid"/> and of its descendants; the result lets them go when disposed.</summary>
    /// <exception cref="CaptureException">A thread could not be seized (the message says why: rights, another tracer) or did not stop in time, or threads or children kept appearing; none stays held.</exception>
    public static ProcessFreeze Hold(int pid)
    {
        var freeze = new ProcessFreeze(pid);
        try
        {
            freeze.HoldProcess(pid);
            return freeze;
        }
        catch
        {
            freeze.Dispose();
            throw;
        }
    }

    /// <summary>Lets every held thread go, each with the signal it had stopped for.</summary>
    public void Dispose()
    {
        foreach ((int tid, int signal) in _held)
        {
            // ESRCH: the thread was killed meanwhile (SIGKILL from elsewhere). A traced thread that died waits
            // for its tracer as a zombie: reap it rather than leave it to this process's exit.
            if (Ptrace.Detach(tid, signal) == Syscalls.Esrch)
            {
                Ptrace.Poll(tid, out _, out _);
            }
        }

        _held.Clear();
    }

    /// <summary>The process's threads until no new one appears, then each new child's tree until no new child appears (CRIU's collect_task).</summary>
    private void HoldProcess(int pid)
    {
        _processes.Add(pid);
        UntilNoneNew(() => ProcFs.Threads(pid), tid => HoldOne(pid, tid), $"process {pid} kept creating threads");
        // Never this process: a capture started from inside the tree (of its shell, say) cannot stop itself.
        UntilNoneNew(() => [.. ProcFs.Children(pid).Where(c => c != Environment.ProcessId)], HoldProcess, $"process {pid} kept creating child processes");
    }

    /// <summary>Holds what <paramref name="list"/> gives that was not seen before, and lists again, until a listing gives nothing new.</summary>
    private static void UntilNoneNew(Func<int[]> list, Action<int> hold, string kept)
    {
        var seen = new HashSet<int>();
        for (int round = 0; round < MaxRounds; round++)
        {
            int[] fresh = [.. list().Where(seen.Add)];
            if (fresh.Length == 0)
            {
                return;
            }

            foreach (int id in fresh)
            {
                hold(id);
            }
        }

        throw new CaptureException($"{kept} while they were being stopped ({MaxRounds} rounds)", Syscalls.Eagain);
    }

    private void HoldOne(int pid, int tid)
    {
        int errno = Ptrace.Attach(tid);
        if (errno == Syscalls.Esrch || (errno == Syscalls.Eperm && ProcFs.HasExited(pid, tid)))
        {
            return; // the thread ended before it could be seized, or is a zombie (it holds no file any more)
        }

        if (errno != 0)
        {
            throw new CaptureException(SeizeRefused(pid, tid, errno), errno, Remedy.NoFreeze);
        }

        // Held from here on: Dispose detaches it even if it never reports the stop.
        _held.Add((tid, 0));
        errno = Ptrace.Stop(tid);
        if (errno != 0 && errno != Syscalls.Esrch)
        {
            throw new CaptureException($"PTRACE_INTERRUPT of thread {tid}{OfProcess(pid)} failed ({Errno.Describe(errno)})", errno);
        }

        var clock = Stopwatch.StartNew();
        while (true)
        {
            errno = Ptrace.Poll(tid, out WaitResult result, out int signal);
            if (errno != 0 || result == WaitResult.Gone)
            {
                _held.RemoveAt(_held.Count - 1);
                return; // ECHILD or an exit: the thread ended while it was being stopped
            }

            if (result == WaitResult.Stopped)
            {
                _held[^1] = (tid, signal);
                return;
            }

            if (clock.Elapsed > StopTimeout)
            {
                throw new CaptureException($"thread {tid}{OfProcess(pid)} did not stop within {StopTimeout.TotalSeconds} s (an uninterruptible wait?)", Syscalls.Eagain, Remedy.NoFreeze);
            }

            Thread.Sleep(1);
        }
    }

    /// <summary>Names a descendant's thread by its process too; the root's threads are the process's own.</summary>
    private string OfProcess(int pid) => pid == _root ? "" : $" of process {pid} (a descendant of {_root})";

    /// <summary>Why PTRACE_SEIZE was refused: another tracer (named by /proc/PID/task/TID/status), or the rights.</summary>
    private string SeizeRefused(int pid, int tid, int errno)
    {
        string? tracer = null;
        try
        {
            tracer = File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/task/{tid.ToString(CultureInfo.InvariantCulture)}/status")
                .FirstOrDefault(l => l.StartsWith("TracerPid:", StringComparison.Ordinal))?["TracerPid:".Length..].Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable status: say what the errno says.
        }

        string what = $"PTRACE_SEIZE of thread {tid}{OfProcess(pid)} to hold the process still while its render node is read is not permitted ({Errno.Describe(errno)})";
        return tracer is not null and not "0"
            ? $"{what}: process {tracer} traces it already (a debugger, or CRIU dumping it)"
            : $"{what}: {ProcessDescriptors.RightsNeeded}";
    }
}
