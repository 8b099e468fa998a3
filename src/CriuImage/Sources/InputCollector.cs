using CriuImage.Criu;
using CriuImage.Format;
using CriuImage.IO;

namespace CriuImage.Sources;

/// <summary>
/// Finds what the inputs hold: a file, a folder (searched recursively, in name order), a container
/// checkpoint archive (<c>.tar</c>, <c>.tar.gz</c>/<c>.tgz</c>) read as a stream without unpacking, or a
/// non-seekable stream (<c>-</c> for standard input, <c>/dev/stdin</c>, <c>&lt;(...)</c>). Nothing is
/// dropped silently: what is not examined is listed in <see cref="InputSet.Skipped"/> with the reason,
/// and what cannot be read in <see cref="InputSet.Unreadable"/>. In folders, a file of length 0 is never
/// opened (it is empty, or a FIFO, socket or device that could block).
/// </summary>
public static class InputCollector
{
    private static readonly byte[] Gzip = [0x1F, 0x8B];
    private static readonly byte[] Zstd = [0x28, 0xB5, 0x2F, 0xFD];

    /// <summary>Collects <paramref name="paths"/>; <paramref name="standardInput"/> opens the stream <c>-</c> names.</summary>
    public static InputSet Collect(IEnumerable<string> paths, InputOptions options, Func<Stream> standardInput)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(standardInput);
        var set = new InputSet();
        foreach (string path in paths)
        {
            if (path.Length == 0)
            {
                set.Unreadable.Add(new UnreadableInput(path, "the path is empty (- reads standard input)"));
            }
            else if (path == "-")
            {
                using Stream stdin = standardInput();
                ReadStream(stdin, "-", set, options);
            }
            else if (Directory.Exists(path))
            {
                WalkFolder(new DirectoryInfo(path), path, set, options, new HashSet<string>(StringComparer.Ordinal));
            }
            else if (!File.Exists(path))
            {
                set.Unreadable.Add(new UnreadableInput(path, "no such file or folder"));
            }
            else
            {
                AddNamedFile(path, set, options);
            }
        }

        return set;
    }

    private static void AddNamedFile(string path, InputSet set, InputOptions options)
    {
        try
        {
            // A symbolic link named on the command line is followed: its target's length counts, not the link's.
            var info = new FileInfo(path);
            if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true } target)
            {
                info = target;
            }

            if (info.Length == 0 || IsSpecialDevicePath(path))
            {
                // Pipes, /dev/stdin and <(...) report length 0: read them as streams, never by seeking.
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
                ReadStream(stream, path, set, options);
                return;
            }

            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
            Span<byte> head = stackalloc byte[512];
            int n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            file.Position = 0;
            if (IsArchive(head[..n], path))
            {
                ReadArchive(file, path, set, options, SniffCompression(head[..n]));
                return;
            }

            set.Files.Add(FromDisk(path, Path.GetDirectoryName(path) ?? "", info.Length, file, head[..n], options, found: false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            set.Unreadable.Add(new UnreadableInput(path, $"cannot read: {e.Message}"));
        }
    }

    private static bool IsSpecialDevicePath(string path) => path.StartsWith("/dev/", StringComparison.Ordinal) || path.StartsWith("/proc/", StringComparison.Ordinal);

    private static void WalkFolder(DirectoryInfo folder, string display, InputSet set, InputOptions options, HashSet<string> visited)
    {
        string real = folder.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? folder.FullName;
        if (!visited.Add(real))
        {
            set.Skipped.Add(new SkippedInput(display, "a folder already searched (a symbolic link loop)", SkipKind.Symlink));
            return;
        }

        FileSystemInfo[] entries;
        try
        {
            entries = [.. folder.EnumerateFileSystemInfos("*", new EnumerationOptions { IgnoreInaccessible = false, AttributesToSkip = 0, RecurseSubdirectories = false })
                .OrderBy(e => e.Name, StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            set.Unreadable.Add(new UnreadableInput(display, $"cannot enter the folder: {e.Message}"));
            return;
        }

        foreach (FileSystemInfo entry in entries)
        {
            string path = Path.Combine(display, entry.Name);
            if (entry.Name.Contains('\uFFFD', StringComparison.Ordinal))
            {
                set.Skipped.Add(new SkippedInput(path, "the name is not valid UTF-8 and cannot be opened by it", SkipKind.NameNotUtf8));
                continue;
            }

            try
            {
                AddEntry(entry, path, display, set, options, visited);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A link loop (ELOOP), a vanished entry, a refused readlink: said, never dropped.
                set.Unreadable.Add(new UnreadableInput(path, $"cannot read: {e.Message}"));
            }
        }
    }

    private static void AddEntry(FileSystemInfo entry, string path, string display, InputSet set, InputOptions options, HashSet<string> visited)
    {
        FileSystemInfo target = entry;
        if (entry.LinkTarget is { } link)
        {
            if (!options.FollowSymlinks)
            {
                set.Skipped.Add(new SkippedInput(path, $"a symbolic link (to {link}), not followed without --follow-symlinks", SkipKind.Symlink));
                return;
            }

            FileSystemInfo? resolved = entry.ResolveLinkTarget(returnFinalTarget: true);
            if (resolved is null || !resolved.Exists)
            {
                set.Unreadable.Add(new UnreadableInput(path, $"a symbolic link to {link}, which does not exist"));
                return;
            }

            target = resolved;
        }

        if (target is DirectoryInfo dir)
        {
            WalkFolder(dir, path, set, options, visited);
        }
        else
        {
            AddFoundFile((FileInfo)target, path, display, set, options);
        }
    }

    private static void AddFoundFile(FileInfo file, string path, string folder, InputSet set, InputOptions options)
    {
        string name = Path.GetFileName(path);
        if (name.StartsWith('.') && name.EndsWith(".tmp", StringComparison.Ordinal))
        {
            set.Skipped.Add(new SkippedInput(path, "the temporary file of an unfinished write", SkipKind.Temporary));
            return;
        }

        CriuFileName? criu = CriuFileName.Parse(name);
        if (file.Length == 0)
        {
            if (NotRegular(file.FullName) is { } kind)
            {
                // A FIFO would block the open until a writer came; a device or socket is no dump file either.
                set.Skipped.Add(new SkippedInput(path, $"a {kind}, not a regular file: not opened", SkipKind.NotRegular));
            }
            else if (criu is not null)
            {
                // CRIU writes an 8-byte header into every file: a CRIU file of length 0 is damage to report, read without opening.
                set.Files.Add(new InputFile { Path = path, Folder = folder, Length = 0, CriuName = criu, Content = [], Found = true });
            }
            else
            {
                set.Skipped.Add(new SkippedInput(path, "empty, or not a regular file (FIFO, socket, device): not opened", SkipKind.NotRegular));
            }

            return;
        }

        try
        {
            using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
            Span<byte> head = stackalloc byte[8];
            int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            stream.Position = 0;
            InputFile found = FromDisk(file.FullName, folder, file.Length, stream, head[..n], options, found: true, displayPath: path);
            if (found.CriuName is null && !found.IsImage)
            {
                set.Skipped.Add(new SkippedInput(path, "neither a criu-image nor a CRIU amdgpu file", SkipKind.Other));
                return;
            }

            set.Files.Add(found);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            set.Unreadable.Add(new UnreadableInput(path, $"cannot open: {e.Message}"));
        }
    }

    /// <summary>What a file that is not a regular file is (FIFO, socket, device), or null for a regular file or where it cannot be told.</summary>
    private static string? NotRegular(string path) =>
        !Posix.Supported || !Posix.TryStat(path, followLinks: true, out Posix.FileStat stat, out _) ? null : stat.Type switch
        {
            Posix.Fifo => "FIFO",
            Posix.Socket => "socket",
            Posix.CharacterDevice => "character device",
            Posix.BlockDevice => "block device",
            _ => null,
        };

    private static InputFile FromDisk(string diskPath, string folder, long length, Stream stream, ReadOnlySpan<byte> head, InputOptions options, bool found, string? displayPath = null)
    {
        CriuFileName? criu = CriuFileName.Parse(Path.GetFileName(displayPath ?? diskPath));
        bool image = head.Length >= 8 && head[..8].SequenceEqual(Preamble.Magic);
        // A named file of no known name is read whole too, so its content can tell what it is.
        bool message = criu is { Kind: CriuFileKind.KfdImage or CriuFileKind.RenderNode or CriuFileKind.DmaBuf } || (criu is null && !image && !found);
        return new InputFile
        {
            Path = displayPath ?? diskPath,
            Folder = folder,
            DiskPath = diskPath,
            Length = length,
            CriuName = criu,
            IsImage = image,
            Head = head[..Math.Min(8, head.Length)].ToArray(),
            Content = message ? ReadBounded(stream, length, options, displayPath ?? diskPath) : null,
            Found = found,
        };
    }

    private static byte[] ReadBounded(Stream stream, long length, InputOptions options, string path)
    {
        if (length > options.MaxMessageBytes)
        {
            throw new IOException($"{path} holds {length} bytes, more than the {options.MaxMessageBytes} bytes this tool reads into memory for a message file");
        }

        byte[] bytes = new byte[length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static bool IsArchive(ReadOnlySpan<byte> head, string path) =>
        path.EndsWith(".tar", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || SniffCompression(head) != Compression.None || IsTar(head);

    private static bool IsTar(ReadOnlySpan<byte> head) => head.Length >= 262 && head.Slice(257, 5).SequenceEqual("ustar"u8);

    internal enum Compression
    {
        None,
        Gzip,
        Zstd,
    }

    private static Compression SniffCompression(ReadOnlySpan<byte> head) =>
        head.StartsWith(Gzip) ? Compression.Gzip : head.StartsWith(Zstd) ? Compression.Zstd : Compression.None;

    /// <summary>Reads a non-seekable input: an archive, an image or a CRIU file, told apart by its first bytes.</summary>
    internal static void ReadStream(Stream stream, string display, InputSet set, InputOptions options)
    {
        try
        {
            var buffered = new BufferedStream(stream, 1 << 16);
            byte[] head = new byte[512];
            int n = buffered.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            var replay = new PrefixedStream(head.AsMemory(0, n), buffered);
            if (SniffCompression(head.AsSpan(0, n)) != Compression.None || IsTar(head.AsSpan(0, n)))
            {
                ReadArchive(replay, display, set, options, SniffCompression(head.AsSpan(0, n)));
                return;
            }

            byte[] all = ReadToEndBounded(replay, options, display);
            if (all.Length == 0)
            {
                set.Unreadable.Add(new UnreadableInput(display, "empty: nothing to read"));
                return;
            }

            set.Files.Add(FromMemory(display, Path.GetDirectoryName(display) ?? "", display == "-" ? null : CriuFileName.Parse(Path.GetFileName(display)), all, found: false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            set.Unreadable.Add(new UnreadableInput(display, $"cannot read: {e.Message}"));
        }
    }

    private static InputFile FromMemory(string path, string folder, CriuFileName? criu, byte[] content, bool found) => new()
    {
        Path = path,
        Folder = folder,
        Length = content.Length,
        CriuName = criu,
        IsImage = content.AsSpan().StartsWith(Preamble.Magic),
        Content = content,
        Head = content[..Math.Min(8, content.Length)],
        Found = found,
    };

    private static byte[] ReadToEndBounded(Stream stream, InputOptions options, string path)
    {
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[1 << 16];
        int n;
        while ((n = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + n > options.MaxMessageBytes)
            {
                throw new IOException($"{path} holds more than the {options.MaxMessageBytes} bytes this tool reads into memory from a stream");
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a tar (plain, or gzip- or zstd-compressed as <paramref name="compression"/> says) from <paramref name="stream"/>; a seekable plain tar is read by seeking past what is not needed.</summary>
    internal static void ReadArchive(Stream stream, string display, InputSet set, InputOptions options, Compression compression)
    {
        if (compression == Compression.Zstd)
        {
            set.Unreadable.Add(new UnreadableInput(display, "a zstd-compressed archive: not supported; decompress it first (zstd -d)"));
            return;
        }

        ArchiveReader.Read(stream, display, set, options, compression);
    }
}
