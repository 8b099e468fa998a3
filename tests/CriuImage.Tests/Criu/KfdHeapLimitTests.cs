using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// A KFD image is read a field at a time and its private data walked from the file: a 6.12+ image of 200,000 BOs
/// (60 MB, 272 bytes of private data a BO) is verified and planned under a 48 MiB heap. Held whole, the file alone is
/// more than the limit (the reader before needed about 1.7 bytes of heap per byte of file).
/// </summary>
public sealed class KfdHeapLimitTests : TempFolder
{
    private const long Limit = 48L << 20;

    [Fact]
    public async Task AKfdImageWithPrivateData_LargerThanTheHeap_IsVerifiedAndPlanned()
    {
        string file = Path.Combine(Folder, "amdgpu-kfd-5.img");
        byte[] image = KfdImages.WithPrivateData(200_000);
        Assert.True(image.Length > Limit);
        await File.WriteAllBytesAsync(file, image);

        foreach (string command in new[] { "verify", "plan" })
        {
            (int code, string error) = await HeapLimit.Run(Limit, command, file);
            Assert.True(code == 0 && error.Length == 0, $"{command} under a {Limit >> 20} MiB heap limit exited {code}: {error}");
        }
    }
}
