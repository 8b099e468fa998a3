using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>The <c>criu-image</c> commands as a user runs them: output, messages and exit codes.</summary>
public sealed class CliTests : TempFolder
{
    [Fact]
    public async Task Decode_PrintsTheJson()
    {
        (int code, string output, string error) = await Run("decode", Path.Combine(RepoPaths.Fixtures, "linux-6.18.img"));
        Assert.Equal((0, ""), (code, error));
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Fixtures, "linux-6.18.json")), output);
    }

    [Fact]
    public async Task EncodeThenDecode_ToFiles_RoundTrips()
    {
        string image = Path.Combine(Folder, "a.img");
        string json = Path.Combine(Folder, "a.json");
        Assert.Equal(0, (await Run("encode", Path.Combine(RepoPaths.Fixtures, "criu-2025-06.json"), "-o", image)).Code);
        Assert.Equal(0, (await Run("decode", image, "-o", json)).Code);
        Assert.Equal(File.ReadAllBytes(Path.Combine(RepoPaths.Fixtures, "criu-2025-06.img")), File.ReadAllBytes(image));
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Fixtures, "criu-2025-06.json")), File.ReadAllText(json));
    }

    [Fact]
    public async Task Info_DescribesTheImage()
    {
        (int code, string output, _) = await Run("info", Path.Combine(RepoPaths.Fixtures, "criu-2025-06.img"));
        Assert.Equal(0, code);
        Assert.Contains("abi:           criu-2025-06", output, StringComparison.Ordinal);
        Assert.Contains("bos:           3 (1 imported), 2166784 bytes in all", output, StringComparison.Ordinal);
        Assert.Contains("mappings:      3", output, StringComparison.Ordinal);
        Assert.Contains("capture:       time 2025-06-15T15:06:40.0000000Z, pid 4242", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DamagedImage_IsOneLineWithTheOffset_AndExitCode2()
    {
        string image = Path.Combine(Folder, "cut.img");
        File.WriteAllBytes(image, Images.Fixture("criu-v8")[..257]);
        (int code, string output, string error) = await Run("decode", image);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal($"{image}: error: at byte 257 (frame 1): the image is truncated inside the payload of frame 1: 49 more bytes were expected\n", error.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BadJson_IsReportedWithLineAndColumn_AndNoImageIsLeft()
    {
        string json = Path.Combine(Folder, "bad.json");
        string image = Path.Combine(Folder, "bad.img");
        File.WriteAllText(json, "{\"abi\": \"criu-v8\",\n \"bos\": [{\"gem_handle\": -4}]}");
        File.WriteAllText(image, "precious");
        (int code, _, string error) = await Run("encode", json, "-o", image);
        Assert.Equal(2, code);
        Assert.StartsWith($"{json}(2,25): error: gem_handle is -4", error, StringComparison.Ordinal);
        Assert.Equal("precious", File.ReadAllText(image));
        Assert.Equal(2, Directory.GetFiles(Folder).Length);
    }

    [Theory]
    [InlineData("decode")]
    [InlineData("encode", "x.json")]
    [InlineData("frobnicate")]
    public async Task WrongCommandLines_ExitWith2(params string[] args)
    {
        (int code, _, string error) = await Run(args);
        Assert.Equal(2, code);
        Assert.Contains("criu-image: error:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingFile_IsOneLine_AndExitCode2()
    {
        (int code, _, string error) = await Run("info", Path.Combine(Folder, "absent.img"));
        Assert.Equal(2, code);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decode_RefusesToOverwriteItsInput()
    {
        string image = Path.Combine(Folder, "same.img");
        File.Copy(Path.Combine(RepoPaths.Fixtures, "empty.img"), image);
        (int code, _, _) = await Run("decode", image, "-o", image);
        Assert.Equal(2, code);
        Assert.Equal(Images.Fixture("empty"), File.ReadAllBytes(image));
    }

    private static Task<(int Code, string Output, string Error)> Run(params string[] args) => Cli.Run(args);
}
