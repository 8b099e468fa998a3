using System.Formats.Tar;
using System.IO.Compression;
using CriuImage.Criu;
using CriuImage.Format;

namespace CriuImage.Sources;

/// <summary>
/// Reads the entries of one tar archive as <c>tar x</c> would leave them: a name that appears twice is the
/// last copy (the earlier is listed as overridden), a hard link is the data of the earlier entry it names,
/// and a PAX 1.0 sparse entry is the file it stands for. A GNU sparse entry, which System.Formats.Tar
/// refuses, is one unreadable line and the entries after it are still read. Contents files are never held
/// in memory: only their length and first 8 bytes are.
/// </summary>
internal sealed class ArchiveReader
{
    private readonly string _archive;
    private readonly InputOptions _options;

    // Every entry's result, in archive order, so that a later copy of a name can override an earlier one.
    private readonly List<(string Path, int Entry, object Result)> _results = [];

    // The data of each regular entry read so far, by name, for the hard links that name it.
    private readonly Dictionary<string, EntryData> _regular = new(StringComparer.Ordinal);
    private int _entry;

    private ArchiveReader(string archive, InputOptions options)
    {
        _archive = archive;
        _options = options;
    }

    /// <summary>Reads the archive in <paramref name="stream"/> (already decompressed as <paramref name="compression"/> says) into <paramref name="set"/>.</summary>
    public static void Read(Stream stream, string display, InputSet set, InputOptions options, InputCollector.Compression compression)
    {
        var reader = new ArchiveReader(display, options);
        try
        {
            Stream compressed = compression == InputCollector.Compression.Gzip && options.Progress is { } progress ? new ProgressStream(stream, consumed => progress(display, consumed)) : stream;
            using Stream source = compression == InputCollector.Compression.Gzip ? new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true) : stream;
            reader.ReadEntries(new TarHeaderTail(source));
            if (compression == InputCollector.Compression.Gzip)
            {
                options.Progress?.Invoke(display, -1);
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            reader.Add(display, new UnreadableInput(display, $"the archive is damaged: {e.Message}"));
        }
        catch (NotSupportedException e)
        {
            reader.Add(display, new UnreadableInput(display, $"entry {reader._entry}: {e.Message} The rest of the archive is not read"));
        }
        catch (OverflowException)
        {
            // System.Formats.Tar parses a header's numbers (size, uid, mtime...) unbounded: a base-256 value too large for the field's type overflows.
            reader.Add(display, new UnreadableInput(display, $"the archive is damaged: entry {reader._entry}'s header holds a number too large for its field"));
        }
        finally
        {
            reader.Flush(set);
        }
    }

    private void ReadEntries(TarHeaderTail tail)
    {
        var tar = new TarReader(tail, leaveOpen: true);
        try
        {
            while (true)
            {
                _entry++;
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
                    Add($"{_archive}:{name}", new UnreadableInput($"{_archive}:{name}", $"entry {_entry}: a GNU sparse entry: not supported (re-create the archive without -S, or with --format=pax -S)"));
                    TarSparse.SkipGnuEntry(tail, gnu.Stored, gnu.Extended);
                    tail.ExpectHeaderHere();
                    tar.Dispose();
                    tar = new TarReader(tail, leaveOpen: true);
                    continue;
                }

                if (entry is null)
                {
                    return;
                }

                tail.ExpectHeaderAfter(entry.Length);
                AddEntry(entry);
            }
        }
        finally
        {
            tar.Dispose();
        }
    }

    private void AddEntry(TarEntry entry)
    {
        string name = Strip(entry.Name);
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
                Add($"{_archive}:{shown}", new UnreadableInput($"{_archive}:{shown}", $"entry {_entry}: {why}"));
                return;
            }

            name = Strip(real.Value.Name);
            length = real.Value.RealSize;
        }

        string path = $"{_archive}:{name}";
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                return;
            case TarEntryType.HardLink:
                AddHardLink(name, path, Strip(entry.LinkName));
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

        CriuFileName? criu = CriuFileName.Parse(FileName(name));
        bool messageName = criu is { Kind: CriuFileKind.KfdImage or CriuFileKind.RenderNode or CriuFileKind.DmaBuf };
        Stream data = entry.DataStream ?? Stream.Null;
        byte[] head;
        byte[]? content = null;
        if (sparse == TarSparse.PaxKind.Version1)
        {
            // Read through the sparse map: never the map's bytes as the file's. Only a message file is
            // read whole; of anything else, the first 8 bytes tell whether it is a contents file or an image.
            bool whole = messageName;
            if (whole && length > _options.MaxMessageBytes)
            {
                Add(path, new UnreadableInput(path, $"holds {length} bytes, more than the {_options.MaxMessageBytes} bytes this tool reads into memory"));
                return;
            }

            try
            {
                byte[] prefix = TarSparse.ReadPrefix(data, entry.Length, length, whole ? (int)length : CriuHeader.Size);
                head = prefix[..Math.Min(CriuHeader.Size, prefix.Length)];
                content = whole ? prefix : null;
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
            {
                Add(path, new UnreadableInput(path, $"entry {_entry}: a PAX sparse entry whose sparse map cannot be read: {e.Message}"));
                return;
            }
        }
        else
        {
            head = new byte[Math.Min(CriuHeader.Size, length)];
            data.ReadExactly(head);
        }

        bool image = head.AsSpan().StartsWith(Preamble.Magic);
        if (image && content is null && sparse == TarSparse.PaxKind.Version1)
        {
            Add(path, new UnreadableInput(path, $"entry {_entry}: a criu-image stored as a PAX sparse entry: not supported (re-create the archive without -S)"));
            return;
        }

        if (criu is null && !image)
        {
            _regular[name] = new EntryData(length, head, null);
            Add(path, new SkippedInput(path, "neither a criu-image nor a CRIU amdgpu file", SkipKind.Other));
            return;
        }

        if ((messageName || image) && content is null)
        {
            if (length > _options.MaxMessageBytes)
            {
                Add(path, new UnreadableInput(path, $"holds {length} bytes, more than the {_options.MaxMessageBytes} bytes this tool reads into memory"));
                return;
            }

            content = new byte[length];
            head.CopyTo(content, 0);
            data.ReadExactly(content.AsSpan(head.Length));
        }

        // Contents files: only the header was read; TarReader seeks past the rest in a plain archive.
        _regular[name] = new EntryData(length, head, content);
        AddFile(name, path, criu, new EntryData(length, head, content));
    }

    private void AddHardLink(string name, string path, string target)
    {
        if (!_regular.TryGetValue(target, out EntryData? data))
        {
            Add(path, new UnreadableInput(path, $"entry {_entry}: a hard link to {target}, which no earlier entry of the archive holds"));
            return;
        }

        CriuFileName? criu = CriuFileName.Parse(FileName(name));
        bool image = data.Head.AsSpan().StartsWith(Preamble.Magic);
        if (criu is null && !image)
        {
            Add(path, new SkippedInput(path, "neither a criu-image nor a CRIU amdgpu file", SkipKind.Other));
            return;
        }

        if ((image || criu is { Kind: CriuFileKind.KfdImage or CriuFileKind.RenderNode or CriuFileKind.DmaBuf }) && data.Content is null)
        {
            Add(path, new UnreadableInput(path, $"entry {_entry}: a hard link to {target}, whose bytes were not kept (only message files are held in memory)"));
            return;
        }

        _regular[name] = data;
        AddFile(name, path, criu, data);
    }

    private void AddFile(string name, string path, CriuFileName? criu, EntryData data)
    {
        string folder = $"{_archive}:{(name.LastIndexOf('/') is int slash and >= 0 ? name[..slash] : "")}";
        bool image = data.Head.AsSpan().StartsWith(Preamble.Magic);
        Add(path, new InputFile { Path = path, Folder = folder, Length = data.Length, CriuName = criu, IsImage = image, Content = data.Content, Head = data.Head, Found = true });
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

    private sealed record EntryData(long Length, byte[] Head, byte[]? Content);
}
