using System.Text.Json.Nodes;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary><c>criu-image verify</c> as scripts and CI use it: exit codes, formats, folders, stable order.</summary>
public sealed class VerifyCliTests : TempFolder
{
    [Fact]
    public async Task CleanImages_Exit0()
    {
        (int code, string output, _) = await Run("verify", RepoPaths.Fixtures + "/criu-2025-06.img", RepoPaths.Fixtures + "/verify/clean-adjacent-mappings.img");
        Assert.Equal(0, code);
        Assert.EndsWith("verified 2 files: 2 ok, 0 with findings, 0 unreadable; 0 errors, 0 warnings, 0 notes\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_Exit1_WarningsOnlyWithFailOnWarning()
    {
        string errors = Verify("CRI205-mapping-overlap");
        string warnings = Verify("CRI212-no-access-bits");
        Assert.Equal(1, (await Run("verify", errors)).Code);
        Assert.Equal(0, (await Run("verify", warnings)).Code);
        Assert.Equal(1, (await Run("verify", "--fail-on", "warning", warnings)).Code);
    }

    [Fact]
    public async Task UnreadableInput_Exit2_EvenBesideFindings()
    {
        string text = Path.Combine(Folder, "notes.img");
        File.WriteAllText(text, "not an image");
        (int code, string output, _) = await Run("verify", Verify("CRI205-mapping-overlap"), text, Path.Combine(Folder, "absent.img"));
        Assert.Equal(2, code);
        Assert.Contains("notes.img: unreadable", output, StringComparison.Ordinal);
        Assert.Contains("absent.img: error CRI001: no such file or folder", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Folders_AreSearchedForImages_InAStableOrder_WhateverTheParallelism()
    {
        string tree = Path.Combine(Folder, "tree");
        Directory.CreateDirectory(Path.Combine(tree, "sub"));
        foreach (string name in RepoPaths.FixtureNames)
        {
            File.Copy(Path.Combine(RepoPaths.Fixtures, name + ".img"), Path.Combine(tree, name.Length % 2 == 0 ? "sub" : "", name + ".cimg"));
        }

        File.WriteAllText(Path.Combine(tree, "README.txt"), "not an image");
        (int code, string serial, _) = await Run("verify", "--jobs", "1", "--format", "json", tree);
        (_, string parallel, _) = await Run("verify", "--jobs", "8", "--format", "json", tree);
        Assert.Equal(1, code); // criu-v8 and linux-6.18 hold what a restore would meet (VerifyTests.FormatFixtures_*)
        Assert.Equal(serial, parallel);
        JsonArray files = JsonNode.Parse(serial)!["files"]!.AsArray();
        Assert.Equal(RepoPaths.FixtureNames.Count(), files.Count);
        List<string> paths = files.Select(f => f!["path"]!.GetValue<string>()).ToList();
        Assert.Equal(paths.Order(StringComparer.Ordinal), paths);
    }

    [Fact]
    public async Task ThousandsOfImages_InParallel_ReportLikeASerialRun()
    {
        string tree = Path.Combine(Folder, "fleet");
        var sources = RepoPaths.FixtureNames.Select(Images.Fixture)
            .Concat(Directory.EnumerateFiles(Path.Combine(RepoPaths.Fixtures, "verify"), "*.img").Select(File.ReadAllBytes))
            .Concat(DamagedImages.All.Values.Select(make => make()).Where(i => i.Length >= 8 && i[0] == 0x89))
            .ToList();
        for (int i = 0; i < 3000; i++)
        {
            string folder = Path.Combine(tree, $"node{i % 30:00}");
            Directory.CreateDirectory(folder);
            await File.WriteAllBytesAsync(Path.Combine(folder, $"ckpt-{i:0000}.img"), sources[i % sources.Count]);
        }

        (int serialCode, string serial, _) = await Run("verify", "--jobs", "1", "--format", "json", tree);
        (int parallelCode, string parallel, _) = await Run("verify", "--jobs", "16", "--format", "json", tree);
        Assert.Equal(serialCode, parallelCode);
        Assert.Equal(serial, parallel);
        Assert.Equal(3000, JsonNode.Parse(parallel)!["files"]!.AsArray().Count);
    }

    [Fact]
    public async Task Folders_SkipTheTemporaryFilesOfAKilledWriter()
    {
        File.Copy(Path.Combine(RepoPaths.Fixtures, "criu-2025-06.img"), Path.Combine(Folder, "a.img"));
        await File.WriteAllBytesAsync(Path.Combine(Folder, ".a.img.0123abcd.tmp"), Images.Fixture("criu-2025-06")[..100]);
        (int code, string output, _) = await Run("verify", Folder);
        Assert.Equal(0, code);
        Assert.Contains("verified 1 file:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sarif_Is210_WithEveryRule_AndOneResultPerFinding()
    {
        (int code, string output, _) = await Run("verify", "--format", "sarif", Verify("CRI205-mapping-overlap"), Verify("CRI203-mapping-misaligned"));
        Assert.Equal(1, code);
        JsonNode sarif = JsonNode.Parse(output)!;
        Assert.Equal("2.1.0", sarif["version"]!.GetValue<string>());
        JsonNode run = sarif["runs"]![0]!;
        Assert.Equal("criu-image", run["tool"]!["driver"]!["name"]!.GetValue<string>());
        Assert.Equal(Descriptors.All.Count, run["tool"]!["driver"]!["rules"]!.AsArray().Count);
        JsonArray results = run["results"]!.AsArray();
        Assert.Equal(4, results.Count);
        Assert.All(results, r => Assert.Equal("error", r!["level"]!.GetValue<string>()));
        Assert.Equal("bo 2 mapping 0", results[0]!["locations"]![0]!["logicalLocations"]![0]!["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("verify")]
    [InlineData("verify", "--format", "xml", "x.img")]
    [InlineData("verify", "--fail-on", "never", "x.img")]
    public async Task BadCommandLines_Exit2(params string[] args) => Assert.Equal(2, (await Run(args)).Code);

    private static string Verify(string fixture) => Path.Combine(RepoPaths.Fixtures, "verify", fixture + ".img");

    private static Task<(int Code, string Output, string Error)> Run(params string[] args) => Cli.Run(args);
}
