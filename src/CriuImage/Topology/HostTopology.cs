namespace CriuImage.Topology;

/// <summary>
/// Loads a host's KFD topology exactly as CRIU's amdgpu plugin would read it at restore, from a folder laid
/// out like <c>/sys/class/kfd/kfd/topology</c>, a tar of it, or a host snapshot (<see cref="HostSnapshot"/>).
/// </summary>
public static class HostTopology
{
    /// <summary>Where the kernel publishes the topology.</summary>
    public const string SysfsPath = "/sys/class/kfd/kfd/topology";

    /// <summary>
    /// Reads the topology at <paramref name="path"/>. A folder under <c>/sys</c> is read in the order the
    /// kernel lists it; any other folder in kernfs order rebuilt from the names (<see cref="KernfsOrder"/>),
    /// unless <paramref name="diskOrder"/> asks for the order the file system gives. CRIU's parsing rules
    /// apply: a file CRIU would refuse ends in <see cref="TopologyFormatException"/>.
    /// </summary>
    public static KfdTopology Load(string path, bool diskOrder = false)
    {
        TopologyTree tree;
        if (Directory.Exists(path))
        {
            bool live = Path.GetFullPath(path).StartsWith("/sys/", StringComparison.Ordinal);
            tree = new FolderTree(path, kernfsOrder: !live && !diskOrder);
        }
        else
        {
            tree = OpenFile(path);
        }

        return TopologyParser.Parse(tree);
    }

    private static TopologyTree OpenFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException("no such file or folder", path);
        }

        byte[] head = new byte[Math.Min(info.Length, 512)];
        using (FileStream stream = File.OpenRead(path))
        {
            stream.ReadExactly(head);
        }

        if (TarTree.LooksLikeArchive(head))
        {
            return TarTree.Read(path);
        }

        if (head.AsSpan().StartsWith(System.Text.Encoding.UTF8.GetBytes(HostSnapshot.Magic)))
        {
            if (info.Length > HostSnapshot.MaxBytes)
            {
                throw new TopologyFormatException(path, $"a snapshot larger than {HostSnapshot.MaxBytes} bytes");
            }

            return HostSnapshot.Read(File.ReadAllBytes(path), path);
        }

        throw new TopologyFormatException(path, "neither a topology folder, a tar of one, nor a host snapshot");
    }
}
