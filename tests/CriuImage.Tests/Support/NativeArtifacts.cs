using System.Diagnostics;

namespace CriuImage.Tests.Support;

/// <summary>
/// The NativeAOT builds scripts/publish.sh puts under artifacts/: the criu-image executable and the C library
/// with its header and pkg-config file. A NativeAOT publish takes minutes on a loaded machine, so the suite
/// does not publish: scripts/test.sh publishes once and names the folder in <c>CRIU_IMAGE_ARTIFACTS</c>, and
/// the tests that need it (<see cref="NativeFactAttribute"/>) are skipped, saying why, when it is not set.
/// </summary>
internal static class NativeArtifacts
{
    public const string Variable = "CRIU_IMAGE_ARTIFACTS";

    /// <summary>The folder, absolute; null when the variable is not set.</summary>
    public static string? Folder => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } folder ? Path.GetFullPath(folder, RepoPaths.Root) : null;

    public static string AotExecutable => Path.Combine(Folder!, "criu-image-aot", "criu-image");

    public static string LibraryFolder => Path.Combine(Folder!, "lib");

    public static string IncludeFolder => Path.Combine(Folder!, "include");

    /// <summary>Runs <paramref name="file"/> in <paramref name="directory"/>: its exit code and both outputs, bounded by two minutes.</summary>
    public static (int Code, string Output, string Error) Run(string file, string directory, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', start.ArgumentList)} did not finish in two minutes");
        }

        return (process.ExitCode, output.Result, error.Result);
    }
}

/// <summary>A test of the NativeAOT builds: skipped, with the reason, when <c>CRIU_IMAGE_ARTIFACTS</c> is not set.</summary>
public sealed class NativeFactAttribute : FactAttribute
{
    public NativeFactAttribute()
    {
        // Set but pointing at nothing is a broken run, not a reason to skip: the test then fails on the missing file.
        if (NativeArtifacts.Folder is null)
        {
            Skip = $"{NativeArtifacts.Variable} is not set: run scripts/publish.sh and set it to artifacts (scripts/test.sh does both)";
        }
    }
}
