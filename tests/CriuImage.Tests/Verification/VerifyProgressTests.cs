using CriuImage.Abi;
using CriuImage.Tests.Support;
using CriuImage.Verification;

namespace CriuImage.Tests;

/// <summary>A large image's progress by bytes (<see cref="VerifyOptions.BytesRead"/>), what the terminal's bar of one image shows.</summary>
public sealed class VerifyProgressTests : TempFolder
{
    [Fact]
    public async Task BytesRead_RisesToTheFileLength_WithoutChangingTheReport()
    {
        List<BoEntry> bos = new RandomImages(5).NextBos(AbiRevision.Linux6_18, 60, 8_000);
        string path = Path.Combine(Folder, "large.img");
        File.WriteAllBytes(path, await Images.WriteAsync(new ImageHeader(AbiRevision.Linux6_18), bos));
        Assert.True(new FileInfo(path).Length > 1 << 20, "the image spans several of the scanner's reads");
        var reached = new Recorder();

        FileReport withProgress = ImageVerifier.Verify(path, "large.img", new VerifyOptions { BytesRead = reached });

        Assert.True(reached.Values.Count >= 2, $"{reached.Values.Count} reports");
        Assert.Equal(new FileInfo(path).Length, reached.Values[^1]);
        Assert.Equal(reached.Values.Order(), reached.Values);
        FileReport without = ImageVerifier.Verify(path, "large.img");
        Assert.Equal(without.Diagnostics.Select(d => d.Message), withProgress.Diagnostics.Select(d => d.Message));
    }

    /// <summary>Records every report on the reporting thread (Progress&lt;T&gt; would post them elsewhere).</summary>
    private sealed class Recorder : IProgress<long>
    {
        public List<long> Values { get; } = [];

        public void Report(long value) => Values.Add(value);
    }
}
