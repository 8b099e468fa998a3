using System.Text.Json.Nodes;
using CriuImage.Tests.Support;

namespace CriuImage.Tests.RestoreOracle;

/// <summary>
/// Where <c>plan</c> says each render node's restore stops, against CRIU's own restore (the recordings of
/// tests/restore-oracle): CRIU returns the error at the first refused call and makes no later one, in that file or
/// after it. On every criu-dev recording, each kernel (the no-change-handle kernel injects -EINVAL on every
/// CHANGE_HANDLE), the render-node CHANGE_HANDLE calls plan marks reached are exactly those CRIU made, file by file,
/// and the call plan stops at is the refused call CRIU made last (a CHANGE_HANDLE, or a GEM_VA over a KFD BO).
/// </summary>
public sealed class PlanStopOracleTests
{
    private static string Recordings => Path.Combine(RepoPaths.Root, "tests", "restore-oracle", "recordings", "criu-dev");

    [Fact]
    public async Task ThePlansReachedCalls_AreTheCallsCriuMade_UpToTheFirstRefusal()
    {
        int stops = 0, files = 0;
        foreach (string recording in Directory.EnumerateFiles(Recordings, "*.jsonl").Order(StringComparer.Ordinal))
        {
            string folder = Path.Combine(CriuFixtures.Root, Path.GetFileNameWithoutExtension(recording).Replace('+', '/'));
            foreach (RecordedRestore run in RecordedRestore.Load(recording).Where(r => r.Mode == "parallel"))
            {
                (int code, string json, _) = await Cli.Run(["plan", folder, "--format", "json", .. OracleKernel.Options(run.Kernel), "--criu", "criu-dev", "--contents", "parallel"]);
                if (code == 2)
                {
                    continue;
                }

                foreach (JsonNode node in JsonNode.Parse(json)!["dumps"]![0]!["render_nodes"]!.AsArray().Where(n => n!["calls"] is not null)!)
                {
                    string file = Path.GetFileName((string)node["path"]!);
                    JsonNode[] changes = [.. node["calls"]!.AsArray().Where(c => (string)c!["call"]! == "CHANGE_HANDLE").Select(c => c!)];
                    int reached = changes.Count(c => c["reached"] is null);
                    int made = run.Calls.Count(c => c.File == file && c.Name == "DRM_IOCTL_GEM_CHANGE_HANDLE");
                    Assert.True(made == reached, $"{recording} {run.Kernel} {file}: CRIU made {made} CHANGE_HANDLE calls, plan reaches {reached}");
                    files++;
                    if (node["stops_at"] is { } at && node["calls"]![(int)(long)at]!["reached"] is null)
                    {
                        // The call plan stops at is one of the kind CRIU made last in that file, and the kernel refused it.
                        string ioctl = (string)node["calls"]![(int)(long)at]!["call"]! switch
                        {
                            "CHANGE_HANDLE" => "DRM_IOCTL_GEM_CHANGE_HANDLE",
                            "GEM_VA" => "DRM_IOCTL_AMDGPU_GEM_VA",
                            "GEM_MMAP" => "DRM_IOCTL_AMDGPU_GEM_MMAP",
                            var other => "DRM_IOCTL_AMDGPU_" + other,
                        };
                        Assert.Equal(ioctl, run.Calls.Last(c => c.File == file && c.Name.StartsWith("DRM_IOCTL_", StringComparison.Ordinal)).Name);
                        Assert.Contains(run.Calls, c => c.File == file && c.Name == ioctl && c.Ret < 0);
                        stops++;
                    }
                }
            }
        }

        // Every dump with render nodes stops on the kernel without CHANGE_HANDLE: the test saw stops, and files it checked.
        Assert.True(stops >= 10 && files >= 2 * stops, $"{stops} stops, {files} render nodes");
    }
}
