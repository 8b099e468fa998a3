using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// <c>stats</c> and <c>diff</c> read criu-images alone: a CRIU file given instead is named, its kind told from the keys of
/// its first fields, its values not read. A KFD image under a name that says nothing had its BO values read (and, with
/// the budget those commands set to 0, written to a scratch file in TMPDIR) only to be called a KFD image: with TMPDIR
/// missing, that ended in "cannot make a scratch file" instead of the line that names it.
/// </summary>
public sealed class NamedNotReadTests : TempFolder
{
    [Theory]
    [InlineData("stats")]
    [InlineData("diff")]
    public async Task AKfdImage_UnderAnotherName_IsNamed_WithoutReadingItsBos(string command)
    {
        string image = Path.Combine(Folder, "checkpoint.bin");
        await File.WriteAllBytesAsync(image, KfdImages.WithPrivateData(20_000));
        string missing = Path.Combine(Folder, "no-such-tmp");
        string[] args = command == "diff" ? [command, image, image] : [command, image];

        (int code, string error) = await HeapLimit.Run(new Dictionary<string, string> { ["TMPDIR"] = missing }, 256L << 20, args);

        Assert.Equal(2, code);
        Assert.Equal($"{image}: error: not a criu-image but a CRIU amdgpu KFD image (amdgpu-kfd-<id>.img): 'criu-image verify', 'info', 'show' and 'decode' read it", error.TrimEnd().Split('\n')[0]);
    }
}
