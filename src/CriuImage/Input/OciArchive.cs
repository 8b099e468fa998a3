using System.Formats.Tar;
using System.Text;

namespace CriuImage.Input;

/// <summary>
/// An oci-archive: a tar of an OCI image layout (<c>podman save --format oci-archive</c>, <c>skopeo copy ...
/// oci-archive:</c>, containerd's export). Their writers sort the names, so <c>blobs/</c> comes first and
/// <c>index.json</c> after the blobs: the archive is read in place when it is a seekable plain file (its
/// entries listed first, by seeking past their data), and otherwise copied to a temporary file of the
/// user's own (mode 0600, deleted on close) first.
/// </summary>
internal static class OciArchive
{
    private const int NameField = 100;
    private const int PrefixOffset = 345;
    private const int PrefixField = 155;

    /// <summary>True when the first tar header in <paramref name="head"/> names an OCI layout's file.</summary>
    public static bool Starts(ReadOnlySpan<byte> head)
    {
        if (head.Length < Containers.PeekBytes)
        {
            return false;
        }

        string name = Field(head[..NameField]);
        string prefix = Field(head.Slice(PrefixOffset, PrefixField));
        string full = prefix.Length > 0 ? $"{prefix}/{name}" : name;
        full = full.StartsWith("./", StringComparison.Ordinal) ? full[2..] : full;
        return full is "blobs" or "blobs/" or OciLayout.LayoutFile or "index.json" || full.StartsWith("blobs/", StringComparison.Ordinal);
    }

    /// <summary>Reads the oci-archive in <paramref name="stream"/>.</summary>
    public static bool Read(Stream stream, string display, string prefix, InputSet set, InputOptions options, InputContext context) =>
        Read(stream, display, prefix, set, options, context, new ArtifactSeed(display, "oci-archive"));

    /// <summary>Reads the oci-archive in <paramref name="stream"/> as the artifact <paramref name="seed"/> names.</summary>
    public static bool Read(Stream stream, string display, string prefix, InputSet set, InputOptions options, InputContext context, ArtifactSeed seed)
    {
        if (stream.CanSeek)
        {
            return ReadInPlace(stream, display, prefix, set, options, context, seed);
        }

        string spool = Path.Combine(Path.GetTempPath(), $"criu-image-{Guid.NewGuid():N}.tar");
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Options = FileOptions.DeleteOnClose };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var copy = new FileStream(spool, create);
        byte[] buffer = new byte[1 << 16];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            if (!context.Budget.TakeBytes(n))
            {
                set.Unreadable.Add(new UnreadableInput(display, $"an oci-archive of more than {context.Budget.MaxBytes} bytes on a stream: refused"));
                return false;
            }

            copy.Write(buffer, 0, n);
        }

        copy.Position = 0;
        return ReadInPlace(copy, display, prefix, set, options, context, seed);
    }

    private static bool ReadInPlace(Stream stream, string display, string prefix, InputSet set, InputOptions options, InputContext context, ArtifactSeed seed)
    {
        long start = stream.Position;
        var entries = new Dictionary<string, (long Offset, long Length)>(StringComparer.Ordinal);
        try
        {
            using var tar = new TarReader(stream, leaveOpen: true);
            int count = 0;
            while (tar.GetNextEntry(copyData: false) is { } entry)
            {
                if (++count > options.MaxEntries || !context.Budget.TakeEntry())
                {
                    set.Unreadable.Add(new UnreadableInput(display, $"more than {options.MaxEntries} entries: refused (an archive bomb, or not an image)"));
                    return false;
                }

                string name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                if (EntryNames.Leaves(name))
                {
                    set.Unreadable.Add(new UnreadableInput($"{display}:{name}", $"entry {count}: the name leaves the archive (an absolute path or '..'): refused"));
                    return false;
                }

                if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && !entries.TryAdd(name, (entry.DataOffset, entry.Length)))
                {
                    set.Unreadable.Add(new UnreadableInput($"{display}:{name}", $"entry {count}: a second entry of the same name: an image layout names each blob once, refused"));
                    return false;
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or NotSupportedException)
        {
            set.Unreadable.Add(new UnreadableInput(display, $"the archive is damaged: {ArchiveDamage.Reason(e)}"));
            return false;
        }
        catch (Exception e) when (e is OverflowException or ArgumentOutOfRangeException)
        {
            // System.Formats.Tar parses a header's numbers unbounded (a base-256 size or mtime past its type's range).
            set.Unreadable.Add(new UnreadableInput(display, $"the archive is damaged: an entry's header holds a number too large for its field"));
            return false;
        }

        stream.Position = start;
        return OciLayout.Read(new TarBlobs(stream, entries), display, prefix, set, options, context, seed);
    }

    private static string Field(ReadOnlySpan<byte> field)
    {
        int nul = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul >= 0 ? field[..nul] : field);
    }
}
