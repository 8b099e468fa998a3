using System.Formats.Tar;
using System.Text.Json;
using System.Text.Json.Nodes;
using CriuImage.Diagnostics;
using CriuImage.Restore;
using CriuImage.Tests.Support;
using Xunit;

namespace CriuImage.Tests;

/// <summary>
/// verify, plan and restorable tell one restore truth for every fixture input: each dump whole, each of its files
/// alone, each damaged dump, the archives, a folder and a tar holding part of a dump. Per input and target kernel
/// (none, and the release standing for each of the first kernel lines of restorable): the same exit class from
/// verify and plan; the code where plan's restore stops is one of verify's errors; restorable's row for the CRIU
/// and contents path plan replays says restored, unknown or wrong as verify and plan do, with plan's code.
/// </summary>
public sealed class CommandAgreementTests : TempFolder
{
    private static readonly string[] Dumps = ["criu-dev", "d5377d5d2", "released-v3.17", "released-v4.2"];

    /// <summary>The endings that make a restore fail (exit 1 of plan), as plan's JSON names them.</summary>
    private static readonly HashSet<string> Failing = ["fails", "crashes", "never-ends", "fails-late", "fails-or-restores"];

    [Fact]
    public async Task Verify_Plan_And_Restorable_Agree_OnEveryFixtureInput()
    {
        var disagreements = new List<string>();
        string[] kernels = [.. Restorability.Kernels.Take(3).Select(k => k.Release)];
        foreach (string input in Inputs())
        {
            await Compare(input, null, disagreements);
            foreach (string kernel in kernels)
            {
                await Compare(input, kernel, disagreements);
            }
        }

        Assert.True(disagreements.Count == 0, $"{disagreements.Count} disagreements:\n{string.Join("\n", disagreements)}");
    }

    [Fact]
    public async Task ARenderNodeGivenAlone_WaitsForAnExporterNotGiven_AndEndsUnknown_NotNeverEnds()
    {
        string node = Path.Combine(CriuFixtures.Root, "criu-dev", "amdgpu-renderD-7.img");
        (int planExit, string plan, _) = await Cli.Run("plan", "--format", "json", node);
        (int verifyExit, string verify, _) = await Cli.Run("verify", "--format", "json", node);
        (_, string restorable, _) = await Cli.Run("restorable", "--format", "json", node);
        Assert.Equal((0, 0), (planExit, verifyExit));
        Assert.Equal("unknown", (string?)JsonNode.Parse(plan)!["dumps"]![0]!["restore"]!["end"]!["how"]);
        Assert.DoesNotContain("CRI315", verify, StringComparison.Ordinal);
        Assert.Contains(JsonNode.Parse(restorable)!["dumps"]![0]!["rows"]!.AsArray(), r => (string?)r!["criu"] == "criu-dev" && (string?)r["kernel"] == "6.18.16..6.18.35" && (string?)r["how"] == "unknown");

        // The same file in its whole dump, with its exporter gone (damaged/orphan-import), never ends.
        (int orphanExit, string orphan, _) = await Cli.Run("plan", "--format", "json", Path.Combine(CriuFixtures.Root, "damaged", "orphan-import"));
        Assert.Equal((1, "never-ends"), (orphanExit, (string?)JsonNode.Parse(orphan)!["dumps"]![0]!["restore"]!["end"]!["how"]));
    }

    [Fact]
    public async Task AFailureOnlyThePathReplayedMeets_DoesNotFailPlan_WhenNothingSaysThePath()
    {
        string dump = Path.Combine(CriuFixtures.Root, "damaged", "no-contents-bos");
        (int guessed, string text, _) = await Cli.Run("plan", dump);
        (int parallel, _, _) = await Cli.Run("plan", dump, "--contents", "parallel");
        Assert.Equal((0, 1), (guessed, parallel));
        Assert.Contains("on the serial path the restore ends differs, so whether it fails depends on the path CRIU takes", text, StringComparison.Ordinal);
    }

    private IEnumerable<string> Inputs()
    {
        string root = CriuFixtures.Root;
        foreach (string folder in Dumps.Select(d => Path.Combine(root, d)).Concat(Directory.EnumerateDirectories(Path.Combine(root, "damaged")).Order(StringComparer.Ordinal)))
        {
            yield return folder;
            foreach (string file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
            {
                yield return file;
            }
        }

        yield return Path.Combine(root, "archives", "checkpoint-criu-dev.tar");
        yield return Path.Combine(root, "archives", "checkpoint-criu-dev.tar.gz");

        // Part of a dump, as a folder and as a tar: the render node whose import renderD-8 exports, and its contents.
        string part = Path.Combine(Folder, "part");
        Directory.CreateDirectory(part);
        foreach (string name in new[] { "amdgpu-renderD-7.img", "amdgpu-drm-pages-7-128-0000.img", "amdgpu-drm-pages-7-128-0001.img", "amdgpu-drm-pages-7-128-0002.img" })
        {
            File.Copy(Path.Combine(root, "criu-dev", name), Path.Combine(part, name));
        }

        yield return part;
        string tar = Path.Combine(Folder, "part.tar");
        TarFile.CreateFromDirectory(part, tar, includeBaseDirectory: false);
        yield return tar;
    }

    private static async Task Compare(string input, string? kernel, List<string> disagreements)
    {
        string[] target = kernel is null ? [] : ["--target-kernel", kernel];
        string where = $"{Path.GetRelativePath(RepoPaths.Fixtures, input)}{(kernel is null ? "" : $" on {kernel}")}";
        (int verifyExit, string verifyJson, _) = await Cli.Run(["verify", "--format", "json", .. target, input]);
        (int planExit, string planJson, _) = await Cli.Run(["plan", "--format", "json", .. target, input]);
        if (verifyExit != planExit)
        {
            disagreements.Add($"{where}: verify exits {verifyExit}, plan {planExit}");
        }

        if (verifyExit == 2 || planExit == 2)
        {
            return;
        }

        HashSet<string> errors = Codes(verifyJson, Severity.Error);
        HashSet<string> warnings = Codes(verifyJson, Severity.Warning);
        using JsonDocument plan = JsonDocument.Parse(planJson);
        foreach (JsonElement dump in plan.RootElement.GetProperty("dumps").EnumerateArray())
        {
            if (!dump.TryGetProperty("restore", out JsonElement restore))
            {
                continue;
            }

            JsonElement end = restore.GetProperty("end");
            string how = end.GetProperty("how").GetString()!;
            string? code = end.TryGetProperty("code", out JsonElement c) ? c.GetString() : null;
            if (planExit == 1 && Failing.Contains(how) && !errors.Contains(code!))
            {
                disagreements.Add($"{where}: plan's restore {how} at {code}, verify's errors are [{string.Join(", ", errors.Order())}]");
            }

            if (kernel is not null)
            {
                await CompareRow(input, kernel, where, restore, how, code, errors, warnings, disagreements);
            }
        }
    }

    private static async Task CompareRow(string input, string kernel, string where, JsonElement restore, string how, string? code, HashSet<string> errors, HashSet<string> warnings, List<string> disagreements)
    {
        string criu = restore.GetProperty("criu").GetString() is "criu-dev" ? "criu-dev" : "v3.17..v4.2";
        string contents = restore.GetProperty("contents").GetString()!;
        string line = Restorability.Kernels.First(k => k.Release == kernel).Kernel;
        (_, string json, _) = await Cli.Run("restorable", "--format", "json", "--target-kernel", kernel, input);
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement? row = doc.RootElement.GetProperty("dumps").EnumerateArray()
            .SelectMany(d => d.GetProperty("rows").EnumerateArray())
            .Where(r => r.GetProperty("criu").GetString() == criu && r.GetProperty("contents").GetString() == contents && r.GetProperty("kernel").GetString() == line)
            .Select(r => (JsonElement?)r).FirstOrDefault();
        if (row is not { } found)
        {
            disagreements.Add($"{where}: restorable has no row for CRIU {criu} ({contents}) on {line}");
            return;
        }

        string rowHow = found.GetProperty("how").GetString()!;
        string? rowCode = found.TryGetProperty("code", out JsonElement rc) ? rc.GetString() : null;
        bool unknown = rowHow == "unknown";
        string says = rowHow;
        if (Failing.Contains(rowHow) && !unknown && (rowHow != how || rowCode != code))
        {
            disagreements.Add($"{where}: restorable says {says} ({rowCode}), plan {how} ({code})");
        }
        else if ((says is "restored" || unknown) && errors.Count > 0)
        {
            disagreements.Add($"{where}: restorable says {says}, verify has errors [{string.Join(", ", errors.Order())}]");
        }
        else if (unknown && how != "unknown" && warnings.Count == 0)
        {
            disagreements.Add($"{where}: restorable says unknown, plan {how} ({code}) and verify warns of nothing");
        }
        else if (!Failing.Contains(rowHow) && Failing.Contains(how))
        {
            disagreements.Add($"{where}: restorable says {says}, plan {how} ({code})");
        }
    }

    private static HashSet<string> Codes(string verifyJson, Severity severity)
    {
        using JsonDocument doc = JsonDocument.Parse(verifyJson);
        string name = severity == Severity.Error ? "error" : "warning";
        return [.. doc.RootElement.GetProperty("files").EnumerateArray()
            .SelectMany(f => f.TryGetProperty("diagnostics", out JsonElement d) ? d.EnumerateArray() : Enumerable.Empty<JsonElement>())
            .Where(d => d.GetProperty("severity").GetString() == name)
            .Select(d => d.GetProperty("code").GetString()!)];
    }
}
