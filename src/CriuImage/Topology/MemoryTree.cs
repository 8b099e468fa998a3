namespace CriuImage.Topology;

/// <summary>
/// A topology tree held in memory (from a tar or a host snapshot): each folder lists its children in the
/// order they were added, which is the order of the archive's members or of the snapshot's records.
/// </summary>
internal sealed class MemoryTree : TopologyTree
{
    /// <summary>Longest path accepted (Linux PATH_MAX); it also bounds the depth of folders.</summary>
    private const int MaxPath = 4096;

    private readonly Dictionary<string, List<TreeEntry>> _folders = new(StringComparer.Ordinal) { [""] = [] };
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _unreadable = new(StringComparer.Ordinal);
    private readonly string _origin;
    private string _order;
    private string? _kernelRelease;

    public MemoryTree(string origin, string order)
    {
        _origin = origin;
        _order = order;
    }

    public override string Origin => _origin;

    public override string Order => _order;

    public override string? KernelRelease => _kernelRelease;

    public void SetKernelRelease(string release) => _kernelRelease = release;

    /// <summary>Says where the order comes from, when a snapshot's metadata says more than its reader knew.</summary>
    public void SetOrder(string order) => _order = order;

    /// <summary>Adds a folder (and its parents) unless it is there already.</summary>
    public void AddFolder(string path)
    {
        if (_folders.ContainsKey(path))
        {
            return;
        }

        if (_files.ContainsKey(path) || _unreadable.ContainsKey(path))
        {
            throw new TopologyFormatException(path, "is both a file and a folder");
        }

        (string parent, string name) = Split(path);
        AddFolder(parent);
        _folders[parent].Add(new TreeEntry(name, IsDirectory: true));
        _folders[path] = [];
    }

    /// <summary>Adds a file with its content, or as unreadable when <paramref name="content"/> is null.</summary>
    public void AddFile(string path, byte[]? content, string? problem)
    {
        if (_files.ContainsKey(path) || _unreadable.ContainsKey(path) || _folders.ContainsKey(path))
        {
            throw new TopologyFormatException(path, "appears twice");
        }

        (string parent, string name) = Split(path);
        AddFolder(parent);
        _folders[parent].Add(new TreeEntry(name, IsDirectory: false));
        if (content is null)
        {
            _unreadable[path] = problem ?? "cannot be read";
        }
        else
        {
            _files[path] = content;
        }
    }

    public override IReadOnlyList<TreeEntry>? List(string folder) => _folders.GetValueOrDefault(folder);

    public override byte[]? Read(string file, out string? problem)
    {
        if (_files.TryGetValue(file, out byte[]? content))
        {
            problem = null;
            return content;
        }

        problem = _unreadable.GetValueOrDefault(file) ?? "no such file";
        return null;
    }

    /// <summary>Checks a relative path from an archive or snapshot: no root, no empty, '.' or '..' parts.</summary>
    public static string CheckPath(string path, string where)
    {
        string trimmed = path.TrimEnd('/');
        if (trimmed.Length is 0 or > MaxPath || trimmed.StartsWith('/') || trimmed.Split('/').Any(p => p is "" or "." or ".."))
        {
            throw new TopologyFormatException(where, $"the path '{(path.Length > 80 ? path[..80] + "..." : path)}' is not a plain relative path of at most {MaxPath} characters");
        }

        return trimmed;
    }

    private static (string Parent, string Name) Split(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash < 0 ? ("", path) : (path[..slash], path[(slash + 1)..]);
    }
}
