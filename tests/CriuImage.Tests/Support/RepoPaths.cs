namespace CriuImage.Tests.Support;

/// <summary>Folders of the repository, found from the test assembly's location.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CriuImage.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CriuImage.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => RootPath.Value;

    public static string Fixtures => Path.Combine(Root, "fixtures");

    public static string Golden => Path.Combine(Root, "tests", "golden");

    public static string Python => Path.Combine(Root, "tests", "CriuImage.Tests", "python");

    /// <summary>The canonical fixtures: every fixtures/*.json with its encoded image beside it.</summary>
    public static IEnumerable<string> FixtureNames =>
        Directory.EnumerateFiles(Fixtures, "*.json").Select(p => Path.GetFileNameWithoutExtension(p)).Order(StringComparer.Ordinal);
}
