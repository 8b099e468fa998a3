using System.Diagnostics;
using System.Globalization;
using CriuImage.Diagnostics;

namespace CriuImage.Capture;

/// <summary>
/// Every thread of a process held still while capture reads its render node, as CRIU holds a process before
/// it dumps (compel's seize: PTRACE_SEIZE each thread of /proc/PID/task, PTRACE_INTERRUPT it, wait for the
/// stop, list the threads again until no new one appeared). Nothing of the process changes: a thread that was
/// stopped for a signal gets the signal back when it is let go, one in a group stop stays in it.
/// <para>
/// ptrace binds a tracee to the thread that seized it: create, read and dispose on one thread, with no await
/// in between. Dispose lets every thread go; if the capturing process ends first (any signal, SIGKILL
/// included), the kernel lets them go (kernel/ptrace.c, exit_ptrace). Other processes that share the
/// render-node file (a fork that inherited it) are not held.
/// </para>
/// </summary>
internal sealed class ProcessFreeze : IDisposable
{
    /// <summary>How long one thread may take to stop (a thread in an uninterruptible wait stops only when it leaves it).</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Rounds of "new threads appeared while the others were being stopped" before giving up.</summary>
    private const int MaxRounds = 16;

    private readonly List<(int Tid, int Signal)> _held = [];
    private readonly int _pid;

    private ProcessFreeze(int pid)
    {
        _pid = pid;
    }

    /// <summary>Threads held.</summary>
    public int Threads => _held.Count;

    /// <summary>Stops every thread of <paramref name="pid"/>; the result lets them go when disposed.</summary>
    /// <exception cref="CaptureException">A thread could not be seized (the message says why: rights, another tracer) or did not stop in time; none stays held.</exception>
    public static ProcessFreeze Hold(int pid)
    {
        var freeze = new ProcessFreeze(pid);
        try
        {
            freeze.HoldAll();
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

    private void HoldAll()
    {
        var seen = new HashSet<int>();
        for (int round = 0; round < MaxRounds; round++)
        {
            int[] fresh = [.. Tasks().Where(seen.Add)];
            if (fresh.Length == 0)
            {
                return;
            }

            foreach (int tid in fresh)
            {
                HoldOne(tid);
            }
        }

        throw new CaptureException($"the process kept creating threads while they were being stopped ({MaxRounds} rounds)", Syscalls.Eagain);
    }

    private void HoldOne(int tid)
    {
        int errno = Ptrace.Attach(tid);
        if (errno == Syscalls.Esrch)
        {
            return; // the thread ended before it could be seized
        }

        if (errno != 0)
        {
            throw new CaptureException(SeizeRefused(tid, errno), errno, Remedy.NoFreeze);
        }

        // Held from here on: Dispose detaches it even if it never reports the stop.
        _held.Add((tid, 0));
        errno = Ptrace.Stop(tid);
        if (errno != 0 && errno != Syscalls.Esrch)
        {
            throw new CaptureException($"PTRACE_INTERRUPT of thread {tid} failed ({Errno.Describe(errno)})", errno);
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
                throw new CaptureException($"thread {tid} did not stop within {StopTimeout.TotalSeconds} s (an uninterruptible wait?)", Syscalls.Eagain, Remedy.NoFreeze);
            }

            Thread.Sleep(1);
        }
    }

    /// <summary>Why PTRACE_SEIZE was refused: another tracer (named by /proc/TID/status), or the rights.</summary>
    private string SeizeRefused(int tid, int errno)
    {
        string? tracer = null;
        try
        {
            tracer = File.ReadLines($"/proc/{_pid.ToString(CultureInfo.InvariantCulture)}/task/{tid.ToString(CultureInfo.InvariantCulture)}/status")
                .FirstOrDefault(l => l.StartsWith("TracerPid:", StringComparison.Ordinal))?["TracerPid:".Length..].Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable status: say what the errno says.
        }

        string what = $"PTRACE_SEIZE of thread {tid} to hold the process still while its render node is read is not permitted ({Errno.Describe(errno)})";
        return tracer is not null and not "0"
            ? $"{what}: process {tracer} traces it already (a debugger, or CRIU dumping it)"
            : $"{what}: {ProcessDescriptors.RightsNeeded}";
    }

    private int[] Tasks()
    {
        try
        {
            return [.. Directory.EnumerateDirectories($"/proc/{_pid.ToString(CultureInfo.InvariantCulture)}/task")
                .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out int tid) ? tid : 0)
                .Where(tid => tid > 0)
                .Order()];
        }
        catch (DirectoryNotFoundException)
        {
            throw new CaptureException($"no such process ({Errno.Describe(Syscalls.Esrch)})", Syscalls.Esrch);
        }
    }
}
