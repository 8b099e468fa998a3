namespace CriuImage.Topology;

/// <summary>
/// A topology folder on disk. On a live sysfs the entries are taken in the order the file system gives
/// them, which is the order CRIU meets; on a copy the order of the host it came from is rebuilt with
/// <see cref="KernfsOrder"/>, since an ordinary file system lists entries in an order of its own.
/// </summary>
internal sealed class FolderTree : TopologyTree
{
    /// <summary>Largest file read: sysfs attributes are at most a page.</summary>
    private const int MaxFileBytes = 64 * 1024;

    private readonly string _root;
    private readonly bool _kernfsOrder;

    public FolderTree(string root, bool kernfsOrder)
    {
        _root = root;
        _kernfsOrder = kernfsOrder;
    }

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
            return buffer[..total];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message;
            return null;
        }
    }
}
