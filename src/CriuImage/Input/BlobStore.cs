namespace CriuImage.Input;

/// <summary>The files of an OCI image layout, wherever they are: a folder, or the entries of an oci-archive.</summary>
internal abstract class BlobStore
{
    /// <summary>Opens the file at <paramref name="name"/> (relative to the layout's root, with '/'), or null when there is none (<paramref name="problem"/> says why).</summary>
    public abstract Stream? Open(string name, out long length, out string? problem);
}

/// <summary>An OCI image layout folder. A link is never followed: skopeo, podman and containerd write regular files.</summary>
internal sealed class FolderBlobs(string root) : BlobStore
{
    public override Stream? Open(string name, out long length, out string? problem)
    {
        length = 0;
        var info = new FileInfo(Path.Combine(root, name));
        if (!info.Exists)
        {
            problem = "missing";
            return null;
        }

        if (info.LinkTarget is { } target)
        {
            problem = $"a symbolic link (to {target}): not followed in an OCI layout";
            return null;
        }

        length = info.Length;
        problem = null;
        return new FileStream(info.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
    }
}

/// <summary>The regular entries of a seekable, uncompressed oci-archive, each read in place.</summary>
internal sealed class TarBlobs(Stream archive, IReadOnlyDictionary<string, (long Offset, long Length)> entries) : BlobStore
{
    public override Stream? Open(string name, out long length, out string? problem)
    {
        if (!entries.TryGetValue(name, out (long Offset, long Length) entry))
        {
            length = 0;
            problem = "missing";
            return null;
        }

        length = entry.Length;
        problem = null;
        return new SliceStream(archive, entry.Offset, entry.Length);
    }
}
