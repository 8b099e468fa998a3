using System.Globalization;
using CriuImage.Tests.Support;
using CriuImage.Topology;

namespace CriuImage.Tests.Topology;

/// <summary>
/// Our replay against CRIU's own compiled matching code: tests/topology-oracle/criu-verdicts-*.txt hold
/// random cases and the verdicts and GPU maps CRIU's amdgpu_plugin_topology.c gave for them (recorded by
/// run-oracle.sh from a CRIU checkout); every one must come out the same here.
/// </summary>
public sealed class TopologyOracleTests
{
    public static TheoryData<string> Files => [.. Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "tests", "topology-oracle"), "criu-verdicts-*.txt").Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryRecordedVerdict_IsReproduced(string file)
    {
        string[] lines = File.ReadAllLines(Path.Combine(RepoPaths.Root, "tests", "topology-oracle", file));
        Dictionary<int, string> expected = lines.Where(l => l.StartsWith("result ", StringComparison.Ordinal))
            .ToDictionary(l => int.Parse(l.Split(' ')[1], CultureInfo.InvariantCulture), l => string.Join(' ', l.Split(' ').Skip(2)));
        var mismatches = new List<string>();
        int cases = 0;
        foreach ((int number, KfdTopology source, KfdTopology target, MatchEnvironment environment) in OracleCase.All(lines))
        {
            cases++;
            HostCheckResult result = HostCheck.Run(source, target, environment);
            string ours = HostCheckReport.OutcomeName(result.Outcome)
                + string.Concat(result.GpuMap.Select(e => $" {e.SrcGpuId}:{e.DestGpuId}"));
            if (ours != expected[number])
            {
                mismatches.Add($"case {number}: CRIU '{expected[number]}', ours '{ours}'");
            }
        }

        Assert.True(cases >= (file.Contains("positions", StringComparison.Ordinal) ? 8 : 300), $"only {cases} cases in {file}");
        Assert.Equal(expected.Count, cases);
        Assert.Empty(mismatches);
    }
}
