using System.Formats.Tar;
using CriuImage.Input;

namespace CriuImage.Topology;

/// <summary>
/// Reads a tar (plain, gzip or zstd, told by the input layer's detector) of a topology folder, as <c>tar -C /sys/class/kfd/kfd -cf
/// host.tar topology</c> makes it. tar stores members in the order it read the folder, which on the host
/// is CRIU's order, so that order is kept. The root is the folder holding the first <c>nodes</c> folder
/// found; members outside it are ignored. tar pads sysfs files (which claim 4096 bytes) with NUL bytes;
/// trailing NULs are dropped.
/// </summary>
internal static class TarTree
{
    private const long MaxContentBytes = 16 * 1024 * 1024;
    private const int MaxMembers = 200_000;

    /// <summary>True when the file starts like a tar archive or a gzip or zstd stream.</summary>
    public static bool LooksLikeArchive(ReadOnlySpan<byte> head) => Containers.IsContainer(head);

    public static MemoryTree Read(string path)
    {
        using FileStream file = File.OpenRead(path);
        var tree = new MemoryTree(path, "the archive's member order (the order tar read the host's folder)");
        string? prefix = null;
        long content = 0;
        int members = 0;
        try
        {
            using Stream stream = Compressions.Decode(file, new InputOptions { MaxEntries = MaxMembers, MaxDecompressedBytes = MaxContentBytes * 64 });

            // Bounds the metadata headers System.Formats.Tar would allocate for (TarHeaderTail).
            var tail = new TarHeaderTail(stream);
            using var reader = new TarReader(tail, leaveOpen: true);
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

                if (EntryNames.Leaves(entry.Name.Replace('\\', '/')))
                {
                    throw new TopologyFormatException(path, $"member '{entry.Name}' leaves the archive (an absolute path or '..'): refused");
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

            // The tar reader stops at the end-of-archive blocks: a gzip trailer or zstd checksum comes after.
            stream.CopyTo(Stream.Null);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or NotSupportedException)
        {
            // NotSupportedException: an entry type System.Formats.Tar does not read (GNU sparse 'S'); a topology holds none.
            throw new TopologyFormatException(path, $"not a readable tar archive: {ArchiveDamage.Reason(e)}");
        }
        catch (Exception e) when (e is OverflowException or ArgumentOutOfRangeException)
        {
            // System.Formats.Tar parses a header's numbers unbounded: a base-256 value too large for the field's type overflows, and an mtime
            // past DateTimeOffset's range throws ArgumentOutOfRangeException.
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
