namespace CriuImage.Input;

/// <summary>
/// One file found in the inputs: where it is, how long, and as much of it as the reader that asked for it
/// needs (<see cref="InputOptions.Use"/> decides: the whole file, held in memory up to
/// <see cref="InputOptions.MaxMessageBytes"/>, or only its length and first 8 bytes).
/// </summary>
public sealed class InputFile
{
    /// <summary>The path reports show: relative to the input as named (inside an archive: <c>ARCHIVE:ENTRY</c>).</summary>
    public required string Path { get; init; }

    /// <summary>The folder the file sits in, as reports show it: the files of one folder form one dump.</summary>
    public required string Folder { get; init; }

    /// <summary>Where the file is on disk, for images read as they stream from there; null inside archives and streams.</summary>
    public string? DiskPath { get; init; }

    /// <summary>Length in bytes.</summary>
    public required long Length { get; init; }

    /// <summary>Its own file name (the last part of its path inside the folder or archive), or null for standard input, which has none.</summary>
    public string? Name { get; init; }

    /// <summary>The artifact (OCI image, pod checkpoint) the file was read from, or null for a plain folder, file or archive.</summary>
    internal Artifact? Artifact { get; init; }

    /// <summary>The whole file, where it was read.</summary>
    public byte[]? Content { get; init; }

    /// <summary>
    /// The descriptor a file read by position is read through, kept open while the input lives: the unlinked temporary
    /// copy of a stream (which <see cref="DiskPath"/> names as <c>/proc/self/fd/N</c>), or the file named on the command
    /// line as it was opened, so that it is read from what was opened, never from the path again.
    /// </summary>
    internal FileStream? Opened { get; init; }

    /// <summary>The path a reader opens the file by: the kept descriptor's (<c>/proc/self/fd/N</c>, the same open file) where there is one, else <see cref="DiskPath"/>.</summary>
    internal string? ReadPath => Opened is { } opened && IO.Posix.Supported ? $"/proc/self/fd/{opened.SafeFileHandle.DangerousGetHandle()}" : DiskPath;

    /// <summary>The file's first bytes, up to <paramref name="count"/>: from <see cref="Content"/> or the kept descriptor, else <see cref="Head"/>.</summary>
    internal ReadOnlySpan<byte> HeadBytes(int count)
    {
        if (Content is { } content)
        {
            return content.AsSpan(0, Math.Min(count, content.Length));
        }

        if (Opened is not { } opened)
        {
            return Head.AsSpan(0, Math.Min(count, Head.Length));
        }

        byte[] head = new byte[(int)Math.Min(count, Length)];
        return head.AsSpan(0, RandomAccess.Read(opened.SafeFileHandle, head, 0));
    }

    /// <summary>Its first bytes (up to 8).</summary>
    public byte[] Head { get; init; } = [];

    /// <summary>True when it was found by searching a folder or an archive, false when named on its own.</summary>
    public bool Found { get; init; }
}

/// <summary>A file or folder in the inputs that was not examined, and why: every one is reported.</summary>
/// <param name="Path">The path as reports show it.</param>
/// <param name="Reason">Why it was not examined.</param>
/// <param name="Kind">The kind of reason, for counting.</param>
public sealed record SkippedInput(string Path, string Reason, SkipKind Kind);

/// <summary>Why an input was not examined.</summary>
public enum SkipKind
{
    /// <summary>A file the reader did not ask for (<see cref="InputOptions.Use"/> said <see cref="InputUse.Skip"/>).</summary>
    Other,

    /// <summary>Empty, or not a regular file (FIFO, socket, device), which is never opened.</summary>
    NotRegular,

    /// <summary>A symbolic link, not followed.</summary>
    Symlink,

    /// <summary>A name that is not valid UTF-8, so it cannot be opened by the name .NET reports.</summary>
    NameNotUtf8,

    /// <summary>The temporary file of an atomic write (<c>.NAME.*.tmp</c>).</summary>
    Temporary,

    /// <summary>An archive entry that is not a regular file (link, device, FIFO).</summary>
    ArchiveEntry,
}

/// <summary>An input that could not be read at all.</summary>
/// <param name="Path">The path as reports show it.</param>
/// <param name="Reason">Why.</param>
public sealed record UnreadableInput(string Path, string Reason);

/// <summary>Everything the inputs hold, in the order found (folders sorted by name).</summary>
public sealed class InputSet
{
    /// <summary>Files to examine.</summary>
    public List<InputFile> Files { get; } = [];

    /// <summary>What was not examined, with the reason.</summary>
    public List<SkippedInput> Skipped { get; } = [];

    /// <summary>What could not be read.</summary>
    public List<UnreadableInput> Unreadable { get; } = [];
}

/// <summary>How inputs are searched.</summary>
public sealed record InputOptions
{
    /// <summary>Follow symbolic links inside folders (off: they are skipped and listed).</summary>
    public bool FollowSymlinks { get; init; }

    /// <summary>The largest message file or in-archive image held in memory.</summary>
    public long MaxMessageBytes { get; init; } = 256L << 20;

    /// <summary>Decides, from a file's name, length and first bytes, how much of it is read; the default reads every file's head only.</summary>
    internal Func<InputCandidate, InputUse> Use { get; init; } = _ => InputUse.Head;

    /// <summary>The reason listed for a file <see cref="Use"/> skipped.</summary>
    public string SkipReason { get; init; } = "not a file this reader examines";

    /// <summary>The most entries one archive, image or nesting of them may hold; more is refused.</summary>
    public int MaxEntries { get; init; } = 200_000;

    /// <summary>How deep archives and images may nest (an archive inside an archive is depth 2).</summary>
    public int MaxDepth { get; init; } = 6;

    /// <summary>The most bytes decompressed from one input: a decompression bomb ends here, with an error.</summary>
    public long MaxDecompressedBytes { get; init; } = 4L << 40;

    /// <summary>Told the input's name and the compressed bytes consumed so far while a compressed archive is read (which takes the decompressor's time); -1 when it is done.</summary>
    public Action<string, long>? Progress { get; init; }

    /// <summary>The words of what would have examined a skipped input (a link not followed); the command line passes its own.</summary>
    internal Diagnostics.RemedyWords Words { get; init; } = Diagnostics.RemedyWords.Library;
}

/// <summary>What <see cref="InputOptions.Use"/> is told about a file before it is read further.</summary>
/// <param name="Name">Its own file name, or null for standard input.</param>
/// <param name="Length">Its length in bytes.</param>
/// <param name="Head">Its first bytes (up to 8); null when they cannot be read before deciding (a sparse archive entry).</param>
/// <param name="Named">True when it was named on its own rather than found in a folder or archive.</param>
internal readonly record struct InputCandidate(string? Name, long Length, byte[]? Head, bool Named);

/// <summary>How much of a file is read.</summary>
internal enum InputUse
{
    /// <summary>Not read: listed as skipped with <see cref="InputOptions.SkipReason"/>.</summary>
    Skip,

    /// <summary>Its length and first 8 bytes.</summary>
    Head,

    /// <summary>The whole file, into memory.</summary>
    Whole,

    /// <summary>
    /// Read by position by the reader later: through <see cref="InputFile.Opened"/> (a file named on its own) or
    /// <see cref="InputFile.DiskPath"/> (a file found in a folder); inside an archive, which cannot be reopened, held
    /// when small and otherwise copied to an unlinked temporary file now.
    /// </summary>
    Stream,
}
