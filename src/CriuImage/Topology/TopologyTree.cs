namespace CriuImage.Topology;

/// <summary>An entry of a topology folder: its name and whether it is a folder.</summary>
/// <param name="Name">The entry's name.</param>
/// <param name="IsDirectory">True for a folder.</param>
internal readonly record struct TreeEntry(string Name, bool IsDirectory);

/// <summary>
/// A read-only tree laid out like <c>/sys/class/kfd/kfd/topology</c>, wherever it comes from (a folder, a
/// tar of it, a host snapshot), listing each folder in the order CRIU's <c>readdir</c> would meet it.
/// Paths are relative to the topology root and use '/'.
/// </summary>
internal abstract class TopologyTree
{
    /// <summary>Where the tree comes from, for messages.</summary>
    public abstract string Origin { get; }

    /// <summary>Where the order of the entries comes from, for messages.</summary>
    public abstract string Order { get; }

    /// <summary>The kernel release recorded with the tree, if any.</summary>
    public virtual string? KernelRelease => null;

    /// <summary>The entries of a folder in order, or null when there is no such folder.</summary>
    public abstract IReadOnlyList<TreeEntry>? List(string folder);

    /// <summary>
    /// The content of a file; null when there is no such file or it cannot be read (<paramref name="problem"/>
    /// says why, as a host would: a GPU hidden by the device cgroup gives "Operation not permitted").
    /// </summary>
    public abstract byte[]? Read(string file, out string? problem);

    /// <summary>Joins two relative paths.</summary>
    public static string Join(string folder, string name) => folder.Length == 0 ? name : $"{folder}/{name}";
}
