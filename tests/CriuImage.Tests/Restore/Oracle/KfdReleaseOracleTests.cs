using System.Text.Json.Nodes;
using CriuImage.Tests.Support;

namespace CriuImage.Tests.RestoreOracle;

/// <summary>
/// The KFD restore per target release, as CRIU's own plugin met it on the fake kernel run as that release
/// (tests/restore-oracle/recordings, harness/fake_kfd_queue.c) and as <c>plan --target-kernel R</c> says it: where the
/// restore ends, by which check of the kernel, and whether the call returned. 6.18.20 does not look the queue buffers up,
/// so a MES GPU's queue oopses (the call never returns, the task dies by SIGKILL, CRIU aborts: fails) and a ring of the
/// wrong size passes; 6.18.53 looks them up; 7.2.13 refuses a MES GPU's queue and numbers queue types without DIQ, so a
/// 6.18 checkpoint's SDMA_XGMI queue comes back as a PCIe SDMA queue (restored, but not as it was: CRI342).
/// </summary>
public sealed class KfdReleaseOracleTests
{
    [Theory]
    [InlineData("damaged/kfd-queue-gfx11-ctl-stack", "6.18.20", "fails", "queue-wptr-null", null)]
    [InlineData("damaged/kfd-queue-gfx11-ctl-stack", "6.18.53", "fails", "queue-ctl-stack", -22L)]
    [InlineData("damaged/kfd-queue-gfx11-ctl-stack", "7.2.13", "fails", "queue-mes-buffers", -22L)]
    [InlineData("damaged/kfd-queue-gfx12-sdma", "6.18.20", "fails", "queue-wptr-null", null)]
    [InlineData("damaged/kfd-queue-gfx12-sdma", "6.18.53", "fails", "queue-restore-mqd", -95L)]
    [InlineData("damaged/kfd-queue-gfx12-sdma", "7.2.13", "fails", "queue-mes-buffers", -22L)]
    [InlineData("damaged/kfd-queue-ring", "6.18.20", "restored", null, 0L)]
    [InlineData("damaged/kfd-queue-ring", "6.18.53", "fails", "queue-ring", -22L)]
    [InlineData("damaged/kfd-queue-ring", "7.2.13", "restored", null, 0L)]
    [InlineData("damaged/kfd-queue-xgmi", "6.18.53", "restored", null, 0L)]
    [InlineData("damaged/kfd-queue-xgmi", "7.2.13", "differs", null, 0L)]
    [InlineData("damaged/kfd-event-page-small", "6.18.20", "fails", "event-page-size", -22L)]
    [InlineData("damaged/kfd-event-page-small", "7.2.13", "fails", "event-page-size", -22L)]
    public async Task CriuOnTheRelease_EndsAsPlanSays(string dump, string release, string end, string? check, long? ret)
    {
        foreach (string reference in new[] { "criu-dev", "v4.2" })
        {
            // CRIU's side: the run of that release, its RESTORE call and its outcome.
            JsonObject[] run = Run(reference, dump, release);
            JsonObject restore = run.Single(l => (string?)l["call"] == "AMDKFD_IOC_CRIU_OP" && (long)l["args"]!["op"]! == 3);
            string outcome = (string)run[^1]["outcome"]!;
            // A queue the kernel takes but restores otherwise is said in the call (restored_as): plan's "differs".
            string recorded = outcome switch
            {
                "failed" => "fails",
                "restored" when restore["args"]!["restored_as"] is not null => "differs",
                _ => outcome,
            };
            long? recordedRet = restore["ret"] is { } r ? (long)r < 0 ? -Errno((string)restore["errno"]!) : 0 : null;
            Assert.Equal((end, check, ret), (recorded, (string?)restore["args"]!["refused_by"], recordedRet));
            // An oops never returns: the task died by SIGKILL in the call, which CRIU's sigchld_handler turns into the restore's failure.
            Assert.Equal(ret is null, (string?)run[^1]["stage"] == "killed-in-kernel");

            // plan's side, given the release alone.
            string[] path = reference == "criu-dev" ? ["--contents", "parallel"] : [];
            (_, string json, _) = await Cli.Run(["plan", CriuFixtures.Path_(dump), "--format", "json", "--target-kernel", release, "--criu", reference, .. path]);
            JsonObject planned = Find(JsonNode.Parse(json)!)!;
            JsonObject call = planned["calls"]!.AsArray().Select(c => c!.AsObject()).Single(c => (string)c["call"]! == "AMDKFD_IOC_CRIU_OP" && (long)c["args"]!["op"]! == 3);
            Assert.Equal((end, check, ret), ((string)planned["end"]!["how"]!, (string?)call["args"]!["refused_by"], call["ret"] is { } p ? (long)p : null));
            Assert.Equal(end == "differs" ? "CRI342" : end == "fails" ? "CRI340" : null, (string?)planned["end"]!["code"]);
        }
    }

    private static JsonObject[] Run(string reference, string dump, string kernel)
    {
        string file = Path.Combine(RepoPaths.Root, "tests", "restore-oracle", "recordings", reference, dump.Replace('/', '+') + ".jsonl");
        JsonObject[] lines = [.. File.ReadLines(file).Select(l => JsonNode.Parse(l)!.AsObject())];
        int start = Array.FindIndex(lines, l => (string?)l["run"]?["kernel"] == kernel);
        Assert.True(start >= 0, $"{file} has no run on {kernel}");
        int end = Array.FindIndex(lines, start, l => l["outcome"] is not null);
        return lines[start..(end + 1)];
    }

    private static JsonObject? Find(JsonNode node) => node switch
    {
        JsonObject o when o["restore"] is JsonObject found => found,
        JsonObject o => o.Select(p => p.Value is null ? null : Find(p.Value)).FirstOrDefault(n => n is not null),
        JsonArray a => a.Select(n => n is null ? null : Find(n)).FirstOrDefault(n => n is not null),
        _ => null,
    };

    private static long Errno(string name) => name switch
    {
        "EINVAL" => 22,
        "EOPNOTSUPP" => 95,
        _ => throw new InvalidDataException("errno " + name + " has no number here"),
    };
}
