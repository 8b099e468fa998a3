using System.Globalization;
using CriuImage.Reporting;
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
    public static TheoryData<string> Files => [.. Names("criu-verdicts-*.txt")];

    public static TheoryData<string> FixtureFiles => [.. Names("criu-verdicts-fixtures-*.txt")];

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

        int least = file.Contains("positions", StringComparison.Ordinal) ? 8 : file.Contains("fixtures", StringComparison.Ordinal) ? HostCheckGoldenTests.Cases.Count : 300;
        Assert.True(cases >= least, $"only {cases} cases in {file}");
        Assert.Equal(expected.Count, cases);
        Assert.Empty(mismatches);
    }

    private static IEnumerable<string> Names(string pattern) =>
        Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "tests", "topology-oracle"), pattern).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal);

    /// <summary>
    /// criu-verdicts-fixtures-*.txt hold every golden case of <see cref="HostCheckGoldenTests"/> as CRIU's own
    /// topology_parse read its two folders (harness.c, fixture mode): the same cases with the same switches,
    /// and node for node, field for field and link for link what our reader gives (the target as read, the
    /// source as a dump on its host records it), so the verdicts replayed above are those of the fixtures.
    /// </summary>
    [Theory]
    [MemberData(nameof(FixtureFiles))]
    public void FixtureCases_AreTheGoldenCasesAsCriuReadsThem(string file)
    {
        string[] lines = File.ReadAllLines(Path.Combine(RepoPaths.Root, "tests", "topology-oracle", file));
        string[] recorded = [.. lines.Where(l => l.StartsWith("fixture ", StringComparison.Ordinal))];
        string[] golden = [.. HostCheckGoldenTests.Cases.Select(c => $"fixture {c[0]} {c[1]} {c[2]} {((string)c[3]).Length switch { 0 => "-", _ => c[3] }}")];
        Assert.Equal(golden, recorded);

        string root = Path.Combine(RepoPaths.Fixtures, "topology");
        foreach ((int number, KfdTopology source, KfdTopology target, MatchEnvironment environment) in OracleCase.All(lines))
        {
            object[] c = HostCheckGoldenTests.Cases.ElementAt(number);
            string env = (string)c[3];
            KeyValuePair<string, string>[] variables = env.Length == 0 ? [] : [new(env.Split('=')[0], env.Split('=')[1])];
            Assert.Equal(MatchEnvironment.FromVariables(variables).Off, environment.Off);
            Assert.Equal(OracleCase.Lines('s', HostTopology.Load(Path.Combine(root, (string)c[1])).AsCheckpointed()), OracleCase.Lines('s', source));
            Assert.Equal(OracleCase.Lines('d', HostTopology.Load(Path.Combine(root, (string)c[2]))), OracleCase.Lines('d', target));
        }
    }
}
