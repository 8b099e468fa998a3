using CriuImage.Criu;

namespace CriuImage.Sources;

/// <summary>
/// One file found in the inputs: where it is, how long, and as much of it as checking needs. CRIU
/// message files and images inside archives or streams are held in memory (bounded by
/// <see cref="InputOptions.MaxMessageBytes"/>); contents files only by their length and first 8 bytes.
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

    /// <summary>The CRIU amdgpu file its name makes it, or null.</summary>
    public CriuFileName? CriuName { get; init; }

    /// <summary>True when its first bytes are the criu-image magic.</summary>
    public bool IsImage { get; init; }

    /// <summary>The whole file, where it was read.</summary>
    public byte[]? Content { get; init; }

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
    /// <summary>A file that is neither a criu-image nor a CRIU amdgpu file (a dump's other files).</summary>
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

    /// <summary>Told the input's name and the compressed bytes consumed so far while a compressed archive is read (which takes the decompressor's time); -1 when it is done.</summary>
    public Action<string, long>? Progress { get; init; }
}
