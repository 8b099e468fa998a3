namespace CriuImage.Input;

/// <summary>The names an archive or image may give its entries: relative, and never leaving it.</summary>
internal static class EntryNames
{
    /// <summary>True when <paramref name="name"/> is absolute or climbs out with <c>..</c>: such an entry is refused, as containerd's validateCheckpointTarPath refuses it.</summary>
    public static bool Leaves(string name) =>
        name.StartsWith('/') || name.Split('/').Contains("..", StringComparer.Ordinal);

    /// <summary>True when a symbolic link named <paramref name="name"/> pointing to <paramref name="target"/> points outside the archive.</summary>
    public static bool LinkLeaves(string name, string target)
    {
        if (target.StartsWith('/'))
        {
            return true;
        }

        int depth = name.Split('/', StringSplitOptions.RemoveEmptyEntries).Length - 1;
        foreach (string part in target.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            depth += part switch { ".." => -1, "." => 0, _ => 1 };
            if (depth < 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The folder and own name of a file the input layer named <paramref name="path"/>, as its <see cref="InputFile.Folder"/>
    /// and <see cref="InputFile.Name"/> say them: an entry at an archive's root (<c>x.tar:NAME</c>, the archive's
    /// prefix and no folder after it) sits in the archive itself, <c>x.tar</c>; anything else in the folder of its path.
    /// For what is not read (<see cref="UnreadableInput"/>, <see cref="SkippedInput"/>), which carries only its path.
    /// </summary>
    public static (string Folder, string Name) FolderAndName(string path)
    {
        int colon = path.LastIndexOf(':');
        return colon > path.LastIndexOf('/') ? (path[..colon], path[(colon + 1)..]) : (Path.GetDirectoryName(path) ?? "", Path.GetFileName(path));
    }
}
