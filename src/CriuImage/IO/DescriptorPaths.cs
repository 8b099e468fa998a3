namespace CriuImage.IO;

/// <summary>Paths that name a descriptor this process already has open (<c>/dev/stdin</c>, <c>/dev/fd/N</c>, <c>/proc/self/fd/N</c>), in every spelling.</summary>
internal static class DescriptorPaths
{
    /// <summary>
    /// The full path after following symbolic links in the last component, and the descriptor when one of
    /// them is /proc/self/fd/N (<c>/dev/stdout</c>, <c>/dev/fd/N</c>): such a path names a file this process
    /// already has open, not a place for a new one, and reopening it would lose its offset and append mode,
    /// so an output is written through that descriptor.
    /// </summary>
    public static (string Target, int? Descriptor) ResolveLinks(string path)
    {
        const int MaxHops = 40; // the kernel's MAXSYMLINKS: past it, open fails with ELOOP anyway
        string current = System.IO.Path.GetFullPath(path);
        int? descriptor = OwnDescriptor(current);
        for (int hop = 0; hop < MaxHops && new FileInfo(current).LinkTarget is { } next; hop++)
        {
            current = System.IO.Path.GetFullPath(next, System.IO.Path.GetDirectoryName(current)!);
            descriptor ??= OwnDescriptor(current);
        }

        return (current, descriptor);
    }

    /// <summary>
    /// N for every spelling of a descriptor of this process: <c>/proc/self/fd/N</c>, <c>/proc/thread-self/fd/N</c>,
    /// <c>/proc/PID/fd/N</c> with this process's PID, and <c>/dev/fd/N</c> (whose readlink follows /dev/fd and
    /// gives the file behind the descriptor, never a /proc path).
    /// </summary>
    private static int? OwnDescriptor(string path)
    {
        int slash = path.LastIndexOf('/');
        if (slash < 0 || !int.TryParse(path.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int fd))
        {
            return null;
        }

        string folder = path[..slash];
        return folder is "/dev/fd" or "/proc/self/fd" or "/proc/thread-self/fd" || folder == $"/proc/{Environment.ProcessId}/fd" ? fd : null;
    }

    /// <summary>True when <paramref name="path"/>, its links followed, names a descriptor of this process (<c>/dev/stdin</c>, <c>/dev/fd/3</c>).</summary>
    public static bool IsDescriptor(string path) => ResolveLinks(path).Descriptor is not null;
}
