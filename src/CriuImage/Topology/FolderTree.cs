namespace CriuImage.Topology;

/// <summary>
/// A topology folder on disk. On a live sysfs the entries are taken in the order the file system gives
/// them, which is the order CRIU meets, and files as they read. On a copy the order of the host it came
/// from is rebuilt with <see cref="KernfsOrder"/> (an ordinary file system lists entries in an order of its
/// own) unless the file system's order is asked for, and files lose the NUL padding a copy made through tar
/// carries (<see cref="TopologyTree.WithoutTarPadding"/>), as a tar of the folder does.
/// </summary>
internal sealed class FolderTree : TopologyTree
{
    /// <summary>Largest file read: sysfs attributes are at most a page.</summary>
    private const int MaxFileBytes = 64 * 1024;

    private readonly string _root;
    private readonly bool _live;
    private readonly bool _kernfsOrder;

    /// <summary>Reads <paramref name="root"/>: the live sysfs when <paramref name="live"/>, else a copy (in kernfs order unless <paramref name="diskOrder"/>).</summary>
    public FolderTree(string root, bool live, bool diskOrder = false)
    {
        _root = root;
        _live = live;
        _kernfsOrder = !live && !diskOrder;
    }

    /// <summary>The reason recorded for a file the reader may not read.</summary>
    public const string DeniedReason = "access denied (EPERM or EACCES)";

    public override string Origin => _root;

    public override string Order => _kernfsOrder ? "kernfs order rebuilt from the names" : "readdir order";

    public override IReadOnlyList<TreeEntry>? List(string folder)
    {
        string path = Path.Combine(_root, folder);
        if (!Directory.Exists(path))
        {
            return null;
        }

        var entries = new List<TreeEntry>();
        foreach (string entry in Directory.EnumerateFileSystemEntries(path))
        {
            entries.Add(new TreeEntry(Path.GetFileName(entry), Directory.Exists(entry)));
        }

        if (_kernfsOrder)
        {
            Dictionary<string, TreeEntry> byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
            return [.. KernfsOrder.Sort(byName.Keys).Select(n => byName[n])];
        }

        return entries;
    }

    public override byte[]? Read(string file, out string? problem)
    {
        string path = Path.Combine(_root, file);
        if (IO.StreamPaths.IsStream(path))
        {
            // A FIFO would block the open until a writer came (for ever); sysfs has none, so the copy is what is
            // wrong: an input that cannot be read, not a host CRIU would refuse.
            throw new TopologyFormatException(path, "not a regular file (a FIFO, socket or device): not opened; sysfs holds only files and folders");
        }

        try
        {
            using FileStream stream = File.OpenRead(path);
            var buffer = new byte[MaxFileBytes];
            int total = 0;
            int read;
            while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += read;
            }

            problem = null;
            return _live ? buffer[..total] : WithoutTarPadding(buffer.AsSpan(0, total));
        }
        catch (UnauthorizedAccessException)
        {
            // .NET gives EPERM (what the kernel answers for a GPU the device cgroup hides), EACCES and a
            // folder opened as a file (EISDIR on read for CRIU) alike; only the first two are a refusal.
            problem = Directory.Exists(path) ? "is a folder (EISDIR)" : DeniedReason;
            return null;
        }
        catch (IOException e)
        {
            problem = e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message;
            return null;
        }
    }
}
