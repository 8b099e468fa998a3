using CriuImage.Format;

namespace CriuImage.Verification;

/// <summary>Finds the images named on the command line and verifies them in parallel, reporting in a stable order.</summary>
public static class Verifier
{
    /// <summary>
    /// Expands folders (recursively, files that start with the image magic, sorted by path) and keeps
    /// files as given. A path that does not exist is reported as unreadable. In folders, the temporary
    /// files of an atomic write (<c>.NAME.*.tmp</c>, left behind by a killed writer) are not images yet and
    /// are skipped.
    /// </summary>
    public static List<string> Expand(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint })
                    .Where(file => !IsTemporary(file) && StartsWithMagic(file))
                    .Order(StringComparer.Ordinal));
            }
            else
            {
                files.Add(path);
            }
        }

        return files;
    }

    /// <summary>Verifies <paramref name="files"/>, at most <paramref name="parallelism"/> at a time; results are in input order.</summary>
    /// <param name="files">The files to verify.</param>
    /// <param name="parallelism">Files verified at once.</param>
    /// <param name="cancellationToken">Stops the files not yet started.</param>
    /// <param name="maxFindingsPerCode">Findings listed per code and file (0: all); the rest are counted.</param>
    /// <param name="progress">Told how many files are done, after each one.</param>
    public static async Task<FileReport[]> VerifyAsync(IReadOnlyList<string> files, int parallelism, CancellationToken cancellationToken, int maxFindingsPerCode = ImageVerifier.CapPerCode, IProgress<int>? progress = null)
    {
        var reports = new FileReport[files.Count];
        int done = 0;
        await Parallel.ForEachAsync(
            Enumerable.Range(0, files.Count),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            (i, _) =>
            {
                reports[i] = File.Exists(files[i])
                    ? ImageVerifier.Verify(files[i], files[i], maxFindingsPerCode)
                    : new FileReport(files[i], FileStatus.Unreadable, [new Diagnostic(Descriptors.NotAnImage, "no such file")], 0);
                progress?.Report(Interlocked.Increment(ref done));
                return ValueTask.CompletedTask;
            });
        return reports;
    }

    private static bool IsTemporary(string path)
    {
        string name = Path.GetFileName(path);
        return name.StartsWith('.') && name.EndsWith(".tmp", StringComparison.Ordinal);
    }

    private static bool StartsWithMagic(string path)
    {
        try
        {
            using Microsoft.Win32.SafeHandles.SafeFileHandle file = File.OpenHandle(path);
            Span<byte> magic = stackalloc byte[8];
            return RandomAccess.Read(file, magic, 0) == magic.Length && magic.SequenceEqual(Preamble.Magic);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
