using System.Formats.Tar;
using System.IO.Compression;

namespace CriuImage.Topology;

/// <summary>
/// Reads a tar (optionally gzip-compressed) of a topology folder, as <c>tar -C /sys/class/kfd/kfd -cf
/// host.tar topology</c> makes it. tar stores members in the order it read the folder, which on the host
/// is CRIU's order, so that order is kept. The root is the folder holding the first <c>nodes</c> folder
/// found; members outside it are ignored. tar pads sysfs files (which claim 4096 bytes) with NUL bytes;
/// trailing NULs are dropped.
/// </summary>
internal static class TarTree
{
    private const long MaxContentBytes = 16 * 1024 * 1024;
    private const int MaxMembers = 200_000;

    /// <summary>True when the file starts like a tar archive or a gzip stream.</summary>
    public static bool LooksLikeArchive(ReadOnlySpan<byte> head) =>
        (head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b) ||
        (head.Length >= 262 && head[257..262].SequenceEqual("ustar"u8));

    public static MemoryTree Read(string path)
    {
        using FileStream file = File.OpenRead(path);
        return Read(file, path);
    }

    /// <summary>Reads the archive in the seekable <paramref name="file"/>; <paramref name="path"/> names it in messages.</summary>
    public static MemoryTree Read(Stream file, string path)
    {
        Span<byte> magic = stackalloc byte[2];
        int got = file.Read(magic);
        file.Position = 0;
        using Stream stream = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true) : file;
        var tree = new MemoryTree(path, "the archive's member order (the order tar read the host's folder)");
        string? prefix = null;
        long content = 0;
        int members = 0;
        try
        {
            // Bounds the metadata headers System.Formats.Tar would allocate for (TarHeaderTail).
            var tail = new Sources.TarHeaderTail(stream);
            using var reader = new TarReader(tail);
            while (reader.GetNextEntry() is { } entry)
            {
                tail.ExpectHeaderAfter(entry.Length);
                if (++members > MaxMembers)
                {
                    throw new TopologyFormatException(path, $"more than {MaxMembers} members: not a topology archive");
                }

                string name = entry.Name.Replace('\\', '/').TrimStart('.', '/');
                prefix ??= RootOf(name);
                if (prefix is null || !name.StartsWith(prefix, StringComparison.Ordinal) || name.Length == prefix.Length)
                {
                    continue;
                }

                string relative = MemoryTree.CheckPath(name[prefix.Length..], $"{path}: member '{entry.Name}'");
                if (entry.EntryType == TarEntryType.Directory)
                {
                    tree.AddFolder(relative);
                }
                else if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                {
                    content += entry.Length;
                    if (content > MaxContentBytes)
                    {
                        throw new TopologyFormatException(path, $"more than {MaxContentBytes} bytes of files: not a topology archive");
                    }

                    var bytes = new byte[entry.Length];
                    entry.DataStream?.ReadExactly(bytes);
                    tree.AddFile(relative, TopologyTree.WithoutTarPadding(bytes), null);
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or NotSupportedException)
        {
            // NotSupportedException: an entry type System.Formats.Tar does not read (GNU sparse 'S'); a topology holds none.
            throw new TopologyFormatException(path, $"not a readable tar archive: {e.Message}");
        }
        catch (OverflowException)
        {
            // System.Formats.Tar parses a header's numbers unbounded: a base-256 value too large for the field's type overflows.
            throw new TopologyFormatException(path, $"not a readable tar archive: member {members + 1}'s header holds a number too large for its field");
        }

        return prefix is null ? throw new TopologyFormatException(path, "the archive holds no 'nodes' folder: not a KFD topology") : tree;
    }

    /// <summary>The member prefix up to and including the '/' before the first <c>nodes</c> component.</summary>
    private static string? RootOf(string name)
    {
        string[] parts = name.Split('/');
        int index = Array.IndexOf(parts, "nodes");
        return index < 0 ? null : string.Concat(parts[..index].Select(p => p + "/"));
    }
}
