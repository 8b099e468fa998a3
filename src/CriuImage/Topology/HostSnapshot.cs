using System.Globalization;
using System.Text;

namespace CriuImage.Topology;

/// <summary>
/// The host snapshot: one text file holding what CRIU reads of <c>/sys/class/kfd/kfd/topology</c>, in the
/// order the host listed it, with the host's kernel release. Specified in docs/host-check.md ("The host
/// snapshot"): a first line <c>criu-image host snapshot 1</c>; records <c>@ KEY VALUE</c> (metadata),
/// <c>d PATH</c> (a folder), <c>f PATH LENGTH</c> followed by exactly LENGTH bytes of content and a newline,
/// <c>! PATH REASON</c> (a file the host refused to read); a last line <c>end</c>. A folder's entries are
/// listed in the order their records appear.
/// </summary>
public static class HostSnapshot
{
    /// <summary>The first line of every snapshot.</summary>
    public const string Magic = "criu-image host snapshot 1";

    /// <summary>The first line of a snapshot of any format, before its version.</summary>
    internal static ReadOnlySpan<byte> MagicPrefix => "criu-image host snapshot "u8;

    /// <summary>Largest snapshot read: a 64-node host takes well under 1 MiB.</summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    /// <summary>The <c>@ order</c> value of a snapshot of a copy, whose order was rebuilt from the names.</summary>
    private const string RebuiltOrder = "kernfs-rebuilt";

    /// <summary>Largest file content accepted in a snapshot.</summary>
    private const int MaxFileBytes = 64 * 1024;

    /// <summary>
    /// Writes a snapshot of the topology folder <paramref name="topologyFolder"/> (normally
    /// <c>/sys/class/kfd/kfd/topology</c>): <c>generation_id</c>, <c>system_properties</c>, and for each node
    /// <c>gpu_id</c>, <c>name</c>, <c>properties</c>, <c>io_links/*/properties</c> and
    /// <c>mem_banks/*/properties</c> (caches, perf and p2p_links are not read by CRIU and are left out).
    /// The live folder (under <c>/sys</c>) is taken in the order the kernel lists it; a copy is read as
    /// <see cref="HostTopology.Load"/> reads one, in kernfs order rebuilt from the names and without tar's NUL
    /// padding, and says so (<c>@ order kernfs-rebuilt</c>). <paramref name="kernelRelease"/> is recorded when
    /// given: the caller's own kernel belongs only in a snapshot of the live folder.
    /// </summary>
    public static void Write(string topologyFolder, Stream output, string? kernelRelease)
    {
        HostTopology.RequireNodes(topologyFolder);
        bool live = HostTopology.IsLive(topologyFolder);
        var tree = new FolderTree(topologyFolder, live);
        var text = new MemoryStream();
        WriteLine(text, Magic);
        if (kernelRelease is not null)
        {
            WriteLine(text, $"@ kernel-release {kernelRelease.Trim()}");
        }

        if (!live)
        {
            WriteLine(text, $"@ order {RebuiltOrder}");
        }

        // A folder's name may hold a newline, which would end the record and start a forged one.
        WriteLine(text, $"@ source {Format.Quote.Line(Path.GetFullPath(topologyFolder))}");
        WriteFiles(tree, "", ["generation_id", "system_properties"], text);
        WriteFolder(tree, "nodes", text, (nodes, node) =>
        {
            if (node.IsDirectory)
            {
                string n = TopologyTree.Join(nodes, node.Name);
                WriteLine(text, $"d {n}");
                WriteFiles(tree, n, ["gpu_id", "name", "properties"], text);
                foreach (string sub in new[] { "io_links", "mem_banks" })
                {
                    WriteFolder(tree, TopologyTree.Join(n, sub), text, (folder, entry) =>
                    {
                        if (entry.IsDirectory)
                        {
                            string e = TopologyTree.Join(folder, entry.Name);
                            WriteLine(text, $"d {e}");
                            WriteFiles(tree, e, ["properties"], text);
                        }
                    });
                }
            }
        });
        WriteLine(text, "end");
        text.Position = 0;
        text.CopyTo(output);
    }

    /// <summary>Reads a snapshot; a damaged one ends in <see cref="TopologyFormatException"/> naming the line.</summary>
    internal static MemoryTree Read(byte[] bytes, string origin)
    {
        var tree = new MemoryTree(origin, "the snapshot's recorded order (the host's readdir)");
        int position = 0;
        int line = 1;
        string first = NextLine(bytes, ref position, origin, line);
        if (first != Magic)
        {
            string prefix = Encoding.UTF8.GetString(MagicPrefix);
            throw new TopologyFormatException(origin, first.StartsWith(prefix, StringComparison.Ordinal)
                ? $"line 1: snapshot format {Shorten(first[prefix.Length..])} is not supported (this criu-image reads format 1)"
                : $"line 1: not a host snapshot (expected '{Magic}')");
        }

        while (true)
        {
            line++;
            string where = $"{origin}:{line}";
            string record = NextLine(bytes, ref position, origin, line);
            if (record == "end")
            {
                if (position != bytes.Length)
                {
                    throw new TopologyFormatException(where, "bytes after 'end'");
                }

                return tree;
            }

            string[] parts = record.Split(' ', 3);
            switch (parts[0])
            {
                case "@" when parts.Length == 3:
                    if (parts[1] == "kernel-release")
                    {
                        tree.SetKernelRelease(parts[2]);
                    }
                    else if (parts[1] == "order" && parts[2] == RebuiltOrder)
                    {
                        tree.SetOrder("the snapshot's recorded order (kernfs order rebuilt from the names of a copy)");
                    }

                    break;
                case "d" when parts.Length == 2:
                    tree.AddFolder(MemoryTree.CheckPath(parts[1], where));
                    break;
                case "!" when parts.Length == 3:
                    tree.AddFile(MemoryTree.CheckPath(parts[1], where), null, parts[2]);
                    break;
                case "f" when parts.Length == 3:
                    if (!int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int length) || length > MaxFileBytes)
                    {
                        throw new TopologyFormatException(where, $"file length '{parts[2]}' is not a number up to {MaxFileBytes}");
                    }

                    if (bytes.Length - position < length + 1 || bytes[position + length] != (byte)'\n')
                    {
                        throw new TopologyFormatException(where, $"the snapshot ends inside the {length} bytes of {parts[1]}, or they are not followed by a newline");
                    }

                    tree.AddFile(MemoryTree.CheckPath(parts[1], where), bytes[position..(position + length)], null);
                    line += bytes.AsSpan(position, length).Count((byte)'\n') + 1;
                    position += length + 1;
                    break;
                default:
                    throw new TopologyFormatException(where, $"unknown record '{Shorten(record)}' (expected '@', 'd', 'f', '!' or 'end')");
            }
        }
    }

    private static void WriteFolder(FolderTree tree, string folder, MemoryStream text, Action<string, TreeEntry> each)
    {
        IReadOnlyList<TreeEntry>? entries = tree.List(folder);
        if (entries is null)
        {
            return;
        }

        WriteLine(text, $"d {folder}");
        foreach (TreeEntry entry in entries)
        {
            each(folder, entry);
        }
    }

    private static void WriteFiles(FolderTree tree, string folder, string[] names, MemoryStream text)
    {
        IReadOnlyList<TreeEntry> entries = tree.List(folder) ?? [];
        foreach (TreeEntry entry in entries.Where(e => !e.IsDirectory && names.Contains(e.Name)))
        {
            string path = TopologyTree.Join(folder, entry.Name);
            byte[]? content = tree.Read(path, out string? problem);
            if (content is null)
            {
                WriteLine(text, $"! {path} {problem}");
            }
            else
            {
                WriteLine(text, $"f {path} {content.Length.ToString(CultureInfo.InvariantCulture)}");
                text.Write(content);
                text.WriteByte((byte)'\n');
            }
        }
    }

    private static void WriteLine(MemoryStream text, string line)
    {
        text.Write(Encoding.UTF8.GetBytes(line));
        text.WriteByte((byte)'\n');
    }

    private static string NextLine(byte[] bytes, ref int position, string origin, int line)
    {
        int end = Array.IndexOf(bytes, (byte)'\n', position);
        if (end < 0)
        {
            throw new TopologyFormatException($"{origin}:{line}", "the snapshot is truncated (no 'end' line)");
        }

        string text = Encoding.UTF8.GetString(bytes, position, end - position);
        position = end + 1;
        return text;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
