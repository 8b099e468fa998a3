namespace CriuImage.IO;

/// <summary>
/// Every file a run reads, by identity (device and inode, links followed): an input path, and everything
/// below it when it is a folder. An output is checked against all of them before anything is written, so
/// that no spelling of an input (a symbolic or hard link, another path to it) is overwritten by the run
/// that reads it. Elsewhere than Linux, identity is the full path.
/// </summary>
internal sealed class InputIdentities
{
    private readonly Dictionary<(ulong Inode, uint Major, uint Minor), string> _files = [];
    private readonly Dictionary<string, string> _paths = new(StringComparer.Ordinal);
    private readonly HashSet<string> _named = new(StringComparer.Ordinal);

    private InputIdentities()
    {
    }

    /// <summary>The inputs as named on the command line (the others were found below a folder).</summary>
    public IReadOnlySet<string> Named => _named;

    /// <summary>
    /// The identities of <paramref name="inputs"/> and, for folders, of every entry below them; paths that do not
    /// exist are left out. <c>-</c> is the file behind standard input, when that is a file (<c>&lt; x.img</c>).
    /// </summary>
    public static InputIdentities Of(IEnumerable<string> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var identities = new InputIdentities();
        foreach (string input in inputs.Where(i => i is not ""))
        {
            if (input == "-")
            {
                // decode - -o x.img < x.img would replace the file it is reading.
                identities._named.Add(input);
                if (Posix.Supported)
                {
                    identities.Add("/proc/self/fd/0", input);
                }

                continue;
            }

            identities.Add(input);
            identities._named.Add(input);
            if (Directory.Exists(input))
            {
                // Links are not followed into folders, as the input layer does not; a link's target is added by Add.
                var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
                foreach (string entry in Directory.EnumerateFileSystemEntries(input, "*", options))
                {
                    identities.Add(entry);
                }
            }
        }

        return identities;
    }

    /// <summary>The input that writing <paramref name="output"/> would overwrite (as the input was named or found), or null.</summary>
    public string? Overwritten(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (Posix.Supported)
        {
            return Posix.TryStat(output, followLinks: true, out Posix.FileStat stat, out _) && stat.Type == Posix.Regular
                && _files.TryGetValue((stat.Inode, stat.DeviceMajor, stat.DeviceMinor), out string? input) ? input : null;
        }

        return _paths.GetValueOrDefault(Path.GetFullPath(output));
    }

    private void Add(string path, string? name = null)
    {
        if (Posix.Supported)
        {
            // Only regular files: a FIFO or a device is written through, never replaced (OutputFile), so it loses nothing.
            if (Posix.TryStat(path, followLinks: true, out Posix.FileStat stat, out _) && stat.Type == Posix.Regular)
            {
                _files.TryAdd((stat.Inode, stat.DeviceMajor, stat.DeviceMinor), name ?? path);
            }

            return;
        }

        _paths.TryAdd(Path.GetFullPath(path), path);
    }
}
