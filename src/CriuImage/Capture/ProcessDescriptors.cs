using System.Globalization;
using CriuImage.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace CriuImage.Capture;

/// <summary>
/// A running process's render-node descriptors: found by the links of <c>/proc/PID/fd</c> that name
/// <c>/dev/dri/renderD*</c>, and taken into this process with <c>pidfd_open</c> and <c>pidfd_getfd</c>. Both
/// need ptrace rights over the process (<c>PTRACE_MODE_READ</c> to read the links, <c>PTRACE_MODE_ATTACH_REALCREDS</c>
/// for pidfd_getfd: kernel/pid.c, <c>__pidfd_fget</c>), which the process's own user has unless Yama's
/// ptrace_scope says otherwise, and CAP_SYS_PTRACE has everywhere.
/// </summary>
public static class ProcessDescriptors
{
    private const string RenderNodePrefix = "/dev/dri/renderD";

    /// <summary>What capture needs when the kernel says EPERM or EACCES, in one clause.</summary>
    internal const string RightsNeeded = "capture needs ptrace rights over the process: its own user's where kernel.yama.ptrace_scope is 0 (at 1, only its ancestors'), or CAP_SYS_PTRACE";

    /// <summary>The descriptors of <paramref name="pid"/> open on a DRM render node, with the node's path, by descriptor number.</summary>
    /// <exception cref="CaptureException">The process does not exist, or its descriptors cannot be read.</exception>
    public static IReadOnlyList<(int Fd, string Node)> RenderNodes(int pid)
    {
        string folder = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd";
        var found = new List<(int, string)>();
        try
        {
            foreach (string link in Directory.EnumerateFileSystemEntries(folder))
            {
                if (int.TryParse(Path.GetFileName(link), NumberStyles.None, CultureInfo.InvariantCulture, out int fd)
                    && Target(link) is { } node && node.StartsWith(RenderNodePrefix, StringComparison.Ordinal))
                {
                    found.Add((fd, node));
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            throw new CaptureException($"no such process ({Errno.Describe(Syscalls.Esrch)})", Syscalls.Esrch);
        }
        catch (UnauthorizedAccessException)
        {
            throw new CaptureException($"its descriptors cannot be listed (EACCES): {RightsNeeded}", Syscalls.Eperm);
        }

        found.Sort();
        return found;
    }

    /// <summary>The process's one render-node descriptor and its node; none or several is said with the numbers to pick from.</summary>
    /// <exception cref="CaptureException">The process has no render-node descriptor or several, does not exist, or its descriptors cannot be read.</exception>
    internal static (int Fd, string Node) OnlyRenderNode(int pid)
    {
        IReadOnlyList<(int Fd, string Node)> nodes = RenderNodes(pid);
        return nodes.Count switch
        {
            1 => nodes[0],
            0 => throw new CaptureException("the process has no descriptor open on /dev/dri/renderD*", Syscalls.Enoent, Remedy.NameDescriptor),
            _ => throw new CaptureException($"the process has {nodes.Count} render-node descriptors ({string.Join(", ", nodes.Select(n => $"{n.Fd}: {n.Node}"))})", Syscalls.Einval, Remedy.NameDescriptor),
        };
    }

    /// <summary>Where descriptor <paramref name="fd"/> of <paramref name="pid"/> points (a path, or a kernel name such as <c>pipe:[…]</c>); null when it is not open.</summary>
    public static string? Node(int pid, int fd) => Target($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd/{fd.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>The render node's minor (renderD128 is 128), or null when <paramref name="node"/> is not a render node's path.</summary>
    public static uint? RenderMinor(string? node) =>
        node is not null && node.StartsWith(RenderNodePrefix, StringComparison.Ordinal)
        && uint.TryParse(node.AsSpan(RenderNodePrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out uint minor) ? minor : null;

    /// <summary>A duplicate, in this process, of descriptor <paramref name="fd"/> of process <paramref name="pid"/> (pidfd_open, then pidfd_getfd).</summary>
    /// <exception cref="CaptureException">The process is gone, the descriptor is not open, or the rights are missing; the message says which and what is needed.</exception>
    public static SafeFileHandle Take(int pid, int fd)
    {
        int pidfd = Syscalls.PidfdOpen(pid, out int errno);
        if (pidfd < 0)
        {
            throw new CaptureException(errno switch
            {
                Syscalls.Esrch => $"no such process ({Errno.Describe(errno)})",
                Syscalls.Enosys => $"pidfd_open is missing ({Errno.Describe(errno)}): capture needs Linux 5.6 or later",
                _ => $"pidfd_open failed ({Errno.Describe(errno)})",
            }, errno);
        }

        try
        {
            int taken = Syscalls.PidfdGetfd(pidfd, fd, out errno);
            if (taken < 0)
            {
                throw new CaptureException(errno switch
                {
                    Syscalls.Eperm => $"pidfd_getfd of descriptor {fd} is not permitted ({Errno.Describe(errno)}): {RightsNeeded}",
                    Syscalls.Ebadf => $"descriptor {fd} is not open ({Errno.Describe(errno)})",
                    Syscalls.Esrch => $"the process exited ({Errno.Describe(errno)})",
                    Syscalls.Enosys => $"pidfd_getfd is missing ({Errno.Describe(errno)}): capture needs Linux 5.6 or later",
                    _ => $"pidfd_getfd of descriptor {fd} failed ({Errno.Describe(errno)})",
                }, errno);
            }

            return new SafeFileHandle(taken, ownsHandle: true);
        }
        finally
        {
            Syscalls.Close(pidfd);
        }
    }

    private static string? Target(string link)
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
}
