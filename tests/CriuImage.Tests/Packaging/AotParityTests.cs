using CriuImage.Tests.Support;
using CriuImage.Tests.Topology;

namespace CriuImage.Tests;

/// <summary>
/// The NativeAOT criu-image (scripts/publish.sh, artifacts/criu-image-aot) against the .NET build on the inputs
/// of the golden cases (tests/golden): every fixture image verified in each format and planned, every CRIU
/// dump verified, planned and described, the host checks of HostCheckGoldenTests, and the command-line
/// errors. Standard output, standard error and the exit status must be the same, byte for byte.
/// </summary>
public sealed class AotParityTests
{
    [NativeFact]
    public async Task AotBuild_GivesTheSameOutputAndExitStatus_AsTheDotNetBuild_OnTheGoldenCases()
    {
        Assert.True(File.Exists(NativeArtifacts.AotExecutable), $"{NativeArtifacts.AotExecutable} is missing: run scripts/publish.sh aot");
        List<string[]> cases = Cases();
        var mismatches = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 2 }, (args, _) =>
        {
            var ours = NativeArtifacts.Run(NativeArtifacts.AotExecutable, RepoPaths.Root, args);
            var dotnet = NativeArtifacts.Run(CliProcess.Executable, RepoPaths.Root, args);
            if (ours != dotnet)
            {
                mismatches.Add($"criu-image {string.Join(' ', args)}:\n  .NET: exit {dotnet.Code}, {Head(dotnet.Output)} | {Head(dotnet.Error)}\n  AOT:  exit {ours.Code}, {Head(ours.Output)} | {Head(ours.Error)}");
            }

            return ValueTask.CompletedTask;
        });
        Assert.True(mismatches.IsEmpty, $"{mismatches.Count} of {cases.Count} runs differ:\n{string.Join('\n', mismatches.Take(5))}");
        Assert.True(cases.Count > 140, $"only {cases.Count} cases");
    }

    /// <summary>The command lines, with paths relative to the repository (the working folder of both runs).</summary>
    private static List<string[]> Cases()
    {
        string[] images = [.. Directory.EnumerateFiles(RepoPaths.Fixtures, "*.img").Concat(Directory.EnumerateFiles(Path.Combine(RepoPaths.Fixtures, "verify"), "*.img"))
            .Select(p => Path.GetRelativePath(RepoPaths.Root, p)).Order(StringComparer.Ordinal)];
        string criu = Path.Combine(RepoPaths.Fixtures, "criu");
        string[] dumps = [.. new[] { "criu-dev", "d5377d5d2", "released-v3.17", "released-v4.2" }
            .Concat(Directory.EnumerateDirectories(Path.Combine(criu, "damaged")).Select(d => Path.Combine("damaged", Path.GetFileName(d))))
            .Concat(Directory.EnumerateDirectories(Path.Combine(criu, "hosts")).Select(d => Path.Combine("hosts", Path.GetFileName(d))))
            .Concat(Directory.EnumerateFiles(Path.Combine(criu, "archives")).Select(f => Path.Combine("archives", Path.GetFileName(f))))
            .Select(d => Path.Combine("fixtures", "criu", d)).Order(StringComparer.Ordinal)];
        var cases = new List<string[]>
        {
            new[] { "--version" }, new[] { "--help" }, new[] { "verify", "--help" }, Array.Empty<string>(),
            new[] { "verify" }, new[] { "verify", "--frob", images[0] }, new[] { "verify", "no/such.img" },
            new[] { "decode", "fixtures/criu-v8.json" }, new[] { "encode", "fixtures/criu-v8.img", "-o", "-" },
            new[] { "plan", "--target", "sideways", images[0] }, new[] { "verify", "--target-kernel", "six", images[0] },
        };
        foreach (string format in new[] { "text", "json", "sarif" })
        {
            cases.Add(["verify", "--format", format, "--max-findings", "0", .. images]);
            cases.Add(["verify", "--format", format, .. dumps]);
        }

        // One process per input where the command takes one; the text and the decode of the canonical fixtures only.
        foreach (string image in images)
        {
            cases.Add(["plan", "--format", "json", "--target-kernel", "6.18.1", image]);
            cases.Add(["info", image]);
        }

        foreach (string image in images.Where(i => Path.GetDirectoryName(i) == "fixtures"))
        {
            cases.Add(["plan", image]);
            cases.Add(["decode", image]);
            cases.Add(["show", image]);
        }

        foreach (string dump in dumps)
        {
            cases.Add(["plan", dump]);
            cases.Add(["info", dump]);
        }

        foreach (object[] host in HostCheckGoldenTests.Cases)
        {
            string[] env = (string)host[3] is { Length: > 0 } variable ? ["--env", variable] : [];
            cases.Add(["host-check", "--source", $"fixtures/topology/{host[1]}", "--host", $"fixtures/topology/{host[2]}", .. env]);
        }

        foreach (string host in new[] { "gfx1100-2", "gfx1100-2-other-ids", "gfx1100-2-old-fw" })
        {
            cases.Add(["verify", "--format", "json", "fixtures/criu/hosts/gfx1100-2", "--host", $"fixtures/topology/{host}", "--target-kernel", "6.18.1"]);
            cases.Add(["plan", "fixtures/criu/hosts/gfx1100-2-render", "--host", $"fixtures/topology/{host}", "--target-kernel", "6.17.1"]);
        }

        return cases;
    }

    private static string Head(string text) => text.Length <= 200 ? text.ReplaceLineEndings("\\n") : text[..200].ReplaceLineEndings("\\n") + "...";
}
