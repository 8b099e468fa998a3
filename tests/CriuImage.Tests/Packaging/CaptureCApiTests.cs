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
        (int code, string output, string error) = await CaptureAsync([], Threads, "{pid}", "{fd}");
        Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
    }

    /// <summary>
    /// The same capture and verify from two threads under valgrind (issue 21: no leak and no memory error crosses
    /// the boundary): the seccomp filter is inherited by valgrind, which makes the guest's ioctl itself, so the
    /// fake still answers it. Valgrind 3.19 (Debian 12) does not know pidfd_open, so the program captures a
    /// descriptor of the node it holds itself, as a dumper that opened the node does (PID 0, "{ownfd}").
    /// </summary>
    [NativeFact]
    public async Task CApi_Capture_UnderValgrind_HasNoMemoryErrorOrLeak()
    {
        (int code, string output, string error) = await CaptureAsync(["valgrind", "--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite"], 2, "0", "{ownfd}");
        Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
        Assert.Contains("ERROR SUMMARY: 0 errors", error, StringComparison.Ordinal);
        Assert.Contains("definitely lost: 0 bytes", error, StringComparison.Ordinal);
    }

    /// <summary>Runs capture_threads under the fake (after <paramref name="prefix"/>, a program it runs under) and checks each image against the model's.</summary>
    private async Task<(int Code, string Output, string Error)> CaptureAsync(string[] prefix, int threads, string pid, string fd)
    {
        string program = CExamples.Compile(Folder, "capture_threads.c", "-std=gnu11", "-pthread", "-Wall", "-Wextra", "-Werror");
        string fake = FakeRenderNode.Compile(Folder);
        FakeRenderNode node = FakeRenderNode.Create(70, late: 0);
        string model = Path.Combine(Folder, "model");
        node.Write(model);

        var (code, output, error) = NativeArtifacts.Run(fake, Folder, [model, "none", "--", .. prefix, program, pid, fd, Folder, threads.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
        Assert.Contains("closed descriptor: -9 criu_image_capture: DRM_IOCTL_AMDGPU_GEM_LIST_HANDLES: the descriptor is not open (EBADF: Bad file descriptor)\n", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Folder, "closed.img")));
        for (int i = 0; i < threads; i++)
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

        Assert.Equal(threads, Directory.GetFiles(Folder, "capture-*").Length);
        return (code, output, error);
    }
}
