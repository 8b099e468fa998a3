using CriuImage.Format;
using CriuImage.IO;

namespace CriuImage.Input;

/// <summary>
/// Finds what the inputs hold: a file, a folder (searched recursively, in name order; the archives in it
/// opened, each under its own name), an OCI image layout folder, a pod checkpoint folder, an archive (tar, oci-archive, kubelet checkpoint; plain, gzip or zstd,
/// told by their first bytes, never by the name) read as a stream without unpacking, or a non-seekable
/// stream (<c>-</c> for standard input, <c>/dev/stdin</c>, <c>&lt;(...)</c>). Nothing is dropped silently:
/// what is not examined is listed in <see cref="InputSet.Skipped"/> with the reason, and what cannot be
/// read in <see cref="InputSet.Unreadable"/>. In folders, a file of length 0 is never opened (it is empty,
/// or a FIFO, socket or device that could block). What each file is, is the reader's business:
/// <see cref="InputOptions.Use"/> says how much of it to read.
/// </summary>
internal static class InputCollector
{
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
            else
            {
                AddNamed(path, set, options);
            }
        }

        return set;
    }

    /// <summary>A folder named on the command line: an OCI image layout, a pod checkpoint, or a folder searched for files.</summary>
    private static void ReadFolder(string path, InputSet set, InputOptions options) =>
        ReadFolder(new DirectoryInfo(path), path, set, options, new HashSet<string>(StringComparer.Ordinal));

    /// <summary>A folder (<paramref name="display"/> as reports name it): an OCI image layout, a pod checkpoint, or a folder searched for files.</summary>
    private static void ReadFolder(DirectoryInfo folder, string display, InputSet set, InputOptions options, HashSet<string> visited)
    {
        try
        {
            if (File.Exists(Path.Combine(folder.FullName, OciLayout.LayoutFile)))
            {
                OciLayout.Read(new FolderBlobs(folder.FullName), display, display + ":", set, options, InputContext.Top(options), new ArtifactSeed(display, "OCI image layout"));
                return;
            }

            if (File.Exists(Path.Combine(folder.FullName, PodCheckpoint.ManifestFile)))
            {
                PodCheckpoint.Read(folder.FullName, display, set, options);
                return;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            set.Unreadable.Add(new UnreadableInput(display, IoMessages.Of(e)));
            return;
        }

        WalkFolder(folder, display, set, options, visited);
    }

    /// <summary>
    /// A path named on the command line: opened first (a symbolic link followed), then read as what was opened
    /// (a folder is searched by its path; a file, FIFO or pipe through the descriptor): the path is not looked at
    /// before the open, so it cannot be swapped between a look and the read.
    /// </summary>
    private static void AddNamed(string path, InputSet set, InputOptions options)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        uint type;
        try
        {
            (handle, type) = InputPaths.Open(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            set.Unreadable.Add(new UnreadableInput(path, IoMessages.Of(e)));
            return;
        }

        AddOpened(path, handle, type, set, options);
    }

    /// <summary>Collects the input <paramref name="path"/> names, already opened by the caller (<see cref="InputPaths.Open"/>): read from <paramref name="handle"/>, which this takes, never from the path again.</summary>
    public static InputSet CollectOpened(string path, Microsoft.Win32.SafeHandles.SafeFileHandle handle, uint type, InputOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentNullException.ThrowIfNull(options);
        var set = new InputSet();
        AddOpened(path, handle, type, set, options);
        return set;
    }

    /// <summary>A named input after its open: a folder is searched by its path; a file, FIFO or pipe is read through <paramref name="handle"/> (taken: closed, or kept by the file read from it).</summary>
    private static void AddOpened(string path, Microsoft.Win32.SafeHandles.SafeFileHandle handle, uint type, InputSet set, InputOptions options)
    {
        if (type == Posix.Directory)
        {
            handle.Dispose();
            ReadFolder(path, set, options);
            return;
        }

        var file = new FileStream(handle, FileAccess.Read, 1);
        InputFile? kept = null;
        try
        {
            long length = type == Posix.Regular ? RandomAccess.GetLength(handle) : 0;
            if (length == 0 || IsSpecialDevicePath(path))
            {
                // Pipes, /dev/stdin and <(...) (and /proc files, whose length says nothing): read as streams, never by seeking.
                ReadStream(file, path, set, options);
                return;
            }

            byte[] head = new byte[Containers.PeekBytes];
            int n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            file.Position = 0;
            if (Containers.IsContainer(head.AsSpan(0, n)))
            {
                Containers.Read(file, path, set, options, InputContext.Top(options));
                return;
            }

            kept = FromDisk(path, Path.GetDirectoryName(path) ?? "", Path.GetFileName(path), length, file, head.AsSpan(0, Math.Min(n, 8)), options, found: false);
            set.Files.Add(kept);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            set.Unreadable.Add(new UnreadableInput(path, IoMessages.Of(e)));
        }
        finally
        {
            if (kept?.Opened != file)
            {
                file.Dispose();
            }
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
            set.Unreadable.Add(new UnreadableInput(display, $"cannot enter the folder: {IoMessages.Of(e)}"));
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
                set.Unreadable.Add(new UnreadableInput(path, IoMessages.Of(e)));
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
                set.Skipped.Add(new SkippedInput(path, $"a symbolic link (to {link}), not followed {options.Words.For(Diagnostics.Remedy.FollowSymlinks)}", SkipKind.Symlink));
                return;
            }

            if (Posix.Supported && !Posix.TryStat(entry.FullName, followLinks: true, out _, out int errno))
            {
                // A loop, a dangling link, a target it may not reach: said in its own words, never .NET's.
                set.Unreadable.Add(new UnreadableInput(path, $"a symbolic link to {link}: {IoMessages.OfErrno(errno)}"));
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
            ReadFolder(dir, path, set, options, visited);
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

        if (file.Length == 0)
        {
            if (NotRegular(file.FullName) is { } kind)
            {
                // A FIFO would block the open until a writer came; a device or socket is no dump file either.
                set.Skipped.Add(new SkippedInput(path, $"a {kind}, not a regular file: not opened", SkipKind.NotRegular));
            }
            else if (options.Use(new InputCandidate(name, 0, [], Named: false)) != InputUse.Skip)
            {
                // A file the reader wants that has length 0 is damage for it to report, read without opening.
                set.Files.Add(new InputFile { Path = path, Folder = folder, Name = name, Length = 0, Content = [], Found = true });
            }
            else
            {
                set.Skipped.Add(new SkippedInput(path, "empty, or not a regular file (FIFO, socket, device): not opened", SkipKind.NotRegular));
            }

            return;
        }

        FileStream? stream = null;
        try
        {
            stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
            if (FolderArchives.TryRead(stream, path, folder, name, set, options))
            {
                return;
            }

            Span<byte> head = stackalloc byte[8];
            int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            stream.Position = 0;
            if (options.Use(new InputCandidate(name, file.Length, head[..n].ToArray(), Named: false)) == InputUse.Skip)
            {
                set.Skipped.Add(new SkippedInput(path, options.SkipReason, SkipKind.Other));
                return;
            }

            InputFile found = FromDisk(file.FullName, folder, name, file.Length, stream, head[..n], options, found: true, displayPath: path);
            set.Files.Add(found);
            if (found.Opened == stream)
            {
                stream = null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            set.Unreadable.Add(new UnreadableInput(path, $"cannot open: {IoMessages.Of(e)}"));
        }
        finally
        {
            stream?.Dispose();
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

    /// <summary>
    /// A file on disk as <see cref="InputOptions.Use"/> wants it; a file named on its own (not <paramref name="found"/>),
    /// or found in a folder and read later by position (<see cref="InputUse.Stream"/>: a render node), keeps
    /// <paramref name="stream"/> open as <see cref="InputFile.Opened"/>, so that nothing opens its path again. Other
    /// found files are read now or not at all, so a dump of thousands of files holds no descriptor per file.
    /// </summary>
    private static InputFile FromDisk(string diskPath, string folder, string name, long length, FileStream stream, ReadOnlySpan<byte> head, InputOptions options, bool found, string? displayPath = null)
    {
        InputUse use = options.Use(new InputCandidate(name, length, head.ToArray(), Named: !found));
        bool whole = use == InputUse.Whole;
        return new InputFile
        {
            Path = displayPath ?? diskPath,
            Folder = folder,
            Name = name,
            DiskPath = diskPath,
            Length = length,
            Head = head[..Math.Min(8, head.Length)].ToArray(),
            Content = whole ? ReadBounded(stream, length, options, displayPath ?? diskPath) : null,
            Opened = found && use != InputUse.Stream ? null : stream,
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

    /// <summary>
    /// Looks at the first bytes of a forward-only <paramref name="stream"/> (standard input) without losing
    /// them: <paramref name="replay"/> gives the whole stream again; true when it holds an archive or a
    /// compressed stream, which <see cref="Collect"/> reads as a container.
    /// </summary>
    public static bool StartsContainer(Stream stream, out Stream replay)
    {
        ArgumentNullException.ThrowIfNull(stream);
        replay = stream;
        return Containers.IsContainer(Containers.Peek(ref replay));
    }

    /// <summary>Reads a non-seekable input: an archive or image (told by its first bytes), or one file.</summary>
    internal static void ReadStream(Stream stream, string display, InputSet set, InputOptions options)
    {
        try
        {
            var buffered = new BufferedStream(stream, 1 << 16);
            byte[] head = new byte[Containers.PeekBytes];
            int n = buffered.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            var replay = new PrefixedStream(head.AsMemory(0, n), buffered);
            if (Containers.IsContainer(head.AsSpan(0, n)))
            {
                Containers.Read(replay, display, set, options, InputContext.Top(options));
                return;
            }

            if (head.AsSpan(0, n).StartsWith(Preamble.Magic) && IO.Posix.Supported)
            {
                // An image is read by position, as a file is: it is spooled to an unlinked temporary file and read
                // through the descriptor, not held (the spool lives as long as the input).
                FileStream spool = StreamSpool.Copy(replay, options.MaxDecompressedBytes, max => $"{display}: an image of more than {max} bytes on a stream: refused");
                set.Files.Add(Spooled(display, spool, head.AsSpan(0, n)));
                return;
            }

            // Past 1 MiB the spool is read by position where it can be, never held (a KFD image of 10^6 BOs is 312 MB):
            // bounded then as a decompression is, else by what is held in memory.
            FileStream spooled = StreamSpool.Copy(replay, IO.Posix.Supported ? options.MaxDecompressedBytes : options.MaxMessageBytes, max => $"{display} holds more than the {max} bytes this tool reads from a stream that is not a criu-image or an archive");
            if (spooled.Length > StreamSpool.HeldBytes && IO.Posix.Supported)
            {
                // Read by position from the spool (a CRIU file's fields, one at a time), never held whole.
                set.Files.Add(Spooled(display, spooled, head.AsSpan(0, n)));
                return;
            }

            byte[] all = StreamSpool.ReadAll(spooled);
            if (all.Length == 0)
            {
                set.Unreadable.Add(new UnreadableInput(display, "empty: nothing to read"));
                return;
            }

            set.Files.Add(new InputFile
            {
                Path = display,
                Folder = Path.GetDirectoryName(display) ?? "",
                Name = display == "-" ? null : Path.GetFileName(display),
                Length = all.Length,
                Content = all,
                Head = all[..Math.Min(8, all.Length)],
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            set.Unreadable.Add(new UnreadableInput(display, IoMessages.Of(e)));
        }
    }

    /// <summary>A stream copied to <paramref name="spool"/>, read through it by position (<see cref="InputFile.DiskPath"/> names its descriptor); it lives as long as the input.</summary>
    private static InputFile Spooled(string display, FileStream spool, ReadOnlySpan<byte> head) => new()
    {
        Path = display,
        Folder = Path.GetDirectoryName(display) ?? "",
        Name = display == "-" ? null : Path.GetFileName(display),
        Length = spool.Length,
        DiskPath = $"/proc/self/fd/{spool.SafeFileHandle.DangerousGetHandle()}",
        Opened = spool,
        Head = head[..Math.Min(8, head.Length)].ToArray(),
    };

    /// <summary>Reads the archive (or compressed stream, or image) in <paramref name="stream"/> as an input named <paramref name="display"/>.</summary>
    internal static void ReadArchive(Stream stream, string display, InputSet set, InputOptions options) =>
        Containers.Read(stream, display, set, options, InputContext.Top(options));
}
