using System.Text.Json.Nodes;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// What only the replay of CRIU finds (CRI325-CRI334) after a stop (a refused call, or a KFD image whose private data
/// the kernel refuses) is found by replaying with the stop mended and is
/// said by verify as what follows it (docs/diagnostics.md "Findings after the stop"), at its own severity; plan's
/// restore still ends at the stop and names nothing after it.
/// </summary>
public sealed class FindingsAfterStopTests
{
    private static async Task<List<(string File, string Code, string Severity, string Message)>> Findings(params string[] args)
    {
        (_, string json, _) = await Cli.Run(["verify", "--format", "json", .. args]);
        return [.. JsonNode.Parse(json)!["files"]!.AsArray().SelectMany(f => f!["diagnostics"]!.AsArray()
            .Select(d => (Path.GetFileName((string)f["path"]!), (string)d!["code"]!, (string)d["severity"]!, (string)d["message"]!)))];
    }

    [Fact]
    public async Task AReplayOnlyEnding_PastAKernelRefusal_IsSaidAfterTheStop()
    {
        var found = await Findings(CriuFixtures.Path_("damaged/kfd-bo-on-mapping"));
        (string file, _, string severity, string message) = Assert.Single(found, f => f.Code == "CRI332");
        Assert.Equal(("amdgpu-renderD-7.img", "warning"), (file, severity));
        Assert.StartsWith("not reached: the restore stops first (CRI314 in amdgpu-renderD-7.img); once that is fixed: restore by CRIU criu-dev: differs:", message, StringComparison.Ordinal);

        (_, string plan, _) = await Cli.Run("plan", "--format", "json", CriuFixtures.Path_("damaged/kfd-bo-on-mapping"));
        JsonNode restore = JsonNode.Parse(plan)!["dumps"]![0]!["restore"]!;
        Assert.Equal("CRI314", (string)restore["end"]!["code"]!);
        Assert.DoesNotContain(restore["differences"]!.AsArray(), d => (string?)d!["code"] == "CRI332");
    }

    [Fact]
    public async Task AReplayOnlyEnding_PastAKfdImageTheKernelRefuses_IsSaidOnTheRenderNode()
    {
        // The target kernel refuses the KFD image's event page (CRI340): the render nodes are not reached, and the
        // replay past that stop restores them as the dump without the refusal does (CRI332 on renderD-7).
        var found = await Findings(CriuFixtures.Path_("damaged/kfd-event-page-small"));
        (string file, _, string severity, string message) = Assert.Single(found, f => f.Code == "CRI332");
        Assert.Equal(("amdgpu-renderD-7.img", "warning"), (file, severity));
        Assert.StartsWith("not reached: the restore stops first (CRI340 in amdgpu-kfd-5.img); once that is fixed: restore by CRIU criu-dev: differs:", message, StringComparison.Ordinal);
        string clean = Assert.Single(await Findings(CriuFixtures.Path_("criu-dev")), f => f.Code == "CRI332").Message;
        Assert.EndsWith(clean[clean.IndexOf(": differs:", StringComparison.Ordinal)..], message, StringComparison.Ordinal);

        // plan still ends at the refusal and names no render-node call.
        (_, string plan, _) = await Cli.Run("plan", "--format", "json", CriuFixtures.Path_("damaged/kfd-event-page-small"));
        JsonNode restore = JsonNode.Parse(plan)!["dumps"]![0]!["restore"]!;
        Assert.Equal("CRI340", (string)restore["end"]!["code"]!);
        Assert.DoesNotContain(restore["calls"]!.AsArray(), c => ((string)c!["file"]!).StartsWith("amdgpu-renderD-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithoutAStop_TheSameEndingIsSaidAsFound()
    {
        var found = await Findings(CriuFixtures.Path_("damaged/kfd-bo-unmapped-on-mapping"));
        Assert.StartsWith("restore by CRIU criu-dev: differs:", Assert.Single(found, f => f.Code == "CRI332").Message, StringComparison.Ordinal);
    }
}
