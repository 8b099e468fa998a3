namespace CriuImage.Fuzz.Targets;

/// <summary>
/// The intact criu-dev dump (fixtures/criu/criu-dev) a fuzzed CRIU file joins, so that the rules across files
/// (a KFD image against its pages files, a render node against its drm-pages files) see it.
/// </summary>
internal static class Companions
{
    /// <summary>The repository: CRIU_IMAGE_ROOT when set (an instrumented copy runs outside it), else the folder above that holds CriuImage.sln.</summary>
    public static string Root { get; } = FindRoot();

    private static readonly Lazy<IReadOnlyList<(string Name, byte[] Content)>> Files = new(() =>
    [
        .. Directory.EnumerateFiles(Path.Combine(Root, "fixtures", "criu", "criu-dev"))
            .Order(StringComparer.Ordinal)
            .Select(p => (Path.GetFileName(p), File.ReadAllBytes(p))),
    ]);

    /// <summary>The dump's files, with <paramref name="name"/> holding <paramref name="content"/> instead of its own.</summary>
    public static IEnumerable<(string Name, byte[] Content)> With(string name, byte[] content) =>
        Files.Value.Where(f => f.Name != name).Append((name, content));

    /// <summary>The content of the dump's file <paramref name="name"/>.</summary>
    public static byte[] Of(string name) => Files.Value.First(f => f.Name == name).Content;

    private static string FindRoot()
    {
        if (Environment.GetEnvironmentVariable("CRIU_IMAGE_ROOT") is { Length: > 0 } root)
        {
            return root;
        }

        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CriuImage.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"CriuImage.sln not found above {AppContext.BaseDirectory}; set CRIU_IMAGE_ROOT");
    }
}
