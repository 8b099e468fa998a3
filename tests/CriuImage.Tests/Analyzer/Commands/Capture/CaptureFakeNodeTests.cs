using CriuImage.Abi;
using CriuImage.Tests.Support;

namespace CriuImage.Tests.Capture;

/// <summary>
/// <c>criu-image capture</c> through its real call path against a fake render node: the fake
/// (tests/capture-fake) starts a process holding a placeholder file open, runs the capture under a seccomp
/// filter that hands it every ioctl, and answers those on the placeholder as Linux 6.18's amdgpu_gem.c would
/// from a model, changing the model mid-capture as a running process would. The capture takes the
/// descriptor with pidfd_getfd and must give, byte for byte, the image our writer makes from the model's BOs
/// open at the end; each fault must end with exit status 2, one line naming the call, and no file. The
/// criu-2025-06 posting's two calls are modelled too (without faults: it has no errno for a closed handle).
/// Run with the .NET build, the ReadyToRun and NativeAOT publishes where artifacts/ has them.
/// </summary>
public sealed class CaptureFakeNodeTests : TempFolder
{
    private const int Present = 70;

    public static TheoryData<string, int, int, bool> Changes => new()
    {
        // fault, late BOs in the model, how many of them are open at the end, whether the closing BO is closed
        { "none", 0, 0, false },
        { "grow:20", 40, 40, false },
        { "eagain:3", 3, 3, false },
        { "close", 0, 0, true },
        { "shrink", 0, 0, true },
    };

    public static TheoryData<string, string> Faults => new()
    {
        { "never", "DRM_IOCTL_AMDGPU_GEM_LIST_HANDLES: the count never settled: 8 calls in a row each answered more than the array held" },
        { "efault-list", "DRM_IOCTL_AMDGPU_GEM_LIST_HANDLES: the kernel could not write the entries into capture's array (EFAULT: Bad address)" },
        { "efault-map", "BO 1: DRM_IOCTL_AMDGPU_GEM_OP GET_MAPPING_INFO: the kernel could not write the entries into capture's array (EFAULT: Bad address)" },
        { "huge-map", "BO 1: DRM_IOCTL_AMDGPU_GEM_OP GET_MAPPING_INFO: the kernel counts 70000000 entries, more than one call may ask for (67108863; kernels with a1ba4594232c refuse a larger array with EINVAL)" },
        { "einval-list", "DRM_IOCTL_AMDGPU_GEM_LIST_HANDLES: the driver has no such call (EINVAL: Invalid argument): not an amdgpu render node" },
        { "eperm", "pidfd_getfd of descriptor" },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public Task Capture_GivesTheModelsImage_ByteForByte_WhileTheProcessChangesItsBos(string fault, int late, int appeared, bool closed) =>
        CaptureMatchesModelAsync(FakeRenderNode.Create(Present, late), AbiRevision.Linux6_18, fault, appeared, closed);

    /// <summary>
    /// Each BO's mmap offset is GEM_MMAP's answer, as CRIU's dump reads it; a BO without CPU access has none
    /// (amdgpu_mode_dumb_mmap: -EPERM), and the image leaves it out rather than failing the capture.
    /// </summary>
    [Fact]
    public async Task Capture_RecordsGemMmapsOffsets_AndLeavesOutTheOffsetOfABoWithoutCpuAccess()
    {
        await CaptureMatchesModelAsync(FakeRenderNode.Create(Present, late: 0, noCpuAccess: 7), AbiRevision.Linux6_18, "none", appeared: 0, closed: false);
        var offsets = new Dictionary<uint, ulong?>();
        await using (ImageReader reader = ImageReader.Open(Path.Combine(Folder, "dotnet.img")))
        {
            await foreach (BoEntry bo in reader.ReadBosAsync())
            {
                offsets[bo.Bo.GemHandle] = bo.Bo.Offset;
            }
        }

        Assert.Equal(0x1_0010_0000UL, offsets[1]);
        Assert.Equal(0x1_0460_0000UL, offsets[70]);
        Assert.Null(offsets[7]);
    }

    /// <summary>
    /// The postings' calls (criu-2025-06: seed 002; criu-v8: seed 000 and its patch 1/3), each at its own request
    /// number: BOs that appear after a count that did not fit, and a BO closed between BO_INFO's counting and
    /// filling passes, which leaves a zero bucket (handle 0) that capture must not hand to MAPPING_INFO. BO 7 has
    /// no CPU access: criu-v8's buckets have no offset and GEM_MMAP refuses it; criu-2025-06's bucket has it.
    /// </summary>
    [Theory]
    [InlineData(AbiRevision.Criu2025_06, "none", 0, false)]
    [InlineData(AbiRevision.Criu2025_06, "grow:20", 40, false)]
    [InlineData(AbiRevision.Criu2025_06, "shrink", 0, true)]
    [InlineData(AbiRevision.CriuV8, "none", 0, false)]
    [InlineData(AbiRevision.CriuV8, "grow:20", 40, false)]
    [InlineData(AbiRevision.CriuV8, "shrink", 0, true)]
    public Task CaptureOfAPosting_GivesTheModelsImage_ByteForByte(AbiRevision abi, string fault, int late, bool closed) =>
        CaptureMatchesModelAsync(FakeRenderNode.Create(Present, late, noCpuAccess: 7), abi, fault, appeared: late, closed);

    public static TheoryData<string, string> V8Faults => new()
    {
        { "never", "DRM_IOCTL_AMDGPU_CRIU_BO_INFO: the count never settled: 8 calls in a row each answered more than the array held" },
        { "efault-list", "DRM_IOCTL_AMDGPU_CRIU_BO_INFO: the kernel could not write the entries into capture's array (EFAULT: Bad address)" },
        { "efault-map", "BO 1: DRM_IOCTL_AMDGPU_CRIU_MAPPING_INFO: the kernel could not write the entries into capture's array (EFAULT: Bad address)" },
        { "huge-map", "BO 1: DRM_IOCTL_AMDGPU_CRIU_MAPPING_INFO: the kernel counts 70000000 entries, more than one call may ask for (67108863;" },
        { "einval-list", "DRM_IOCTL_AMDGPU_CRIU_BO_INFO: the driver has no such call (EINVAL: Invalid argument): not an amdgpu render node" },
    };

    [Theory]
    [MemberData(nameof(V8Faults))]
    public void CaptureOfTheV8Posting_SaysTheFailingCallInOneLine_AndWritesNothing(string fault, string message) =>
        AssertRefused(["--revision", "criu-v8"], ["--abi", "criu-v8"], fault, message);

    /// <summary>
    /// Request numbers were reused: criu-v8's CRIU_BO_INFO is 6.18's GEM_LIST_HANDLES (0xC0106459), with the count
    /// and the array pointer at swapped offsets. Each kernel then reads the count as the pointer and copies to
    /// a low address: EFAULT, said with a pointer to --abi, never entries read in the wrong layout.
    /// </summary>
    [Theory]
    [InlineData("criu-v8", "linux-6.18", "DRM_IOCTL_AMDGPU_CRIU_BO_INFO: the kernel could not write the entries into capture's array (EFAULT: Bad address): the running kernel may be of another revision, which reads the count as the array's address (--abi names the others)")]
    [InlineData("linux-6.18", "criu-v8", "DRM_IOCTL_AMDGPU_GEM_LIST_HANDLES: the kernel could not write the entries into capture's array (EFAULT: Bad address): the running kernel may be of another revision, which reads the count as the array's address (--abi names the others)")]
    public void CaptureWithAnotherKernelsRevision_FailsOnTheFirstCall(string captureAbi, string kernel, string message) =>
        AssertRefused(kernel == "linux-6.18" ? [] : ["--revision", kernel], ["--abi", captureAbi], "none", message);

    [Theory]
    [MemberData(nameof(Faults))]
    public void Capture_SaysTheFailingCallInOneLine_AndWritesNothing_WhenTheKernelRefuses(string fault, string message) =>
        AssertRefused([], [], fault, message);

    /// <summary>Each build's capture (<paramref name="options"/>) of the fake (<paramref name="revision"/>, <paramref name="fault"/>) ends with exit 2, one line holding <paramref name="message"/>, and no file.</summary>
    private void AssertRefused(string[] revision, string[] options, string fault, string message)
    {
        string fake = FakeRenderNode.Compile(Folder);
        string model = Path.Combine(Folder, "model");
        FakeRenderNode.Create(Present, late: 0).Write(model);
        foreach ((string build, string cli) in Builds())
        {
            string image = Path.Combine(Folder, $"{build}.img");
            var (code, output, error) = NativeArtifacts.Run(fake, Folder, [.. revision, model, fault, "--", cli, "capture", .. options, "--pid", "{pid}", "--fd", "{fd}", "-o", image]);
            Assert.True(code == 2, $"{build}, {fault}: exit {code}: {error}");
            Assert.Equal("", output);
            string[] lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1 && lines[0].StartsWith("pid ", StringComparison.Ordinal) && lines[0].Contains($": error: {message}", StringComparison.Ordinal), $"{build}, {fault}: {error}");
            Assert.False(File.Exists(image), $"{build}, {fault}: a failed capture left {image}");
        }
    }

    [Fact]
    public void Capture_WithoutPtraceRights_SaysWhatIsNeeded()
    {
        string fake = FakeRenderNode.Compile(Folder);
        string model = Path.Combine(Folder, "model");
        FakeRenderNode.Create(1, late: 0).Write(model);
        var (code, _, error) = NativeArtifacts.Run(fake, Folder, [model, "eperm", "--", CliProcess.Executable, "capture", "--pid", "{pid}", "--fd", "{fd}", "-o", Path.Combine(Folder, "x.img")]);
        Assert.Equal(2, code);
        Assert.Matches(@"^pid \d+ fd \d+: error: pidfd_getfd of descriptor \d+ is not permitted \(EPERM: Operation not permitted\): capture needs ptrace rights over the process: .*CAP_SYS_PTRACE\n$", error);
    }

    [Fact]
    public void CaptureToStandardOutput_PipesIntoVerify()
    {
        string fake = FakeRenderNode.Compile(Folder);
        string model = Path.Combine(Folder, "model");
        FakeRenderNode.Create(Present, late: 0).Write(model);
        string script = "\"$0\" capture --pid \"$1\" --fd \"$2\" -o - | \"$0\" verify --target-kernel 6.18.1 -";
        var (code, output, error) = NativeArtifacts.Run(fake, Folder, [model, "none", "--", "/bin/sh", "-c", script, CliProcess.Executable, "{pid}", "{fd}"]);
        Assert.True(code == 0 && error == "", $"exit {code}: {output}{error}");

        // 0 errors: the state restores on 6.18.1. The warnings are 6.18's own: LIST_HANDLES reports the
        // alignment in CPU pages, so the 512-page alignment of BOs 6, 12, ... reads back as 512 bytes (imported
        // BOs, every tenth, are not re-created by GEM_CREATE and are not warned of).
        Assert.Matches(@"verified 1 file: 0 ok, 1 with findings, 0 unreadable; 0 errors, \d+ warnings, 0 notes", output);
        string[] warnings = [.. output.Split('\n').Where(l => l.StartsWith("-: warning", StringComparison.Ordinal))];
        Assert.True(warnings.Length == Enumerable.Range(1, Present).Count(h => h % 6 == 0 && h % 10 != 0) && warnings.All(w => w.Contains("CRI116", StringComparison.Ordinal)), output);
    }

    /// <summary>Captures the fake node of <paramref name="node"/> in <paramref name="abi"/> with every build; each image must be the model's.</summary>
    private async Task CaptureMatchesModelAsync(FakeRenderNode node, AbiRevision abi, string fault, int appeared, bool closed)
    {
        string fake = FakeRenderNode.Compile(Folder);
        string model = Path.Combine(Folder, "model");
        node.Write(model);
        string[] revision = abi == AbiRevision.Linux6_18 ? [] : ["--revision", abi.ToId()];
        foreach ((string build, string cli) in Builds())
        {
            string image = Path.Combine(Folder, $"{build}.img");
            var (code, output, error) = NativeArtifacts.Run(fake, Folder, [.. revision, model, fault, "--", cli, "capture", "--abi", abi.ToId(), "--pid", "{pid}", "--fd", "{fd}", "-o", image]);
            Assert.True(code == 0 && error == "", $"{build}, {fault}: exit {code}: {output}{error}");

            ImageHeader header;
            await using (ImageReader reader = ImageReader.Open(image))
            {
                header = await reader.ReadHeaderAsync();
            }

            Assert.Equal(abi, header.Abi);
            Assert.NotNull(header.Capture?.Pid);
            byte[] expected = await node.ExpectedImageAsync(header, appeared, closed);
            byte[] captured = await File.ReadAllBytesAsync(image);
            Assert.True(expected.AsSpan().SequenceEqual(captured), $"{build}, {fault}: the capture ({captured.Length} bytes) differs from the model's image ({expected.Length} bytes)");
        }
    }

    /// <summary>The builds to run: the .NET build under test, and the publishes scripts/publish.sh left in artifacts/.</summary>
    private static IEnumerable<(string Build, string Cli)> Builds()
    {
        yield return ("dotnet", CliProcess.Executable);
        string r2r = Path.Combine(NativeArtifacts.Folder ?? Path.Combine(RepoPaths.Root, "artifacts"), "criu-image", "criu-image");
        if (File.Exists(r2r))
        {
            yield return ("r2r", r2r);
        }

        if (NativeArtifacts.Folder is not null)
        {
            yield return ("aot", NativeArtifacts.AotExecutable);
        }
    }
}
