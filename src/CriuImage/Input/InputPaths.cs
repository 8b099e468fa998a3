using CriuImage.IO;
using Microsoft.Win32.SafeHandles;

namespace CriuImage.Input;

/// <summary>
/// Whether a path named as an input can be read at all, said before it is opened, in the tool's own words: a
/// path that does not resolve (missing, a link loop, a name too long, a part that is not a folder, a folder
/// it may not search), or a file that is not a file, folder or stream of one. Regular files, folders, FIFOs,
/// pipes (<c>/dev/stdin</c>, <c>&lt;(...)</c>) and the null device (empty) are read; a terminal, any other
/// character device (<c>/dev/zero</c> and <c>/dev/urandom</c> never end, a GPU's render node answers no
/// read), a block device and a socket are refused, since nothing read from them is a checkpoint.
/// </summary>
internal static class InputPaths
{
    /// <summary>
    /// A folder opened by the caller and given as a descriptor (<c>- &lt; /tmp</c>, <c>/dev/stdin</c>, <c>/dev/fd/3</c>): refused by
    /// every command, as standard input is a stream and a folder is read by its path (its files' names then say where they are).
    /// </summary>
    private const string FolderBehindDescriptor = "a folder behind a descriptor, not a file or pipe: name the folder itself";

    /// <summary>The character device 1:3, /dev/null: read, it is empty.</summary>
    private const uint MemoryMajor = 1;
    private const uint NullMinor = 3;

    /// <summary>Why <paramref name="path"/> cannot be read as an input, or null when it can be opened (<c>-</c> included: see <see cref="StandardInputProblem"/>).</summary>
    public static string? Problem(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path == "-" || path.Length == 0 || !Posix.Supported)
        {
            return null;
        }

        return Posix.TryStat(path, followLinks: true, out Posix.FileStat stat, out int errno) ? ProblemOf(stat, path) : IoMessages.OfErrno(errno);
    }

    /// <summary>
    /// Opens the input <paramref name="path"/> names once (without waiting on a FIFO or device, without taking a
    /// terminal), then decides on what was opened (fstat of the descriptor), never on the path again: a path
    /// swapped for a device, FIFO or folder between a look at it and the open is read, or refused, as what it
    /// became. A FIFO or pipe is read from its writer's first byte (reads wait for it, as a blocking open would).
    /// </summary>
    /// <returns>The descriptor, and its file type (<see cref="Posix.Regular"/>, <see cref="Posix.Directory"/>, <see cref="Posix.Fifo"/>, ...).</returns>
    /// <exception cref="IOException">It cannot be read; the message says why, in the tool's words, without the path.</exception>
    public static (SafeFileHandle Handle, uint Type) Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!Posix.Supported)
        {
            return Directory.Exists(path) ? (new SafeFileHandle(), Posix.Directory) : (File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite), Posix.Regular);
        }

        // A failed open is explained by the path (a socket says ENXIO); nothing is read from it.
        SafeFileHandle handle = Posix.OpenForReading(path, out int errno) ?? throw new IOException(Problem(path) ?? IoMessages.OfErrno(errno));
        try
        {
            Posix.FileStat stat = Posix.Stat(handle);
            if (ProblemOf(stat, path) is { } problem)
            {
                throw new IOException(problem);
            }

            if (stat.Type == Posix.Fifo)
            {
                Posix.WaitForWriter(handle);
            }

            return (handle, stat.Type);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Why the file <paramref name="stat"/> describes, named <paramref name="path"/>, is not read, or null when it is.</summary>
    private static string? ProblemOf(Posix.FileStat stat, string path)
    {
        if (OwnPipes.WriterOf(stat) is { } writer)
        {
            // /dev/stdin after <&-, /dev/fd/3 that the caller did not pass: the runtime's own pipe.
            return $"a pipe this process holds open for writing itself (its descriptor {writer}), not one given to it: reading it would wait for ever";
        }

        if (stat.Type == Posix.Directory && DescriptorPaths.IsDescriptor(path))
        {
            return FolderBehindDescriptor;
        }

        return stat.Type == Posix.Socket ? "a socket, not a file, folder or pipe: it cannot be opened and read" : Refusal(stat);
    }

    /// <summary>Opens the input <paramref name="path"/> names for a read from its first byte to its end, refusing what <see cref="Problem"/> refuses (<see cref="Open"/>).</summary>
    /// <exception cref="IOException">It cannot be read; the message says why, in the tool's words, without the path.</exception>
    /// <exception cref="UnauthorizedAccessException">It is a folder.</exception>
    public static FileStream OpenRead(string path)
    {
        (SafeFileHandle handle, uint type) = Open(path);
        if (type == Posix.Directory)
        {
            // As .NET reports a folder opened as a file (EISDIR): callers that read one file say what it is.
            handle.Dispose();
            throw new UnauthorizedAccessException(IoMessages.OfErrno(Posix.Eisdir));
        }

        return new FileStream(handle, FileAccess.Read, 1);
    }

    /// <summary>
    /// Why standard input cannot be read as an input (a terminal, a device that never ends, a folder), or null when it can
    /// (a pipe, a file, a socket, the null device, or when it cannot be told).
    /// </summary>
    public static string? StandardInputProblem() =>
        Posix.Supported && Posix.TryStat("/proc/self/fd/0", followLinks: true, out Posix.FileStat stat, out _) && (stat.Type == Posix.Directory ? FolderBehindDescriptor : Refusal(stat)) is { } refusal
            ? $"standard input is {refusal}"
            : null;

    /// <summary>Why a device file is not read, or null for anything else.</summary>
    private static string? Refusal(Posix.FileStat stat) => stat.Type switch
    {
        Posix.CharacterDevice when stat.SpecialMajor == MemoryMajor && stat.SpecialMinor == NullMinor => null,
        Posix.CharacterDevice when IsTerminal(stat.SpecialMajor) => "a terminal, not a file or pipe: name a file, or pipe the input in",
        Posix.CharacterDevice => $"a character device ({stat.SpecialMajor}:{stat.SpecialMinor}), not a file, folder or pipe: not read (what a device gives is no checkpoint, and /dev/zero never ends)",
        Posix.BlockDevice => $"a block device ({stat.SpecialMajor}:{stat.SpecialMinor}), not a file, folder or pipe: not read",
        _ => null,
    };

    /// <summary>Linux's terminal majors (Documentation/admin-guide/devices.txt): 4 virtual consoles and serial ports, 5 /dev/tty and /dev/console, 136-143 pseudo-terminals.</summary>
    private static bool IsTerminal(uint major) => major is 4 or 5 or (>= 136 and <= 143);
}
