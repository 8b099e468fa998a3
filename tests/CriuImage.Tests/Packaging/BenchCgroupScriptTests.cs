using System.Globalization;
using CriuImage.Tests.Support;

namespace CriuImage.Tests.Packaging;

/// <summary>
/// scripts/bench-cgroup.sh, which runs each command in a cgroup of its own under a real memory limit (the whole
/// run takes an hour, so the suite runs the harness alone): on a fixture dump it measures a run that fits, says
/// when the kernel's OOM killer ended one, and where no cgroup can be made says so in one line.
/// </summary>
public sealed class BenchCgroupScriptTests
{
    [Fact]
    public void WhereNoCgroupCanBeMade_ItSaysSo_AndMeasuresNothing()
    {
        (int code, string output, string error) = Bench(256, "/nonexistent/cgroup");
        Assert.True(code == 0, $"exit {code}: {error}");
        string line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("skip: no cgroup memory controller can be written under /nonexistent/cgroup", line, StringComparison.Ordinal);
    }

    [CgroupFact]
    public void ARunThatFits_IsMeasured_AndOneTheOomKillerEnds_IsSaid()
    {
        string[] roomy = Row(Bench(256, null));
        Assert.Equal("0", roomy[3]);
        double cgroupPeak = double.Parse(roomy[4], CultureInfo.InvariantCulture);
        Assert.InRange(cgroupPeak, 0.1, 256);
        Assert.True(double.Parse(roomy[5], CultureInfo.InvariantCulture) > 1, $"peak RSS {roomy[5]} MiB");

        // No .NET process starts in 8 MiB: the kernel kills it (SIGKILL, 137) and the cgroup counts the kill.
        string[] tight = Row(Bench(8, null));
        Assert.Equal(["137", "oom"], tight[3..5]);
        Assert.InRange(double.Parse(tight[5], CultureInfo.InvariantCulture), 7, 8);
    }

    /// <summary>The measured row of the fixture's one run, split at spaces: build, input, command, exit, [oom,] peaks, CPU, wall, limit count.</summary>
    private static string[] Row((int Code, string Output, string Error) run)
    {
        Assert.True(run.Code == 0, $"exit {run.Code}: {run.Error}");
        string[] lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("cgroup v", lines[0], StringComparison.Ordinal);
        string[] row = lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["cli", "fixtures/criu/criu-dev", "verify"], row[..3]);
        return row;
    }

    private static (int Code, string Output, string Error) Bench(int limitMib, string? cgroupRoot)
    {
        var environment = new Dictionary<string, string>
        {
            ["CLI"] = CliProcess.Executable,
            ["FILES"] = "fixtures/criu/criu-dev",
            ["COMMANDS"] = "verify",
            ["LIMIT_MIB"] = limitMib.ToString(CultureInfo.InvariantCulture),
        };
        if (cgroupRoot is not null)
        {
            environment["CGROUP_ROOT"] = cgroupRoot;
        }

        return NativeArtifacts.Run("/bin/bash", RepoPaths.Root, [Path.Combine(RepoPaths.Root, "scripts", "bench-cgroup.sh")], environment);
    }
}
