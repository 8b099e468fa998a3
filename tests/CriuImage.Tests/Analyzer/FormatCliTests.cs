using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>What the format 1.1 work shows on the command line: the image id, 1.0's weak digest, bounded encode.</summary>
public sealed class FormatCliTests : TempFolder
{
    [Fact]
    public async Task Info_ShowsTheImageId_AndSaysA10DigestIsWeak()
    {
        (int code, string output, _) = await Cli.Run("info", Path.Combine(RepoPaths.Fixtures, "criu-v8.img"));
        Assert.Equal(0, code);
        Assert.Contains("criu-image 1.1 (features incompat 0x1", output, StringComparison.Ordinal);
        Assert.Contains("image id:      04faa7ef51b43dc4e82e155ddc6d00e8", output, StringComparison.Ordinal);

        (code, output, _) = await Cli.Run("info", Path.Combine(RepoPaths.Fixtures, "v1.0", "criu-v8.img"));
        Assert.Equal(0, code);
        Assert.Contains("image id:      none (format 1.0: its trailer digest is weak", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_OfA10Image_IsANote_NotAFailure()
    {
        (int code, string output, _) = await Cli.Run("verify", Path.Combine(RepoPaths.Fixtures, "v1.0", "criu-2025-06.img"));
        Assert.Equal(0, code);
        Assert.Contains("note CRI016", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EncodeOfDevZero_FailsAtOnce_WithOneLine()
    {
        Task<(int Code, string Output, string Error)> run = Cli.Run("encode", "/dev/zero", "-o", Path.Combine(Folder, "z.img"));
        Assert.Same(run, await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30))));
        (int code, _, string error) = await run;
        Assert.Equal(2, code);
        Assert.Equal("/dev/zero: error: a character device (1:5), not a file, folder or pipe: not read (what a device gives is no checkpoint, and /dev/zero never ends)\n", error.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(Folder, "z.img")));
    }

    [Fact]
    public async Task EncodeOfADocumentWithTextAfterIt_FailsWithTheLine()
    {
        string json = Path.Combine(Folder, "g.json");
        File.WriteAllText(json, File.ReadAllText(Path.Combine(RepoPaths.Fixtures, "empty.json")) + "garbage\n");
        (int code, _, string error) = await Cli.Run("encode", json, "-o", Path.Combine(Folder, "g.img"));
        Assert.Equal(2, code);
        Assert.Contains("text follows the JSON object", error, StringComparison.Ordinal);
    }
}
