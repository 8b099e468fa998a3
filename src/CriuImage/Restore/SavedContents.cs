using CriuImage.Criu;

namespace CriuImage.Restore;

/// <summary>Where a BO's saved contents are in a dump: a contents file and the byte its copy starts at.</summary>
/// <param name="Pages">The contents file's name.</param>
/// <param name="Offset">The byte of the file the BO's contents start at.</param>
internal readonly record struct SavedContents(string Pages, ulong Offset)
{
    private const int Chunk = 64 << 10;

    /// <summary>
    /// Whether two saved copies of <paramref name="length"/> bytes hold the same bytes: null when either file is not in
    /// <paramref name="dump"/>, cannot be read again (inside an archive only its first bytes were kept), or is too short.
    /// Read a chunk at a time, so memory does not grow with the BO.
    /// </summary>
    public static bool? Same(CriuDump dump, SavedContents a, SavedContents b, ulong length)
    {
        using Stream? left = Open(dump, a, length);
        using Stream? right = Open(dump, b, length);
        if (left is null || right is null)
        {
            return null;
        }

        byte[] x = new byte[Chunk];
        byte[] y = new byte[Chunk];
        for (ulong done = 0; done < length;)
        {
            int n = (int)Math.Min((ulong)Chunk, length - done);
            left.ReadExactly(x, 0, n);
            right.ReadExactly(y, 0, n);
            if (!x.AsSpan(0, n).SequenceEqual(y.AsSpan(0, n)))
            {
                return false;
            }

            done += (ulong)n;
        }

        return true;
    }

    private static Stream? Open(CriuDump dump, SavedContents at, ulong length)
    {
        CriuDumpFile? file = dump.Files.FirstOrDefault(f => f.FileName == at.Pages);
        if (file is null || (ulong)file.Input.Length < at.Offset + length)
        {
            return null;
        }

        Stream? stream = file.Input.Content is { } content ? new MemoryStream(content, writable: false)
            : file.Input.ReadPath is { } disk ? new FileStream(disk, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan)
            : null;
        if (stream is null || stream.Length < (long)(at.Offset + length))
        {
            // Changed on disk since it was collected: nothing is said of it.
            stream?.Dispose();
            return null;
        }

        stream.Position = (long)at.Offset;
        return stream;
    }
}
