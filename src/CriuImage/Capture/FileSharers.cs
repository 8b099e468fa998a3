using System.Globalization;

namespace CriuImage.Capture;

/// <summary>
/// The processes outside a held tree that hold the same open render-node file (the same open file description,
/// hence the same DRM file and GEM handle table) as a descriptor of this process. A fork that inherited the
/// file and then left the tree (its parent died and it was reparented), or a process that was sent the
/// descriptor over a socket, can create and close BOs while capture reads: CRIU's dump neither stops nor
/// detects such a process (criu/seize.c stops the tree only; criu/files.c dumps a descriptor by what it
/// points at, with no search for other holders), so capture says it as a warning rather than refusing what
/// CRIU dumps. Found by the links of <c>/proc/PID/fd</c> that name the same node, confirmed with
/// <c>kcmp(KCMP_FILE)</c> (two opens of the node are two DRM files that share nothing). Processes whose
/// descriptors this user may not read (another user's, without CAP_SYS_PTRACE) are not seen.
/// </summary>
internal static class FileSharers
{
    /// <summary>A process outside the tree that holds the file, by one of its descriptors.</summary>
    public readonly record struct Sharer(int Pid, int Fd, string Name);

    /// <summary>The processes other than this one and those in <paramref name="tree"/> that hold the file open as <paramref name="ownFd"/> here, ascending.</summary>
    public static IReadOnlyList<Sharer> Outside(int ownFd, IReadOnlyCollection<int> tree)
    {
        int self = Environment.ProcessId;
        string? node = LinkTarget($"/proc/self/fd/{Text(ownFd)}");
        var found = new List<Sharer>();
        if (node is null)
        {
            return found;
        }

        foreach (int pid in ProcFs.Processes().Where(p => p != self && !tree.Contains(p)))
        {
            if (HoldsAs(pid, node, ownFd) is { } fd)
            {
                found.Add(new Sharer(pid, fd, Name(pid)));
            }
        }

        return found;
    }

    /// <summary>One line that names the sharers and what they may do to the capture.</summary>
    public static string Describe(IReadOnlyList<Sharer> sharers, int root)
    {
        string who = string.Join(", ", sharers.Select(s => $"process {s.Pid} ({s.Name}) fd {s.Fd}"));
        return $"the render-node file is also open in {who}, outside the process tree of {root}, which was not stopped: "
            + "BOs created or closed there while capture read may be missing or half-read (CRIU's dump of the tree does not stop it either)";
    }

    /// <summary>The descriptor of <paramref name="pid"/> that is the same open file as <paramref name="ownFd"/>, or null.</summary>
    private static int? HoldsAs(int pid, string node, int ownFd)
    {
        try
        {
            foreach (string link in Directory.EnumerateFileSystemEntries($"/proc/{Text(pid)}/fd"))
            {
                if (int.TryParse(Path.GetFileName(link), NumberStyles.None, CultureInfo.InvariantCulture, out int fd)
                    && LinkTarget(link) == node && Syscalls.SameFile(pid, fd, ownFd))
                {
                    return fd;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone meanwhile, or another user's: not seen.
        }

        return null;
    }

    private static string Name(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{Text(pid)}/comm").TrimEnd('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }

    private static string? LinkTarget(string link)
    {
        try
        {
            return new FileInfo(link).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);
}
