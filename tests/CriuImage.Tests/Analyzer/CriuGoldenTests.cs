using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// Golden text and JSON of <c>verify</c>, <c>info</c> and <c>decode</c> for every CRIU fixture: each clean
/// dump of each revision, each damaged dump, each dump of several tasks, and the container archives (tests/golden/Criu.*).
/// </summary>
public sealed class CriuGoldenTests
{
    public static TheoryData<string> Fixtures => [.. CriuFixtures.Clean.Select(c => c.Folder), .. CriuFixtures.Damaged.Keys.Select(d => $"damaged/{d}"), .. CriuFixtures.Tasks.Keys.Select(t => $"tasks/{t}"),
        "archives/checkpoint-criu-dev.tar", "archives/checkpoint-criu-dev.tar.gz"];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task Verify_Text_And_Json(string fixture)
    {
        string path = CriuFixtures.Path_(fixture);
        (int code, string text, string error) = await Cli.Run("verify", path);
        (int jsonCode, string json, _) = await Cli.Run("verify", "--format", "json", path);
        Assert.Equal(code, jsonCode);
        Assert.Equal("", error);
        Snapshot.Verify($"Criu.Verify.{Name(fixture)}", $"exit {code}\n{CriuFixtures.Portable(text)}");
        Snapshot.Verify($"Criu.Verify.{Name(fixture)}", CriuFixtures.Portable(json), "json");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task Info_Text_And_Json(string fixture)
    {
        string path = CriuFixtures.Path_(fixture);
        (int code, string text, string error) = await Cli.Run("info", path);
        (_, string json, _) = await Cli.Run("info", "--format", "json", path);
        Snapshot.Verify($"Criu.Info.{Name(fixture)}", $"exit {code}\n{CriuFixtures.Portable(text)}{CriuFixtures.Portable(error)}");
        Snapshot.Verify($"Criu.Info.{Name(fixture)}", CriuFixtures.Portable(json), "json");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task Decode_OfEveryFile(string fixture)
    {
        string folder = CriuFixtures.Path_(fixture);
        if (!Directory.Exists(folder))
        {
            return;
        }

        var all = new System.Text.StringBuilder();
        foreach (string file in Directory.EnumerateFiles(folder).Where(f => Path.GetFileName(f).StartsWith("amdgpu-", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            (int code, string output, string error) = await Cli.Run("decode", file);
            all.Append($"== {Path.GetFileName(file)}: exit {code}\n{output}{CriuFixtures.Portable(error)}");
        }

        Snapshot.Verify($"Criu.Decode.{Name(fixture)}", all.ToString());
    }

    private static string Name(string fixture) => fixture.Replace('/', '-');
}
