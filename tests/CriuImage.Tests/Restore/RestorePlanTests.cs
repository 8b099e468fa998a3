using System.Text;
using CriuImage.Abi;
using CriuImage.Reporting;
using CriuImage.Restore;
using CriuImage.Tests.Support;
using CriuImage.Verification;

namespace CriuImage.Tests;

/// <summary><c>plan</c> pinned for every fixture, and the same restore model behind verify's findings and plan's refusals.</summary>
public class RestorePlanTests
{
    public static TheoryData<string> AllFixtures => [.. FixturePaths().Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(AllFixtures))]
    public void Plan_IsPinnedForEveryFixture(string name)
    {
        (string path, string display) = Find(name);
        RestorePlan plan = RestorePlan.Create(File.ReadAllBytes(path), display);
        Snapshot.Verify($"Plan.{name}", PlanReport.WriteText(plan));
        using var json = new MemoryStream();
        PlanReport.WriteJson(plan, json);
        Snapshot.Verify($"Plan.{name}", Encoding.UTF8.GetString(json.ToArray()), "json");
    }

    [Theory]
    [MemberData(nameof(AllFixtures))]
    public void RestoreErrors_AreExactlyTheRefusedCalls_OnEveryTarget(string name)
    {
        byte[] image = File.ReadAllBytes(Find(name).Path);
        foreach (KernelProfile? target in new KernelProfile?[] { null }.Concat(KernelProfile.All))
        {
            AssertSameRestoreModel(image, target);
        }
    }

    [Fact]
    public async Task RestoreErrors_AreExactlyTheRefusedCalls_OnRandomImages()
    {
        var random = new RandomImages(909);
        int compared = 0;
        for (int round = 0; round < 600; round++)
        {
            AbiRevision abi = random.NextAbi();
            byte[] image = await Images.WriteAsync(random.NextHeader(abi), random.NextBos(abi, 4, 3));
            compared += AssertSameRestoreModel(image, round % 3 == 0 ? null : KernelProfile.All[round % 2]);
        }

        Assert.True(compared > 1000, $"only {compared} refusals compared: the generator no longer reaches the restore rules");
    }

    [Fact]
    public void Plan_NamesTheCallsInCriusOrder_WithTheirRequestNumbers()
    {
        RestorePlan plan = RestorePlan.Create(File.ReadAllBytes(Path.Combine(RepoPaths.Fixtures, "criu-2025-06.img")), "x");
        Assert.Equal(
            ["GEM_CREATE", "CHANGE_HANDLE", "GEM_MMAP", "GEM_VA", "GEM_CREATE", "CHANGE_HANDLE", "GEM_MMAP", "GEM_VA", "GEM_VA", "PRIME_FD_TO_HANDLE", "CHANGE_HANDLE", "GEM_MMAP"],
            plan.Calls.Select(c => c.Call.Name()));
        Assert.Equal(
            [IoctlRequests.GemCreate, IoctlRequests.GemChangeHandle, IoctlRequests.GemMmap, IoctlRequests.GemVa],
            plan.Calls.Take(4).Select(c => c.Request));
        Assert.DoesNotContain(plan.Calls, c => c.Refused);
    }

    [Fact]
    public void TheHighHalf_IsRefusedAsSaved_AndRepairedBySignExtension()
    {
        RestorePlan plan = RestorePlan.Create(File.ReadAllBytes(Path.Combine(RepoPaths.Fixtures, "verify", "CRI217-high-half-masked-6.18.img")), "x");
        PlannedCall va = plan.Calls.First(c => c.Call == RestoreCall.GemVa);
        Assert.Equal("CRI217", Assert.Single(va.Refusals).Descriptor.Id);
        Assert.Equal(0x0000_8000_0000_0000UL, va.Arguments.Single(a => a.Name == "va_address").Value);
        Assert.Equal(0xFFFF_8000_0000_0000UL, va.Repaired.Single(a => a.Name == "va_address").Value);
    }

    [Fact]
    public void TheTarget_DecidesWhatGemCreateAccepts()
    {
        byte[] image = File.ReadAllBytes(Path.Combine(RepoPaths.Fixtures, "verify", "CRI113-settable-by-target.img"));
        Assert.Contains(ImageVerifier.Verify(image, "x").Diagnostics, d => d.Descriptor.Id == "CRI113" && d.GemHandle == 2);
        Assert.DoesNotContain(ImageVerifier.Verify(image, "x", new VerifyOptions { Target = KernelProfile.Linux6_18 }).Diagnostics, d => d.Descriptor.Id == "CRI113" && d.GemHandle == 2);
        Assert.Contains(ImageVerifier.Verify(image, "x", new VerifyOptions { Target = KernelProfile.Linux6_18 }).Diagnostics, d => d.Descriptor.Id == "CRI113" && d.GemHandle == 1);
    }

    [Fact]
    public void ADamagedImage_IsNotPlanned()
    {
        byte[] image = DamagedImages.All["CRI013-truncated"]();
        ImageFormatException e = Assert.Throws<ImageFormatException>(() => RestorePlan.Create(image, "x"));
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    /// <summary>verify's restore errors and plan's refusals, as (code, handle, mapping, call), must be the same multiset.</summary>
    private static int AssertSameRestoreModel(byte[] image, KernelProfile? target)
    {
        FileReport report = ImageVerifier.Verify(image, "x", new VerifyOptions { Target = target });
        RestorePlan plan;
        try
        {
            plan = RestorePlan.Create(image, "x", target);
        }
        catch (ImageFormatException)
        {
            Assert.NotEqual(FileStatus.Ok, report.Status);
            return 0;
        }

        List<string> refused = plan.Calls
            .SelectMany(c => c.Refusals.Select(r => Key(r.Descriptor.Id, c.GemHandle, c.Mapping, c.Call)))
            .Order(StringComparer.Ordinal).ToList();
        if (report.Diagnostics.Any(d => d.Message.Contains(" more ", StringComparison.Ordinal)) || TooManyPairs(plan))
        {
            return 0; // verify lists at most 100 findings a code and 5 overlap pairs a mapping; the plan lists all
        }

        List<string> errors = report.Diagnostics
            .Where(d => d.Call is not null && d.Severity == Severity.Error)
            .Select(d => Key(d.Descriptor.Id, d.GemHandle!.Value, d.Mapping, d.Call!.Value))
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(errors, refused);
        Assert.All(report.Diagnostics.Where(d => d.Call is not null), d => Assert.NotNull(d.Descriptor.Check));
        return refused.Count;
    }

    private static bool TooManyPairs(RestorePlan plan) =>
        plan.Calls.SelectMany(c => c.Refusals).Where(r => r.Descriptor.Id == "CRI205").GroupBy(r => r.Related[0]).Any(g => g.Count() > 5);

    private static string Key(string code, uint handle, uint? mapping, RestoreCall call) => $"{code} {handle} {mapping} {call}";

    private static IEnumerable<(string Name, string Path)> FixturePaths() =>
        RepoPaths.FixtureNames.Select(n => (n, Path.Combine(RepoPaths.Fixtures, n + ".img")))
            .Concat(Directory.EnumerateFiles(Path.Combine(RepoPaths.Fixtures, "verify"), "*.json").Select(p => Path.GetFileNameWithoutExtension(p)).Order(StringComparer.Ordinal)
                .Select(n => (n, Path.Combine(RepoPaths.Fixtures, "verify", n + ".img"))));

    private static (string Path, string Display) Find(string name)
    {
        string path = FixturePaths().Single(p => p.Name == name).Path;
        return (path, Path.GetRelativePath(RepoPaths.Root, path));
    }
}
