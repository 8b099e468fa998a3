namespace CriuImage.IO;

/// <summary>Which paths name a stream rather than a file: they can be read once, and a second open waits or finds them empty.</summary>
internal static class StreamPaths
{
    /// <summary>
    /// True when <paramref name="path"/> must be read as a stream: <c>-</c>, or a path that is neither a regular
    /// file nor a folder (links followed). A path that does not exist is not: opening it says so.
    /// </summary>
    public static bool IsStream(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path == "-")
        {
            return true;
        }

        return Posix.Supported
            && Posix.TryStat(path, followLinks: true, out Posix.FileStat stat, out _)
            && stat.Type is not Posix.Regular and not Posix.Directory;
    }

}
