using System.Text.Json.Nodes;
using CriuImage.Reporting;
using CriuImage.Tests.Support;
using CriuImage.Verification;

namespace CriuImage.Tests;

/// <summary>Reports count true: one finding per overlapping pair, a bounded number listed, every one counted, per file and overall (issue 12).</summary>
public sealed class TrueTotalsTests : TempFolder
{
    [Fact]
    public async Task SevenIdenticalMappings_Give21Pairs_NamingEveryMapping()
    {
        FileReport report = ImageVerifier.Verify(await IdenticalMappings(7), "x");
        List<Diagnostic> overlaps = report.Diagnostics.Where(d => d.Descriptor == Descriptors.MappingOverlap).ToList();
        Assert.Equal(21, overlaps.Count);
        Assert.Equal(21, report.Summary.Errors);
        Assert.Empty(report.NotListed);
        var named = overlaps.SelectMany(d => new[] { d.Mapping!.Value, d.Related[0].Mapping!.Value }).ToHashSet();
        Assert.Equal(Enumerable.Range(0, 7).Select(i => (uint)i), named.Order());
        Assert.Equal(21, overlaps.Select(d => (Math.Min(d.Mapping!.Value, d.Related[0].Mapping!.Value), Math.Max(d.Mapping!.Value, d.Related[0].Mapping!.Value))).Distinct().Count());
    }

    [Fact]
    public async Task TwoHundredIdenticalMappings_CountEveryPair_ListABoundedNumber()
    {
        FileReport report = ImageVerifier.Verify(await IdenticalMappings(200), "x");
        Assert.Equal(19_900, report.Summary.Errors);
        Assert.Equal(ImageVerifier.CapPerCode, report.Summary.Listed);
        Assert.Equal(new UnlistedFindings(Descriptors.MappingOverlap, 19_900 - ImageVerifier.CapPerCode, 19_900), Assert.Single(report.NotListed));
        string text = TextReport.Write([report]);
        Assert.Contains("x: error CRI205: 19800 more not listed (19900 in all)\n", text, StringComparison.Ordinal);
        Assert.Contains("x: findings: 19900 errors, 0 warnings, 0 notes (100 listed), 200 mappings checked\n", text, StringComparison.Ordinal);
        Assert.EndsWith("verified 1 file: 0 ok, 1 with findings, 0 unreadable; 19900 errors, 0 warnings, 0 notes\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaxFindings_SetsTheListing_AndZeroListsAll()
    {
        string image = Path.Combine(Folder, "same.img");
        File.WriteAllBytes(image, await IdenticalMappings(30));
        foreach ((string max, int listed) in new[] { ("0", 435), ("7", 7), ("100", 100) })
        {
            (int code, string output, _) = await Cli.Run("verify", "--format", "json", "--max-findings", max, image);
            Assert.Equal(1, code);
            JsonNode file = JsonNode.Parse(output)!["files"]![0]!;
            Assert.Equal(listed, file["diagnostics"]!.AsArray().Count);
            Assert.Equal(435, file["summary"]!["errors"]!.GetValue<long>());
            Assert.Equal(listed, file["summary"]!["listed"]!.GetValue<long>());
        }

        Assert.Equal(2, (await Cli.Run("verify", "--max-findings", "-1", image)).Code);
    }

    [Fact]
    public async Task Json_HasTheToolVersion_AndTrueSummaries_PerFileAndOverall()
    {
        string image = Path.Combine(Folder, "same.img");
        File.WriteAllBytes(image, await IdenticalMappings(200));
        (_, string output, _) = await Cli.Run("verify", "--format", "json", image, Path.Combine(RepoPaths.Fixtures, "criu-2025-06.img"));
        JsonNode root = JsonNode.Parse(output)!;
        Assert.Equal("criu-image", root["tool"]!["name"]!.GetValue<string>());
        Assert.Matches(@"^\d+\.\d+\.\d+", root["tool"]!["version"]!.GetValue<string>());
        JsonNode summary = root["summary"]!;
        Assert.Equal((2, 1, 1, 0), (summary["files"]!.GetValue<int>(), summary["ok"]!.GetValue<int>(), summary["findings"]!.GetValue<int>(), summary["unreadable"]!.GetValue<int>()));
        Assert.Equal((19_900L, 100L, 200L + 3), (summary["errors"]!.GetValue<long>(), summary["listed"]!.GetValue<long>(), summary["mappings"]!.GetValue<long>()));
        JsonNode notListed = root["files"]![0]!["not_listed"]![0]!;
        Assert.Equal(("CRI205", 19_800L, 19_900L), (notListed["code"]!.GetValue<string>(), notListed["count"]!.GetValue<long>(), notListed["total"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Sarif_HasHelpUrisBesideTheTool_NotItsInstallPath_TheVersion_AndTheInvocation()
    {
        (int code, string output, _) = await Cli.Run("verify", "--format", "sarif", Path.Combine(RepoPaths.Fixtures, "verify", "CRI205-mapping-overlap.img"));
        Assert.DoesNotContain(AppContext.BaseDirectory.TrimEnd('/'), output, StringComparison.Ordinal);
        JsonNode run = JsonNode.Parse(output)!["runs"]![0]!;
        JsonNode driver = run["tool"]!["driver"]!;
        Assert.Equal(ToolInfo.Version, driver["version"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, driver["informationUri"]!.GetValue<string>())));
        foreach (JsonNode? rule in driver["rules"]!.AsArray())
        {
            // Relative to the tool's folder, where docs/diagnostics.md ships.
            string help = rule!["helpUri"]!.GetValue<string>();
            Assert.False(new Uri(help, UriKind.RelativeOrAbsolute).IsAbsoluteUri, help);
            string[] parts = help.Split('#');
            Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, parts[0])), help);
            Assert.Equal(rule["id"]!.GetValue<string>().ToLowerInvariant(), parts[1]);
        }

        JsonNode invocation = run["invocations"]![0]!;
        Assert.Equal((1, code), (invocation["exitCode"]!.GetValue<int>(), 1));
        Assert.True(invocation["executionSuccessful"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task OverlapPairs_MatchABruteForceCount_InAnyOrder(int seed)
    {
        var random = new Random(seed);
        var mappings = new VmRecord[300];
        for (int i = 0; i < mappings.Length; i++)
        {
            ulong start = 0x1000 + (ulong)random.Next(2000);
            mappings[i] = new VmRecord(start, start + (ulong)random.Next(random.Next(2) == 0 ? 4 : 200), 0, 6);
        }

        long expected = 0;
        for (int i = 0; i < mappings.Length; i++)
        {
            for (int j = i + 1; j < mappings.Length; j++)
            {
                expected += mappings[i].Start <= mappings[j].Last && mappings[j].Start <= mappings[i].Last ? 1 : 0;
            }
        }

        byte[] image = await Images.WriteAsync(new ImageHeader(Abi.AbiRevision.CriuV8), [new BoEntry(new BoRecord(1, 1UL << 30, null, 0, 4, 0, null, 300), mappings)]);
        FileReport all = ImageVerifier.Verify(image, "x", new VerifyOptions { MaxFindingsPerCode = 0 });
        Assert.Equal(expected, all.Diagnostics.Count(d => d.Descriptor == Descriptors.MappingOverlap));
        FileReport listed = ImageVerifier.Verify(image, "x", new VerifyOptions { MaxFindingsPerCode = 10 });
        Assert.Equal(expected, 10 + listed.NotListed.Single(n => n.Descriptor == Descriptors.MappingOverlap).NotListed);
    }

    private static async Task<byte[]> IdenticalMappings(int count)
    {
        var mappings = Enumerable.Range(0, count).Select(_ => new VmRecord(0x1000, 0x100f, 0, 6)).ToArray();
        return await Images.WriteAsync(new ImageHeader(Abi.AbiRevision.CriuV8), [new BoEntry(new BoRecord(1, 16 * 4096, null, 0, 4, 0, null, (uint)count), mappings)]);
    }
}
