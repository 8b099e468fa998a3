using System.Buffers;
using System.Formats.Tar;

namespace CriuImage.Input;

/// <summary>
/// Reads the entries of one tar archive as <c>tar x</c> would leave them: a name that appears twice is the
/// last copy (the earlier is listed as overridden), a hard link is the data of the earlier entry it names,
/// and a PAX 1.0 sparse entry is the file it stands for. A GNU sparse entry, which System.Formats.Tar
/// refuses, is one unreadable line and the entries after it are still read. Only the files
/// <see cref="InputOptions.Use"/> asks for whole are held in memory; of the others, only the length and
/// first bytes. An entry that is itself an archive (by its first bytes) is read in turn, as deep as
/// <see cref="InputOptions.MaxDepth"/> allows. Names that leave the archive (absolute, <c>..</c>) are
/// refused, and at most <see cref="InputOptions.MaxEntries"/> entries are read.
/// </summary>
internal sealed class ArchiveReader
{
    private const int SkipBuffer = 1 << 20;

    private readonly string _archive;
    private readonly string _prefix;
    private readonly InputOptions _options;
    private readonly InputContext _context;

    // Every entry's result, in archive order, so that a later copy of a name can override an earlier one.
    private readonly List<(string Path, int Entry, object Result)> _results = [];

    // The data of each regular entry read so far, by name, for the hard links that name it.
    private readonly Dictionary<string, EntryData> _regular = new(StringComparer.Ordinal);
    private int _entry;

    private ArchiveReader(string archive, string prefix, InputOptions options, InputContext context)
    {
        _archive = archive;
        _prefix = prefix;
        _options = options;
        _context = context;
    }

    /// <summary>Reads the tar archive in <paramref name="stream"/> (already decompressed) into <paramref name="set"/>, naming its files <paramref name="prefix"/>ENTRY; true when it was read to its end.</summary>
    public static bool Read(Stream stream, string display, string prefix, InputSet set, InputOptions options, InputContext context)
    {
        var reader = new ArchiveReader(display, prefix, options, context);
        try
        {
            return reader.ReadEntries(new TarHeaderTail(stream));
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            reader.Add(display, new UnreadableInput(display, $"the archive is damaged: {ArchiveDamage.Reason(e)}"));
            return false;
        }
        catch (NotSupportedException e)
        {
            reader.Add(display, new UnreadableInput(display, $"entry {reader._entry}: {e.Message} The rest of the archive is not read"));
            return false;
        }
        catch (Exception e) when (e is OverflowException or ArgumentOutOfRangeException)
        {
            // System.Formats.Tar parses a header's numbers (size, uid, mtime...) unbounded: a base-256 value too large for the field's type
            // overflows, and an mtime past DateTimeOffset's range throws ArgumentOutOfRangeException (found by afl-fuzz, tests/corpus/dump-tar/crash-*).
            reader.Add(display, new UnreadableInput(display, $"the archive is damaged: entry {reader._entry}'s header holds a number too large for its field"));
            return false;
        }
        finally
        {
            reader.Flush(set);
        }
    }

    private bool ReadEntries(TarHeaderTail tail)
    {
        var tar = new TarReader(tail, leaveOpen: true);
        try
        {
            while (true)
            {
                if (++_entry > _options.MaxEntries || !_context.Budget.TakeEntry())
                {
                    Add(_archive, new UnreadableInput(_archive, $"more than {_options.MaxEntries} entries: refused, the rest is not read (an archive bomb, or not a checkpoint)"));
                    return false;
                }

                TarEntry? entry;
                try
                {
                    entry = tar.GetNextEntry(copyData: false);
                }
                catch (NotSupportedException) when (TarSparse.GnuHeader(tail.LastBlock) is { } gnu)
                {
                    // The reader refuses type 'S' right after reading its header block: step over the
                    // entry ourselves and go on with a fresh reader at the next header.
                    string name = Strip(gnu.Name);
                    Add(_prefix + name, new UnreadableInput(_prefix + name, $"entry {_entry}: a GNU sparse entry: not supported (re-create the archive without -S, or with --format=pax -S)"));
                    TarSparse.SkipGnuEntry(tail, gnu.Stored, gnu.Extended);
                    tail.ExpectHeaderHere();
                    tar.Dispose();
                    tar = new TarReader(tail, leaveOpen: true);
                    continue;
                }

                if (entry is null)
                {
                    return true;
                }

                tail.ExpectHeaderAfter(entry.Length);
                AddEntry(entry);
                SkipRest(entry.DataStream);
            }
        }
        finally
        {
            tar.Dispose();
        }
    }

    /// <summary>
    /// Reads past what is left of an entry's data in an archive that cannot seek (standard input, a decoder's
    /// output) in 1 MiB reads: left to TarReader, it is read 4 KiB at a time, which costs more than the
    /// decompression. In an archive that seeks, TarReader seeks past it.
    /// </summary>
    private static void SkipRest(Stream? data)
    {
        if (data is null || data.CanSeek)
        {
            return;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(SkipBuffer);
        try
        {
            while (data.Read(buffer, 0, SkipBuffer) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void AddEntry(TarEntry entry)
    {
        string name = Strip(entry.Name);
        if (EntryNames.Leaves(name))
        {
            Add(_prefix + name, new UnreadableInput(_prefix + name, $"entry {_entry}: the name leaves the archive (an absolute path or '..'): refused"));
            return;
        }

        TarSparse.PaxKind sparse = entry is PaxTarEntry pax ? TarSparse.KindOf(pax) : TarSparse.PaxKind.None;
        long length = entry.Length;
        if (sparse != TarSparse.PaxKind.None)
        {
            var paxEntry = (PaxTarEntry)entry;
            (string Name, long RealSize)? real = TarSparse.NameAndSize(paxEntry);
            if (sparse == TarSparse.PaxKind.Older || real is null)
            {
                string shown = paxEntry.ExtendedAttributes.TryGetValue("GNU.sparse.name", out string? n) ? Strip(n) : name;
                string why = sparse == TarSparse.PaxKind.Older ? "a PAX sparse entry of format 0.x: not supported (re-create the archive without -S, or with GNU tar 1.21 or later)" : "a PAX sparse 1.0 entry without a valid GNU.sparse.name and GNU.sparse.realsize";
                Add(_prefix + shown, new UnreadableInput(_prefix + shown, $"entry {_entry}: {why}"));
                return;
            }

            name = Strip(real.Value.Name);
            length = real.Value.RealSize;
        }

        string path = _prefix + name;
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                return;
            case TarEntryType.HardLink:
                AddHardLink(name, path, Strip(entry.LinkName));
                return;
            case TarEntryType.SymbolicLink when EntryNames.LinkLeaves(name, entry.LinkName):
                Add(path, new SkippedInput(path, $"a symbolic link pointing outside the archive (to {entry.LinkName}): never followed", SkipKind.ArchiveEntry));
                return;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                break;
            default:
                Add(path, new SkippedInput(path, $"an archive entry of type {entry.EntryType}, not a regular file", SkipKind.ArchiveEntry));
                return;
        }

        if (name.Contains('\uFFFD', StringComparison.Ordinal))
        {
            Add(path, new SkippedInput(path, "the name is not valid UTF-8", SkipKind.NameNotUtf8));
            return;
        }

        string fileName = FileName(name);
        Stream data = entry.DataStream ?? Stream.Null;
        if (sparse == TarSparse.PaxKind.Version1)
        {
            AddSparse(name, path, fileName, data, entry.Length, length);
            return;
        }

        byte[] peek = new byte[Math.Min(Containers.PeekBytes, length)];
        data.ReadExactly(peek);
        byte[] head = peek[..Math.Min(8, peek.Length)];
        InputUse use = _options.Use(new InputCandidate(fileName, length, head, Named: false));
        if (use == InputUse.Skip)
        {
            _regular[name] = new EntryData(length, head, null);
            if (Containers.IsContainer(peek))
            {
                ReadNested(name, path, new PrefixedStream(peek, data));
                return;
            }

            Add(path, new SkippedInput(path, _options.SkipReason, SkipKind.Other));
            return;
        }

        if (use == InputUse.Stream && length > StreamSpool.HeldBytes && IO.Posix.Supported)
        {
            // Read by position by its reader (a render node, a criu-image): copied to a spool, not held in memory.
            FileStream spool = StreamSpool.Copy(new PrefixedStream(peek, data), length, _ => $"entry {_entry}: longer than its header says");
            if (spool.Length < length)
            {
                // As a read of the whole entry ends in a truncated archive (ArchiveDamage words it).
                spool.Dispose();
                throw new EndOfStreamException();
            }

            var spooled = new EntryData(length, head, null, spool);
            _regular[name] = spooled;
            AddFile(name, path, spooled);
            return;
        }

        byte[]? content = null;
        if (use is InputUse.Whole or InputUse.Stream)
        {
            if (length > _options.MaxMessageBytes)
            {
                Add(path, new UnreadableInput(path, $"holds {length} bytes, more than the {_options.MaxMessageBytes} bytes this tool reads into memory"));
                return;
            }

            content = new byte[length];
            peek.CopyTo(content, 0);
            data.ReadExactly(content.AsSpan(peek.Length));
        }

        // Files read by their head only: TarReader seeks past the rest in a plain archive.
        _regular[name] = new EntryData(length, head, content);
        AddFile(name, path, new EntryData(length, head, content));
    }

    /// <summary>A PAX 1.0 sparse entry: read through the sparse map, never the map's bytes as the file's.</summary>
    private void AddSparse(string name, string path, string fileName, Stream data, long stored, long length)
    {
        // The head cannot be read before deciding how much to read (the map comes first): decide by name, then check.
        // A file read by position elsewhere (a KFD image, a render node) is held here: the map is read in order, not spooled.
        bool whole = _options.Use(new InputCandidate(fileName, length, null, Named: false)) is InputUse.Whole or InputUse.Stream;
        if (whole && length > _options.MaxMessageBytes)
        {
            Add(path, new UnreadableInput(path, $"holds {length} bytes, more than the {_options.MaxMessageBytes} bytes this tool reads into memory"));
            return;
        }

        byte[] prefix;
        try
        {
            prefix = TarSparse.ReadPrefix(data, stored, length, whole ? (int)length : 8);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            Add(path, new UnreadableInput(path, $"entry {_entry}: a PAX sparse entry whose sparse map cannot be read: {e.Message}"));
            return;
        }

        byte[] head = prefix[..Math.Min(8, prefix.Length)];
        InputUse use = _options.Use(new InputCandidate(fileName, length, head, Named: false));
        if (use == InputUse.Skip)
        {
            _regular[name] = new EntryData(length, head, null);
            Add(path, new SkippedInput(path, _options.SkipReason, SkipKind.Other));
            return;
        }

        if (!whole && use is InputUse.Whole or InputUse.Stream)
        {
            Add(path, new UnreadableInput(path, $"entry {_entry}: a file read whole, stored as a PAX sparse entry: not supported (re-create the archive without -S)"));
            return;
        }

        var read = new EntryData(length, head, whole ? prefix : null);
        _regular[name] = read;
        AddFile(name, path, read);
    }

    /// <summary>An entry that is itself an archive (a tar, gzip or zstd stream), read in turn unless it is a known payload or too deep.</summary>
    private void ReadNested(string name, string path, Stream data)
    {
        if (Containers.PayloadReason(name) is { } reason)
        {
            Add(path, new SkippedInput(path, reason, SkipKind.Other));
            return;
        }

        if (_context.Depth >= _options.MaxDepth)
        {
            Add(path, new UnreadableInput(path, $"an archive nested {_context.Depth + 1} deep, deeper than the {_options.MaxDepth} levels read: refused"));
            return;
        }

        // The nested archive's files go straight to the set: its own last-copy rule applies inside it.
        var nested = new InputSet();
        Containers.Read(data, path, path + ":", nested, _options, _context.Nested());
        foreach (InputFile file in nested.Files)
        {
            Add(file.Path, file);
        }

        foreach (SkippedInput skipped in nested.Skipped)
        {
            Add(skipped.Path, skipped);
        }

        foreach (UnreadableInput unreadable in nested.Unreadable)
        {
            Add(unreadable.Path, unreadable);
        }
    }

    private void AddHardLink(string name, string path, string target)
    {
        if (!_regular.TryGetValue(target, out EntryData? data))
        {
            Add(path, new UnreadableInput(path, $"entry {_entry}: a hard link to {target}, which no earlier entry of the archive holds"));
            return;
        }

        InputUse use = _options.Use(new InputCandidate(FileName(name), data.Length, data.Head, Named: false));
        if (use == InputUse.Skip)
        {
            Add(path, new SkippedInput(path, _options.SkipReason, SkipKind.Other));
            return;
        }

        if (use is InputUse.Whole or InputUse.Stream && data.Content is null && data.Spool is null)
        {
            Add(path, new UnreadableInput(path, $"entry {_entry}: a hard link to {target}, whose bytes were not kept (only files read whole are held in memory)"));
            return;
        }

        _regular[name] = data;
        AddFile(name, path, data);
    }

    private void AddFile(string name, string path, EntryData data)
    {
        // An entry at the archive's root (tar -C dump .) sits in the archive itself: its folder is named "x.tar", not "x.tar:".
        string folder = name.LastIndexOf('/') is int slash and >= 0 ? _prefix + name[..slash] : _prefix.TrimEnd('/').TrimEnd(':');
        Add(path, new InputFile
        {
            Path = path,
            Folder = folder,
            Name = FileName(name),
            Length = data.Length,
            Content = data.Content,
            DiskPath = data.Spool is { } spool ? $"/proc/self/fd/{spool.SafeFileHandle.DangerousGetHandle()}" : null,
            Opened = data.Spool,
            Head = data.Head,
            Found = true,
            Artifact = _context.Artifact,
        });
    }

    private void Add(string path, object result) => _results.Add((path, _entry, result));

    /// <summary>Adds the results to <paramref name="set"/>, each name's last copy only, as <c>tar x</c> leaves it.</summary>
    private void Flush(InputSet set)
    {
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach ((string path, int entry, _) in _results)
        {
            last[path] = entry;
        }

        foreach ((string path, int entry, object result) in _results)
        {
            if (last[path] != entry)
            {
                set.Skipped.Add(new SkippedInput(path, $"entry {entry}: overridden by entry {last[path]} of the same name, which tar x keeps", SkipKind.ArchiveEntry));
                continue;
            }

            switch (result)
            {
                case InputFile file:
                    set.Files.Add(file);
                    break;
                case UnreadableInput unreadable:
                    set.Unreadable.Add(unreadable);
                    break;
                case SkippedInput skipped:
                    set.Skipped.Add(skipped);
                    break;
            }
        }
    }

    private static string Strip(string name) => name.StartsWith("./", StringComparison.Ordinal) ? name[2..] : name;

    private static string FileName(string name) => name[(name.LastIndexOf('/') + 1)..];

    /// <summary>An entry's bytes as read: held (<paramref name="Content"/>), copied to an unlinked file (<paramref name="Spool"/>), or neither (its head only).</summary>
    private sealed record EntryData(long Length, byte[] Head, byte[]? Content, FileStream? Spool = null);
}
