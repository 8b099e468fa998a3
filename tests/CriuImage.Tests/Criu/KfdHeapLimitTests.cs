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

    /// <summary>
    /// The BO entries are kept as 48-byte values, those past a quarter of the heap in a scratch file: 300,000 BOs (90 MB)
    /// are shown, summed up, verified and planned under a 24 MiB heap. The reader before held an object of 80 bytes a BO
    /// and ran out of memory in all four (measured by hand on the same shape).
    /// </summary>
    [Fact]
    public async Task TheBoEntries_PastAQuarterOfTheHeap_AreNotHeld()
    {
        const long limit = 24L << 20;
        string file = Path.Combine(Folder, "amdgpu-kfd-5.img");
        await File.WriteAllBytesAsync(file, KfdImages.WithPrivateData(300_000));
        foreach (string command in new[] { "show", "info", "verify", "plan" })
        {
            (int code, string error) = await HeapLimit.Run(limit, command, file);
            Assert.True(code == 0 && error.Length == 0, $"{command} under a {limit >> 20} MiB heap limit exited {code}: {error}");
        }
    }

    /// <summary>
    /// restorable walks each kernel line's BO records, and the check that no two BOs of a GPU share an idr handle sorted
    /// a key of 8 bytes a BO in one array (16 MB at 2x10^6 BOs). The keys are now sorted in runs of 2^15 written to a
    /// scratch file: 600,000 BOs (180 MB) are judged under an 11 MiB heap. Measured on the build before, the same image
    /// ran out of memory under 12 MiB; the build now passes under 9.
    /// </summary>
    [Fact]
    public async Task Restorable_OfAKfdImageOf600000Bos_HoldsNoKeyABo()
    {
        const long limit = 11L << 20;
        string file = Path.Combine(Folder, "amdgpu-kfd-5.img");
        KfdImages.WriteWithPrivateData(file, 600_000);
        (int code, string error) = await HeapLimit.Run(limit, "restorable", file);
        // A lone KFD image whose private data every kernel takes: restored (0); out of memory it stops with 2.
        Assert.True(code == 0 && error.Length == 0, $"restorable under a {limit >> 20} MiB heap limit exited {code}: {error}");
    }
}
