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

    /// <summary>
    /// A sysfs attribute as a copy holds it, without the NUL bytes tar pads it with: sysfs files claim 4096
    /// bytes, GNU tar stores that many and pads the shortfall with NULs ("File shrank by N bytes; padding
    /// with zeros"), and <c>tar x</c> writes the padding out. The live file CRIU reads has none.
    /// </summary>
    public static byte[] WithoutTarPadding(ReadOnlySpan<byte> content) => content.TrimEnd((byte)0).ToArray();

    /// <summary>
    /// Whether a reason a file could not be read is a refusal of access (EPERM or EACCES): what the kernel
    /// answers for a GPU node's <c>gpu_id</c>, <c>name</c> and <c>properties</c> when the reader's device
    /// cgroup lacks that GPU's render node (kfd_topology.c <c>node_show</c>, <c>kfd_devcgroup_check_permission</c>).
    /// </summary>
    public static bool IsDenied(string? problem) =>
        problem is not null && (problem.Contains("not permitted", StringComparison.OrdinalIgnoreCase)
            || problem.Contains("denied", StringComparison.OrdinalIgnoreCase)
            || problem.Contains("EPERM", StringComparison.Ordinal)
            || problem.Contains("EACCES", StringComparison.Ordinal));

    /// <summary>Joins two relative paths.</summary>
    public static string Join(string folder, string name) => folder.Length == 0 ? name : $"{folder}/{name}";
}
