using System.Text.Json.Nodes;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary><c>decode</c> of a whole dump: a folder or a container archive becomes one document of its CRIU files.</summary>
public sealed class CriuDecodeTests : TempFolder
{
    [Theory]
    [InlineData("criu-dev", "")]
    [InlineData("archives/checkpoint-criu-dev.tar", ":checkpoint/")]
    [InlineData("archives/checkpoint-criu-dev.tar.gz", ":checkpoint/")]
    public async Task DumpFolderOrArchive_IsOneDocument_FileByFile_AsEachDecodesAlone(string fixture, string inside)
    {
        string dump = CriuFixtures.Path_(fixture);
        (int code, string output, string error) = await Cli.Run("decode", dump);
        Assert.Equal((0, ""), (code, error));
        JsonArray files = JsonNode.Parse(output)!["files"]!.AsArray();
        string[] names = Directory.EnumerateFiles(CriuFixtures.Path_("criu-dev"), "amdgpu-*").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        Assert.Equal(names.Select(n => (inside.Length == 0 ? Path.Combine(dump, n) : dump + inside + n)), files.Select(f => f!["path"]!.GetValue<string>()).Order(StringComparer.Ordinal));

        // Each entry is what decode of the file alone gives, with its path first.
        string kfd = Path.Combine(CriuFixtures.Path_("criu-dev"), "amdgpu-kfd-5.img");
        JsonObject alone = JsonNode.Parse((await Cli.Run("decode", kfd)).Output)!.AsObject();
        JsonObject entry = files.Single(f => f!["path"]!.GetValue<string>().EndsWith("amdgpu-kfd-5.img", StringComparison.Ordinal))!.AsObject();
        entry.Remove("path");
        Assert.Equal(alone.ToJsonString(), entry.ToJsonString());
    }

    [Fact]
    public async Task DamagedFile_InAFolder_HasItsError_InPlaceOfItsMessage()
    {
        (int code, string output, string error) = await Cli.Run("decode", CriuFixtures.Path_("damaged/truncated-kfd"));

        // Decoded as far as it could be read, and still an input that could not be read: exit 2, as verify, info, show and plan.
        Assert.Equal(2, code);
        Assert.StartsWith($"{CriuFixtures.Path_("damaged/truncated-kfd/amdgpu-kfd-5.img")}: error: at byte 1025", error, StringComparison.Ordinal);
        JsonNode kfd = JsonNode.Parse(output)!["files"]!.AsArray().Single(f => f!["kind"]!.GetValue<string>() == "kfd")!;
        Assert.Contains("truncated", kfd["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(kfd["message"]);
    }

    [Fact]
    public async Task FolderWithoutCriuFiles_IsOneLine_Exit2()
    {
        File.Copy(Path.Combine(RepoPaths.Fixtures, "criu-2025-06.img"), Path.Combine(Folder, "a.img"));
        (int code, string output, string error) = await Cli.Run("decode", Folder);
        Assert.Equal((2, ""), (code, output));
        Assert.Contains("no CRIU amdgpu file found to decode (1 other entry skipped)", error, StringComparison.Ordinal);
    }
}
