using System.Text;
using CriuImage.Reporting;
using CriuImage.Verification;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>Every diagnostic code has a fixture, and verify's text and JSON output for each is pinned in tests/golden.</summary>
public class VerifyTests
{
    public static TheoryData<string> RuleFixtures => [.. RuleFixtureNames];

    private static IEnumerable<string> RuleFixtureNames =>
        Directory.EnumerateFiles(Path.Combine(RepoPaths.Fixtures, "verify"), "*.json").Select(p => Path.GetFileNameWithoutExtension(p)).Order(StringComparer.Ordinal);

    public static TheoryData<string> DamageFixtures => [.. DamagedImages.All.Keys];

    [Theory]
    [MemberData(nameof(RuleFixtures))]
    public async Task RuleFixture_IsEncodedFromItsSource_AndReportsItsCode(string name)
    {
        string folder = Path.Combine(RepoPaths.Fixtures, "verify");
        byte[] image = await GoldenTests.Encode(File.ReadAllBytes(Path.Combine(folder, name + ".json")));
        Assert.True(image.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(folder, name + ".img"))), $"fixtures/verify/{name}.img is stale; run scripts/regen-fixtures.sh");

        FileReport report = ImageVerifier.Verify(image, $"fixtures/verify/{name}.img");
        AssertReportsItsCode(name, report);
        Pin($"Verify.{name}", report);
    }

    [Theory]
    [MemberData(nameof(DamageFixtures))]
    public void DamageFixture_ReportsItsCode(string name)
    {
        FileReport report = ImageVerifier.Verify(DamagedImages.All[name](), $"damaged/{name}.img");
        AssertReportsItsCode(name, report);
        Pin($"Verify.{name}", report);
    }

    [Fact]
    public async Task EveryCode_HasAFixture()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in RuleFixtureNames)
        {
            byte[] image = await GoldenTests.Encode(File.ReadAllBytes(Path.Combine(RepoPaths.Fixtures, "verify", name + ".json")));
            seen.UnionWith(ImageVerifier.Verify(image, name).Diagnostics.Select(d => d.Descriptor.Id));
        }

        foreach (Func<byte[]> make in DamagedImages.All.Values)
        {
            seen.UnionWith(ImageVerifier.Verify(make(), "damaged").Diagnostics.Select(d => d.Descriptor.Id));
        }

        // CRI3xx (CRIU dumps) have their fixtures in fixtures/criu: CriuDumpRuleTests; CRI4xx come from
        // host-check, not from an image: Topology.HostCheckFindingTests.EveryHostCode_IsReached.
        Assert.Equal(Descriptors.All.Select(d => d.Id).Where(id => !id.StartsWith("CRI3", StringComparison.Ordinal) && !id.StartsWith("CRI4", StringComparison.Ordinal)).Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryCode_IsDocumented()
    {
        string docs = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "diagnostics.md"));
        Assert.All(Descriptors.All, d => Assert.Contains($"## {d.Id}: {d.Title}", docs, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("criu-2025-06", "")]
    [InlineData("criu-v8", "CRI114 CRI218 CRI218 CRI218")]
    [InlineData("linux-6.18", "CRI116 CRI217")]
    public void FormatFixtures_ReportWhatARestoreWouldMeet(string name, string codes)
    {
        // criu-v8's PTE flags cannot be handed back to GEM_VA and its BO 7 has no CPU access; linux-6.18 holds a
        // high-half mapping as GET_MAPPING_INFO reports it (masked, in the hole) and a 512-page alignment.
        FileReport report = ImageVerifier.Verify(Images.Fixture(name), name);
        Assert.Equal(codes, string.Join(" ", report.Diagnostics.Select(d => d.Descriptor.Id).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void DamagedPayload_IsLocated_AndTheRestIsStillAnalyzed()
    {
        FileReport report = ImageVerifier.Verify(DamagedImages.All["CRI006-frame-header-damaged"](), "x");
        Diagnostic damage = Assert.Single(report.Diagnostics, d => d.Descriptor == Descriptors.FrameHeaderDamaged);
        Assert.NotNull(damage.ByteOffset);
        Assert.Equal(1UL, report.Mappings); // the second frame's BO and mapping were still checked
    }

    [Fact]
    public async Task OverlapReports_AreBounded()
    {
        // One huge mapping under thousands of small ones: a few pairs and a count, not megabytes.
        var bos = new List<BoEntry> { new(new BoRecord(1, 1UL << 32, null, 0, 4, 0, null, 1), [new VmRecord(4096, 4096 + 100_000, 0, 6)]) };
        var small = new VmRecord[5000];
        for (int i = 0; i < small.Length; i++)
        {
            small[i] = new VmRecord(4096 + (ulong)(i * 10), 4096 + (ulong)(i * 10), 0, 6);
        }

        bos.Add(new BoEntry(new BoRecord(2, 4096, null, 0, 4, 0, null, (uint)small.Length), small));
        byte[] image = await Images.WriteAsync(new ImageHeader(Abi.AbiRevision.CriuV8), bos);
        FileReport report = ImageVerifier.Verify(image, "x");
        List<Diagnostic> overlaps = report.Diagnostics.Where(d => d.Descriptor == Descriptors.MappingOverlap).ToList();
        Assert.Equal(ImageVerifier.CapPerCode, overlaps.Count);
        Assert.Equal(new UnlistedFindings(Descriptors.MappingOverlap, 5000 - ImageVerifier.CapPerCode, 5000), Assert.Single(report.NotListed));
        Assert.Equal(5000, report.Summary.Errors);
    }

    private static void AssertReportsItsCode(string name, FileReport report)
    {
        if (name.StartsWith("clean-", StringComparison.Ordinal))
        {
            Assert.Equal(FileStatus.Ok, report.Status);
            Assert.Empty(report.Diagnostics);
            return;
        }

        string code = name[..6];
        Assert.Contains(report.Diagnostics, d => d.Descriptor.Id == code);
    }

    private static void Pin(string name, FileReport report)
    {
        Snapshot.Verify(name, TextReport.Write([report]));
        using var json = new MemoryStream();
        JsonReport.Write([report], json);
        Snapshot.Verify(name, Encoding.UTF8.GetString(json.ToArray()), "json");
    }
}
