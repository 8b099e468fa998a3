namespace CriuImage.Input;

/// <summary>
/// Archives found while searching a folder (the kubelet's <c>/var/lib/kubelet/checkpoints/</c> with its
/// <c>checkpoint-*.tar</c>, a folder of Podman exports): each is opened and its files named
/// <c>FOLDER/ARCHIVE:PATH</c>, so each checkpoint is reported under its own name, as a pod checkpoint's
/// containers are. CRIU's own files are never taken for archives (a <c>pages-N.img</c> may hold any bytes;
/// <c>tmpfs-dev-N.tar.gz.img</c> is a gzip tar CRIU restores itself), nor are the container files engines
/// store beside a dump.
/// </summary>
internal static class FolderArchives
{
    /// <summary>
    /// Reads <paramref name="stream"/> (at its start, a file found at <paramref name="path"/> in the folder
    /// <paramref name="folder"/>) as an archive when its first bytes say it is one and its name allows;
    /// true when it was taken (read, or said unreadable or skipped), false when it is an ordinary file.
    /// </summary>
    public static bool TryRead(Stream stream, string path, string folder, string name, InputSet set, InputOptions options)
    {
        if (name.EndsWith(".img", StringComparison.Ordinal))
        {
            return false;
        }

        byte[] head = new byte[Containers.PeekBytes];
        int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = 0;
        if (!Containers.IsContainer(head.AsSpan(0, n)))
        {
            return false;
        }

        if ((Containers.PayloadReason(name) ?? Containers.PayloadReason($"{Path.GetFileName(folder)}/{name}")) is { } reason)
        {
            set.Skipped.Add(new SkippedInput(path, reason, SkipKind.Other));
            return true;
        }

        Containers.Read(stream, path, set, options, InputContext.Top(options));
        return true;
    }
}
