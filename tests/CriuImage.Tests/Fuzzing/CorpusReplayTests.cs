using System.Diagnostics;
using CriuImage.Fuzz.Targets;
using CriuImage.Tests.Support;

namespace CriuImage.Tests.Fuzzing;

/// <summary>
/// Replays the minimised afl-fuzz corpora (tests/corpus/&lt;target&gt;/, scripts/fuzz-afl.sh) through their
/// targets: every input ends within <see cref="Replays.PerInput"/> with no exception but the target's documented
/// bad-input one. The crash-* and hang-* inputs there are what afl-fuzz found; each stays fixed.
/// </summary>
public class CorpusReplayTests
{
    public static TheoryData<string> Targets => [.. TargetCatalog.All.Select(t => t.Name)];

    private static string Folder(string target) => Path.Combine(RepoPaths.Root, "tests", "corpus", target);

    [Theory]
    [MemberData(nameof(Targets))]
    public void EveryCorpusInput_EndsWithoutCrash(string name)
    {
        FuzzTarget target = TargetCatalog.Find(name)!;
        string[] inputs = [.. Directory.EnumerateFiles(Folder(name)).Order(StringComparer.Ordinal)];
        Assert.NotEmpty(inputs);
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        foreach (string input in inputs)
        {
            if (Replays.Run(target, File.ReadAllBytes(input)) is { } problem)
            {
                failures.Add($"{Path.GetFileName(input)}: {problem}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {inputs.Length} inputs failed:\n{string.Join("\n", failures)}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"{inputs.Length} inputs took {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void EveryTarget_HasACorpus_AndEveryCorpusFolder_ATarget()
    {
        string[] folders = [.. Directory.EnumerateDirectories(Path.Combine(RepoPaths.Root, "tests", "corpus")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
        Assert.Equal(TargetCatalog.All.Select(t => t.Name).Order(StringComparer.Ordinal), folders);
    }

    [Fact]
    public void Targets_RefuseBadInput_TheDocumentedWay()
    {
        // Empty and one-byte inputs are refused by every parser; none of them may escape as a crash.
        foreach (FuzzTarget target in TargetCatalog.All)
        {
            Assert.Null(Replays.Run(target, []));
            Assert.Null(Replays.Run(target, [0xFF]));
        }
    }

    [Fact]
    public void Replay_ReportsAnEscapedException_AndAHang()
    {
        var throws = new FuzzTarget("throws", "", "", _ => throw new NotSupportedException("boom"));
        Assert.Contains("NotSupportedException: boom", Replays.Run(throws, []), StringComparison.Ordinal);
        var hangs = new FuzzTarget("hangs", "", "", _ => Thread.Sleep(TimeSpan.FromSeconds(2)));
        Assert.Contains("a hang", Replays.Run(hangs, [], TimeSpan.FromMilliseconds(100)), StringComparison.Ordinal);
    }
}
