using System.Globalization;

namespace CriuImage.Capture;

/// <summary>
/// What a process tree's freeze reads of <c>/proc</c>: a process's threads, its children, a task's state.
/// Children are read as CRIU's <c>parse_children</c> reads them (criu/proc_parse.c at 2cf8f13ca:
/// <c>/proc/PID/task/TID/children</c> of every thread); kernels built without CONFIG_PROC_CHILDREN have no such
/// file, and there they are the processes whose <c>/proc/PID/stat</c> names the parent (its fourth field, the
/// thread group of the real parent, which is also where a CLONE_PARENT child or a thread's child points).
/// </summary>
internal static class ProcFs
{
    /// <summary>The threads of <paramref name="pid"/>, ascending.</summary>
    /// <exception cref="CaptureException">The process does not exist (ESRCH).</exception>
    public static int[] Threads(int pid)
    {
        try
        {
            return [.. Numbers(Directory.EnumerateDirectories($"/proc/{Text(pid)}/task")).Order()];
        }
        catch (DirectoryNotFoundException)
        {
            throw new CaptureException($"no such process ({Errno.Describe(Syscalls.Esrch)})", Syscalls.Esrch);
        }
    }

    /// <summary>The children of <paramref name="pid"/> (the processes whose parent it is), ascending; none when it has ended.</summary>
    public static int[] Children(int pid)
    {
        var children = new SortedSet<int>();
        try
        {
            foreach (int tid in Numbers(Directory.EnumerateDirectories($"/proc/{Text(pid)}/task")))
            {
                string file = $"/proc/{Text(pid)}/task/{Text(tid)}/children";
                if (!File.Exists(file))
                {
                    return ChildrenByParent(pid);
                }

                foreach (string child in ReadOrEmpty(file).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    children.Add(int.Parse(child, NumberStyles.None, CultureInfo.InvariantCulture));
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }

        return [.. children];
    }

    /// <summary>
    /// True when task <paramref name="tid"/> of <paramref name="pid"/> has exited and waits to be reaped (Z) or is
    /// being torn down (X): ptrace refuses to seize it (EPERM), and it holds no descriptors any more.
    /// </summary>
    public static bool HasExited(int pid, int tid) => State(pid, tid) is 'Z' or 'X' or null;

    /// <summary>All processes of the system, ascending (those listed in <c>/proc</c>).</summary>
    public static IEnumerable<int> Processes() => Numbers(Directory.EnumerateDirectories("/proc"));

    /// <summary>The task's state letter (R, S, D, T, t, Z, X ...), or null when it is gone.</summary>
    private static char? State(int pid, int tid)
    {
        string stat = ReadOrEmpty($"/proc/{Text(pid)}/task/{Text(tid)}/stat");
        int close = stat.LastIndexOf(')');
        return close > 0 && close + 2 < stat.Length ? stat[close + 2] : null;
    }

    /// <summary>Children found by each process's parent field, for kernels without the children files.</summary>
    private static int[] ChildrenByParent(int pid)
    {
        var children = new List<int>();
        foreach (int process in Processes())
        {
            // "PID (COMM) STATE PPID ...": the name may hold spaces and parentheses, so fields count from the last ')'.
            string stat = ReadOrEmpty($"/proc/{Text(process)}/stat");
            int close = stat.LastIndexOf(')');
            string[] fields = close > 0 ? stat[(close + 1)..].Split(' ', 4, StringSplitOptions.RemoveEmptyEntries) : [];
            if (fields.Length > 1 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int parent) && parent == pid)
            {
                children.Add(process);
            }
        }

        return [.. children];
    }

    /// <summary>The file's text, or empty when the task it belongs to has gone (or it cannot be read).</summary>
    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static IEnumerable<int> Numbers(IEnumerable<string> folders) =>
        folders.Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 0).Where(n => n > 0);

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);
}
