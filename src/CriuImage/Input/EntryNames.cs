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
}
