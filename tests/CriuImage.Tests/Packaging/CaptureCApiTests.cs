using CriuImage.Tests.Support;

namespace CriuImage.Tests.Capture;

/// <summary>
/// criu_image_capture from C (examples/c/capture_threads.c, linked through pkg-config against the NativeAOT
/// library) under the fake render node: the program takes the fake's descriptor with pidfd_getfd, captures
/// it from four threads at once, then verifies the four images from four threads at once. Each image must be
/// the model's, byte for byte; a descriptor that is not open gives -EBADF and one line.
/// </summary>
public sealed class CaptureCApiTests : TempFolder
{
    private const int Threads = 4;

    [NativeFact]
    public async Task CApi_CapturesAndVerifiesFromSeveralThreadsAtOnce_EachImageTheModels()
    {
        string program = CExamples.Compile(Folder, "capture_threads.c", "-std=gnu11", "-pthread", "-Wall", "-Wextra", "-Werror");
        string fake = FakeRenderNode.Compile(Folder);
        FakeRenderNode node = FakeRenderNode.Create(70, late: 0);
        string model = Path.Combine(Folder, "model");
        node.Write(model);

        var (code, output, error) = NativeArtifacts.Run(fake, Folder, [model, "none", "--", program, "{pid}", "{fd}", Folder, Threads.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
        Assert.Contains("closed descriptor: -9 criu_image_capture: DRM_IOCTL_AMDGPU_GEM_LIST_HANDLES: the descriptor is not open (EBADF: Bad file descriptor)\n", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Folder, "closed.img")));
        for (int i = 0; i < Threads; i++)
        {
            Assert.Contains($"thread {i}: capture 0 verify 0 \n", output, StringComparison.Ordinal);
            string image = Path.Combine(Folder, $"capture-{i}.img");
            ImageHeader header;
            await using (ImageReader reader = ImageReader.Open(image))
            {
                header = await reader.ReadHeaderAsync();
            }

            Assert.StartsWith("libcriuimage ", header.Capture?.Tool, StringComparison.Ordinal);
            byte[] expected = await node.ExpectedImageAsync(header, appeared: 0, closed: false);
            byte[] captured = await File.ReadAllBytesAsync(image);
            Assert.True(expected.AsSpan().SequenceEqual(captured), $"capture-{i}.img differs from the model's image");
        }

        Assert.Equal(Threads, Directory.GetFiles(Folder, "capture-*").Length);
    }
}
