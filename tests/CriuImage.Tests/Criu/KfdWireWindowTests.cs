using System.Text;
using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Kernel;
using CriuImage.Restore;
using CriuImage.Tests.Support;
using Microsoft.Win32.SafeHandles;

namespace CriuImage.Tests;

/// <summary>
/// A KFD image read a field at a time from its descriptor (<see cref="WireWindow"/>), its private data left in the file
/// and read again by position when the kernel's walks are replayed, is the image read whole: the same fields, device
/// and BO entries, problems, revisions, private bytes and walk results (every kernel line, RESUME), or the same error at
/// the same offset, whatever the window cuts, lax and strict, on every CRIU KFD fixture, every fuzzing find for KFD
/// images, every cut of an image and random damage.
/// </summary>
public sealed class KfdWireWindowTests : TempFolder
{
    private static readonly int[] Windows = [1, 3, 21, 64, 4096, WireWindow.WindowBytes];

    public static TheoryData<string> Files()
    {
        var files = new TheoryData<string>();
        foreach (string file in Directory.EnumerateFiles(CriuFixtures.Root, "amdgpu-kfd-*.img", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            files.Add(Path.GetRelativePath(RepoPaths.Root, file));
        }

        string corpus = Path.Combine(RepoPaths.Root, "tests", "corpus");
        foreach (string file in Directory.EnumerateFiles(corpus, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (Path.GetRelativePath(corpus, file).StartsWith("criu-kfd", StringComparison.Ordinal))
            {
                files.Add(Path.GetRelativePath(RepoPaths.Root, file));
            }
        }

        return files;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void AKfdImage_ReadInWindows_IsTheImageReadWhole(string file)
    {
        // The fuzzing finds are many and small: windows of 1 and 21 bytes cut every field of them already.
        AssertSameInEveryWindow(File.ReadAllBytes(Path.Combine(RepoPaths.Root, file)), file.StartsWith("fixtures", StringComparison.Ordinal) ? Windows : [1, 21, WireWindow.WindowBytes]);
    }

    [Theory]
    [InlineData("criu-dev/amdgpu-kfd-5.img")]
    [InlineData("criu-dev-queues/amdgpu-kfd-5.img")]
    public void EveryCutAndRandomDamage_ReadInWindows_IsTheWholeRead(string fixture)
    {
        byte[] image = File.ReadAllBytes(CriuFixtures.Path_(fixture));
        for (int cut = 0; cut <= image.Length; cut += cut < 600 ? 1 : 7)
        {
            AssertSameInEveryWindow(image[..cut], [1, 21, WireWindow.WindowBytes]);
        }

        var random = new Random(20);
        for (int i = 0; i < 100; i++)
        {
            byte[] damaged = (byte[])image.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--)
            {
                damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
            }

            AssertSameInEveryWindow(damaged, [1, 21, WireWindow.WindowBytes]);
        }
    }

    [Fact]
    public void AnImageLargerThanTheWindow_KeepsItsPrivateDataInTheFile_AndWalksItTheSame()
    {
        // 20,000 BOs with 272 bytes of private data each (about 6 MB): the private data is read back, never held.
        byte[] bytes = KfdImages.WithPrivateData(20_000);
        Assert.True(bytes.Length > 4 * WireWindow.WindowBytes);
        string whole = Describe(CriuFileReader.Lax.ReadKfd(bytes));
        using SafeFileHandle handle = Written(bytes, out _);
        CriuKfd streamed = CriuFileReader.Lax.ReadKfd(WireWindow.Over(handle, bytes.Length)).Message;
        Assert.True(streamed.Private.InFile);
        Assert.Null(KfdPrivateData.Walk(streamed, KernelProfile.Linux6_18));
        Assert.Equal(whole, Describe(CriuFileReader.Lax.ReadKfd(WireWindow.Over(handle, bytes.Length))));
    }

    [Fact]
    public void AFileCutAfterItWasRead_IsSaidAtItsByte_WhenItsPrivateDataIsWalked()
    {
        byte[] bytes = KfdImages.WithPrivateData(2_000);
        using SafeFileHandle handle = Written(bytes, out string path);
        CriuKfd kfd = CriuFileReader.Lax.ReadKfd(WireWindow.Over(handle, bytes.Length)).Message;
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<ImageFormatException>(() => KfdPrivateData.Walk(kfd, KernelProfile.Linux6_18));
        Assert.Contains("changed while being read", e.Message, StringComparison.Ordinal);
        Assert.True(e.ByteOffset >= bytes.Length / 2 - 1);
    }

    private SafeFileHandle Written(byte[] bytes, out string path)
    {
        path = Path.Combine(Folder, "amdgpu-kfd-5.img");
        File.WriteAllBytes(path, bytes);
        return File.OpenHandle(path);
    }

    private void AssertSameInEveryWindow(byte[] bytes, int[] windows)
    {
        using SafeFileHandle handle = Written(bytes, out _);
        WireWindowTests.AssertSameInEveryWindow(bytes, handle, windows, (reader, file) => reader.ReadKfd(file), Describe);
    }

    /// <summary>Everything a read gives, as text: the image's fields, entries, problems, private bytes and what every kernel line's walk makes of them.</summary>
    private static string Describe(CriuMessageFile<CriuKfd> file)
    {
        CriuKfd kfd = file.Message;
        var text = new StringBuilder();
        text.AppendLine($"{file.Revisions} {file.StaleBytes} {file.MessageLength} {kfd.Pid} {kfd.NumOfGpus} {kfd.NumOfCpus} {kfd.NumOfBos} {kfd.NumOfObjects} {kfd.SharedMemSize} {kfd.SharedMemMagic} {kfd.NumOfBosOffset} {kfd.NumOfGpusOffset}");
        text.AppendLine(Convert.ToHexString(kfd.PrivData.Span));
        foreach (CriuProblem problem in file.Problems)
        {
            text.AppendLine(problem.ToString());
        }

        foreach (KfdDeviceEntry device in kfd.DeviceEntries)
        {
            text.AppendLine($"{device.ByteOffset} {string.Join(",", Enumerable.Range(1, KfdDeviceEntry.FieldNames.Count).Select(n => device[n]))} {string.Join(",", device.Iolinks)}");
        }

        foreach (KfdBoEntry bo in kfd.BoEntries)
        {
            text.AppendLine($"{bo} {bo.ByteOffset}");
        }

        text.AppendLine($"walks: {Walk(() => KfdPrivateData.Walk(kfd, 16))} {Walk(() => KfdPrivateData.Walk(kfd, 64))} {Walk(() => KfdSvmResume.Refusal(kfd, null))} {Walk(() => KfdSvmResume.Refusal(kfd, KernelProfile.Linux6_18))}");
        return text.ToString();
    }

    private static string Walk(Func<KfdPrivateData.KfdRefusal?> walk) => walk() is { } refusal ? $"{refusal.Errno}:{refusal.Check}:{refusal.Message}" : "-";
}
