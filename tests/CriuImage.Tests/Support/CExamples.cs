namespace CriuImage.Tests.Support;

/// <summary>The C examples (examples/c), compiled with gcc against the library in artifacts/ through pkg-config.</summary>
internal static class CExamples
{
    public static readonly string Folder = Path.Combine(RepoPaths.Root, "examples", "c");

    /// <summary>Compiles <paramref name="source"/> into <paramref name="outputFolder"/> (rpath set, so it runs in place); the program's path.</summary>
    public static string Compile(string outputFolder, string source, params string[] flags)
    {
        var environment = new Dictionary<string, string> { ["PKG_CONFIG_PATH"] = Path.Combine(NativeArtifacts.LibraryFolder, "pkgconfig") };
        var (pc, pkgFlags, pcError) = NativeArtifacts.Run("pkg-config", outputFolder, ["--cflags", "--libs", "criu-image"], environment);
        Assert.True(pc == 0, $"pkg-config: {pcError}");
        string program = Path.Combine(outputFolder, Path.GetFileNameWithoutExtension(source));
        var (code, _, error) = NativeArtifacts.Run("gcc", outputFolder, [.. flags, Path.Combine(Folder, source), .. pkgFlags.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries), "-Wl,-rpath," + NativeArtifacts.LibraryFolder, "-o", program]);
        Assert.True(code == 0, $"gcc {string.Join(' ', flags)} {source}: {error}");
        return program;
    }
}
