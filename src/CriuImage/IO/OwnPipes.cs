using System.Globalization;

namespace CriuImage.IO;

/// <summary>
/// Pipes this process holds both ends of (writing: <see cref="WriterOf"/>; reading: <see cref="ReaderOf"/>). A read of a pipe ends only when every write end is closed, so a
/// pipe this process holds a write end of never ends: the runtime's own pipes, which take the lowest free
/// descriptors at start-up (descriptor 0 when standard input was closed, <c>&lt;&amp;-</c>; 3 and 4 when the
/// caller passed none), are reached by <c>/dev/stdin</c> or <c>/dev/fd/3</c> and would be waited on for ever.
/// </summary>
internal static class OwnPipes
{
    /// <summary>A descriptor of this process open for writing on the pipe or FIFO <paramref name="pipe"/>, or null (none, or not Linux).</summary>
    public static int? WriterOf(Posix.FileStat pipe) => HolderOf(pipe, fd => Access(fd) is 1 or 2);

    /// <summary>
    /// A descriptor of this process other than <paramref name="except"/> open for reading on the pipe <paramref name="pipe"/>,
    /// or null: a pipe whose reader is this process is the runtime's own (-o /dev/fd/4 the caller did not pass is its
    /// signal pipe), and what is written there is lost.
    /// </summary>
    public static int? ReaderOf(Posix.FileStat pipe, int except) => HolderOf(pipe, fd => fd != except && Access(fd) is 0 or 2);

    private static int? HolderOf(Posix.FileStat pipe, Func<int, bool> holds)
    {
        if (!Posix.Supported || pipe.Type != Posix.Fifo || !Directory.Exists("/proc/self/fd"))
        {
            return null;
        }

        foreach (string entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out int fd)
                && Posix.TryStat(entry, followLinks: true, out Posix.FileStat other, out _) && other.Type == Posix.Fifo && other.SameFileAs(pipe)
                && holds(fd))
            {
                return fd;
            }
        }

        return null;
    }

    /// <summary>O_RDONLY 0, O_WRONLY 1, O_RDWR 2 of descriptor <paramref name="fd"/>; null when it is closed or /proc does not say.</summary>
    public static int? Access(int fd)
    {
        try
        {
            string? flags = File.ReadLines($"/proc/self/fdinfo/{fd}").FirstOrDefault(line => line.StartsWith("flags:", StringComparison.Ordinal));
            return flags is null ? null : Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & 3;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
