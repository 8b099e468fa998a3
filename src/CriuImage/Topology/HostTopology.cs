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
    /// apply: a file CRIU would refuse ends in <see cref="TopologyFormatException"/> with
    /// <see cref="TopologyFormatException.CriuRefuses"/>; an input that is no topology at all (no <c>nodes</c>
    /// folder) in one without.
    /// </summary>
    public static KfdTopology Load(string path, bool diskOrder = false)
    {
        if (path == "-")
        {
            // A topology is read twice (its head, then all of it), which a stream cannot be; "-" is no file's name here.
            throw new TopologyFormatException(path, "standard input is not read as a host: give the topology folder, its tar or a host snapshot as a file");
        }

        if (Input.InputPaths.Problem(path) is { } problem)
        {
            throw new IOException(problem);
        }

        TopologyTree tree;
        if (Directory.Exists(path))
        {
            RequireNodes(path);
            tree = new FolderTree(path, IsLive(path), diskOrder);
        }
        else
        {
            tree = OpenFile(path);
        }

        return TopologyParser.Parse(tree);
    }

    /// <summary>A folder under <c>/sys</c> is the live topology: the kernel's order and content, as CRIU reads them.</summary>
    public static bool IsLive(string folder) => Path.GetFullPath(folder).StartsWith("/sys/", StringComparison.Ordinal);

    /// <summary>
    /// Refuses, as a wrong input, a folder that is not a topology: no <c>nodes</c> folder (the parent
    /// <c>/sys/class/kfd/kfd</c>, <c>nodes</c> itself, a dump folder, an empty folder). The live topology always
    /// has one, so this is never what CRIU would meet on a host.
    /// </summary>
    internal static void RequireNodes(string folder)
    {
        if (Directory.Exists(folder) && Input.InputPaths.Problem(folder) is { } refused)
        {
            // A folder given through a descriptor (/dev/stdin < /sys/class/kfd/kfd/topology), refused as every command refuses it.
            throw new TopologyFormatException(folder, refused);
        }

        if (!Directory.Exists(folder))
        {
            string hint = Path.GetFullPath(folder).TrimEnd('/') == SysfsPath ? ": is the amdgpu driver loaded?" : "";
            int errno = IO.Posix.Enoent;
            bool missing = folder != "-" && !File.Exists(folder) && (!IO.Posix.Supported || !IO.Posix.TryStat(folder, followLinks: true, out _, out errno)) && errno == IO.Posix.Enoent;
            throw new TopologyFormatException(folder, missing ? $"no such folder{hint}" : Input.InputPaths.Problem(folder) ?? "not a folder: a topology folder is read here");
        }

        if (!Directory.Exists(Path.Combine(folder, "nodes")))
        {
            string hint = Directory.Exists(Path.Combine(folder, "topology", "nodes")) ? " (its 'topology' folder is one)"
                : Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))) == "nodes" ? " (give the folder above 'nodes')"
                : "";
            throw new TopologyFormatException(folder, $"has no 'nodes' folder: not a KFD topology{hint}");
        }
    }

    private static TopologyTree OpenFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException("no such file or folder", path);
        }

        if (IO.StreamPaths.IsStream(path))
        {
            // Read twice below (its head, then all of it): a FIFO would block or come back empty.
            throw new TopologyFormatException(path, "a FIFO or device, not a file: give the topology folder, its tar or a host snapshot");
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

        if (head.AsSpan().StartsWith(HostSnapshot.MagicPrefix))
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
