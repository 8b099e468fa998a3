using CriuImage.Reporting;
using CriuImage.Tests.Support;
using CriuImage.Topology;

namespace CriuImage.Tests.Topology;

/// <summary>
/// The golden verdicts of the topology fixtures (fixtures/topology/README.md says which CRIU line decides each):
/// the text report of every case is pinned in tests/golden/HostCheck.{case}.verified.txt.
/// </summary>
public sealed class HostCheckGoldenTests
{
    public static TheoryData<string, string, string, string, bool, string> Cases => new()
    {
        { "same-host", "gfx1100-2", "gfx1100-2", "", true, "Mapped" },
        { "other-ids", "gfx1100-2", "gfx1100-2-other-ids", "", true, "Mapped" },
        { "less-vram", "gfx1100-2", "gfx1100-2-less-vram", "", false, "RemainingNotMatched" },
        { "less-vram-unchecked", "gfx1100-2", "gfx1100-2-less-vram", "KFD_VRAM_SIZE_CHECK=0", true, "Mapped" },
        { "old-fw", "gfx1100-2", "gfx1100-2-old-fw", "", false, "RemainingNotMatched" },
        { "old-fw-unchecked", "gfx1100-2", "gfx1100-2-old-fw", "KFD_FW_VER_CHECK=0", true, "Mapped" },
        { "old-fw-bad-value", "gfx1100-2", "gfx1100-2-old-fw", "KFD_FW_VER_CHECK=off", false, "RemainingNotMatched" },
        { "other-model", "gfx1100-2", "mi100-2", "", false, "RemainingNotMatched" },
        { "mi300x-hive", "mi300x-8", "mi300x-8", "", true, "Mapped" },
        { "mi300x-hive-other-ids", "mi300x-8", "mi300x-8-other-ids", "", true, "Mapped" },
        { "mi300x-one-fewer", "mi300x-8", "mi300x-7", "", false, "DeviceCountMismatch" },
        { "mi300x-old-fw-never-ends", "mi300x-8", "mi300x-8-old-fw", "", false, "NeverEnds" },
        { "mi300x-old-fw-unchecked", "mi300x-8", "mi300x-8-old-fw", "KFD_FW_VER_CHECK=0", true, "Mapped" },
        { "hive-to-no-hive", "mi300x-2", "mi300x-2-no-hive", "", false, "HiveCountMismatch" },
        { "no-hive-to-hive", "mi300x-2-no-hive", "mi300x-2", "", false, "RemainingNotMatched" },
        { "mi210-same-host", "mi210-8", "mi210-8", "", true, "Mapped" },
        { "mi210-other-ids", "mi210-8", "mi210-8-other-ids", "", true, "Mapped" },
        { "mi210-old-fw", "mi210-8", "mi210-8-old-fw", "", false, "HivesNotMatched" },
        { "mi210-old-fw-unchecked", "mi210-8", "mi210-8-old-fw", "KFD_FW_VER_CHECK=0", true, "Mapped" },
        { "mi210-less-vram", "mi210-8", "mi210-8-less-vram", "", false, "HivesNotMatched" },
        { "mi210-less-vram-unchecked", "mi210-8", "mi210-8-less-vram", "KFD_VRAM_SIZE_CHECK=0", true, "Mapped" },
        { "mi210-one-socket", "mi210-8", "mi210-4", "", false, "DeviceCountMismatch" },
        { "mi210-hives-of-2", "mi210-8", "mi210-8-hives-of-2", "", false, "HivesNotMatched" },
        { "mi210-cross-socket-hives", "mi210-8", "mi210-8-cross-socket-hives", "", false, "NeverEnds" },
        { "mi210-cross-socket-hives-no-numa", "mi210-8", "mi210-8-cross-socket-hives", "KFD_NUMA_CHECK=0", true, "Mapped" },
        { "mi210-other-model", "mi210-8", "mi100-8", "", false, "HivesNotMatched" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Verdict_IsPinned(string name, string source, string target, string env, bool restores, string outcome)
    {
        string root = Path.Combine(RepoPaths.Fixtures, "topology");
        KfdTopology checkpointed = HostTopology.Load(Path.Combine(root, source)).AsCheckpointed();
        KfdTopology host = HostTopology.Load(Path.Combine(root, target));
        KeyValuePair<string, string>[] variables = env.Length == 0 ? [] : [new(env.Split('=')[0], env.Split('=')[1])];
        HostCheckResult result = HostCheck.Run(checkpointed, host, MatchEnvironment.FromVariables(variables));

        Assert.Equal((restores, outcome), (result.Restores, result.Outcome.ToString()));
        string report = HostCheckReport.Text($"topology/{source}", $"topology/{target}", result)
            .Replace(root + "/", "topology/", StringComparison.Ordinal);
        Snapshot.Verify($"HostCheck.{name}", report);
        if (name is "mi300x-hive-other-ids" or "mi300x-old-fw-never-ends" or "old-fw-unchecked")
        {
            Snapshot.Verify($"HostCheck.{name}", HostCheckReport.JsonText($"topology/{source}", $"topology/{target}", result).Replace(root + "/", "topology/", StringComparison.Ordinal), "json");
        }
    }
}
