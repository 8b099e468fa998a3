using System.Text.Json.Nodes;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary><c>criu-image plan</c> and <c>verify --target</c> as a user runs them: exit codes, formats, bad input.</summary>
public sealed class PlanCliTests : TempFolder
{
    [Fact]
    public async Task ARestorableImage_Exit0_ARefusedCall_Exit1()
    {
        (int ok, string text, _) = await Cli.Run("plan", Path.Combine(RepoPaths.Fixtures, "criu-2025-06.img"));
        Assert.Equal(0, ok);
        Assert.Contains("restore on pre-6.18 of a criu-2025-06 image: 3 BOs, 3 mappings, 12 calls, 0 refused", text, StringComparison.Ordinal);
        (int refused, string json, _) = await Cli.Run("plan", "--format", "json", Fixture("CRI217-high-half-masked-6.18"));
        Assert.Equal(1, refused);
        JsonNode va = JsonNode.Parse(json)!["calls"]!.AsArray().First(c => c!["refusals"] is not null)!;
        Assert.Equal("CRI217", va["refusals"]![0]!["code"]!.GetValue<string>());
        Assert.Equal("-EINVAL", va["refusals"]![0]!["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task Dash_ReadsTheImageFromStandardInput()
    {
        using var output = new MemoryStream();
        using var error = new StringWriter();
        byte[] image = File.ReadAllBytes(Path.Combine(RepoPaths.Fixtures, "criu-2025-06.img"));
        int code = await Analyzer.Program.RunAsync(["plan", "-"], new MemoryStream(image), output, error);
        Assert.Equal((0, ""), (code, error.ToString()));
        Assert.StartsWith("-: restore on pre-6.18 of a criu-2025-06 image: 3 BOs, 3 mappings, 12 calls, 0 refused", System.Text.Encoding.UTF8.GetString(output.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheTarget_ChangesTheVerdict()
    {
        string image = Fixture("CRI113-settable-by-target");
        (_, string pre, _) = await Cli.Run("verify", image);
        (_, string on618, _) = await Cli.Run("verify", "--target", "6.18", image);
        Assert.Contains("BO 2 has alloc_flags 0x2000: GEM_CREATE on pre-6.18 refuses", pre, StringComparison.Ordinal);
        Assert.DoesNotContain("BO 2 has alloc_flags", on618, StringComparison.Ordinal);
        (_, string plan, _) = await Cli.Run("plan", "--target", "6.18", image);
        Assert.Contains("restore on 6.18 of a criu-v8 image", plan, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plan")]
    [InlineData("plan", "--target", "6.12", "x.img")]
    [InlineData("verify", "--target", "linux-6.18", "x.img")]
    [InlineData("plan", "--format", "sarif", "x.img")]
    public async Task BadCommandLines_Exit2(params string[] args) => Assert.Equal(2, (await Cli.Run(args)).Code);

    [Fact]
    public async Task ADamagedOrMissingImage_IsOneLine_Exit2()
    {
        string damaged = Path.Combine(Folder, "cut.img");
        File.WriteAllBytes(damaged, DamagedImages.All["CRI013-truncated"]());
        (int code, string output, string error) = await Cli.Run("plan", damaged);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Matches(@"^.*cut\.img: error: at byte \d+.*truncated.*\n$", error);
        (int missing, _, string none) = await Cli.Run("plan", Path.Combine(Folder, "absent.img"));
        Assert.Equal(2, missing);
        Assert.Single(none.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static string Fixture(string name) => Path.Combine(RepoPaths.Fixtures, "verify", name + ".img");
}
