using CriuImage.Tests.Support;

namespace CriuImage.Tests.Capture;

/// <summary>
/// <c>criu-image capture</c> stops every thread of the process and of its descendants while it reads, as CRIU
/// stops the tree it dumps, and lets them go on every path. The fake render node's target runs three threads
/// (with <c>--fork</c>, also a forked worker of two threads that writes to the node while it runs, and the
/// worker's child); at each ioctl it answers, the fake notes whether every thread of the tree was in a ptrace
/// stop and how much the worker wrote meanwhile, and after the capture ends whether they run again, untraced
/// (tests/capture-fake, MODEL.freeze). Run with the .NET build and the NativeAOT one where artifacts/ has it.
/// </summary>
public sealed class CaptureFreezeTests : TempFolder
{
    [Fact]
    public void Capture_StopsEveryThreadWhileItReads_AndLetsThemGo()
    {
        foreach ((string build, string cli) in Builds())
        {
            var (code, _, error, freeze) = RunCapture(cli, "none", []);
            Assert.True(code == 0 && error == "", $"{build}: exit {code}: {error}");
            Assert.Equal(3, freeze["threads"]);
            Assert.True(freeze["answered-frozen"] > 70 && freeze["answered-running"] == 0, $"{build}: {Describe(freeze)}");
            Assert.Equal(1, freeze["after running"]);
        }
    }

    /// <summary>A forked worker that shares the file and writes to it, and the worker's child, are stopped with the target.</summary>
    [Fact]
    public void Capture_StopsTheProcessTree_AForkedWorkerThatWritesTheNodeIncluded()
    {
        foreach ((string build, string cli) in Builds())
        {
            var (code, _, error, freeze) = RunCapture(cli, "none", Tree);
            Assert.True(code == 0 && error == "", $"{build}: exit {code}: {error}");
            Assert.True(freeze["processes"] == 3 && freeze["threads"] == 6, $"{build}: {Describe(freeze)}");
            Assert.True(freeze["answered-frozen"] > 70 && freeze["answered-running"] == 0, $"{build}: {Describe(freeze)}");
            Assert.True(freeze["node-grew"] == 0, $"{build}: the worker wrote to the node while capture read: {Describe(freeze)}");
            Assert.Equal(1, freeze["after running"]);
        }
    }

    /// <summary>Without the freeze the same worker writes while the calls read: the check above can fail.</summary>
    [Fact]
    public void CaptureWithNoFreeze_ReadsWhileTheForkedWorkerWrites()
    {
        var (code, _, error, freeze) = RunCapture(CliProcess.Executable, "none", Tree, "--no-freeze");
        Assert.True(code == 0 && error == "", $"exit {code}: {error}");
        Assert.True(freeze["answered-running"] > 70 && freeze["node-grew"] > 0, Describe(freeze));
    }

    /// <summary>
    /// A process outside the tree that holds the same open file is not stopped (CRIU's dump does not stop it
    /// either): the image is written, with one warning line naming it and its descriptor.
    /// </summary>
    [Fact]
    public void Capture_WarnsOfAProcessOutsideTheTreeThatSharesTheFile()
    {
        foreach ((string build, string cli) in Builds())
        {
            var (code, _, error, freeze) = RunCapture(cli, "none", ["--fork", "--outside"]);
            Assert.True(code == 0, $"{build}: exit {code}: {error}");
            Assert.Matches($@"^pid \d+ fd (\d+): warning: the render-node file is also open in process {freeze["outsider"]} \(fake_render_nod\) fd \1, outside the process tree of \d+, which was not stopped: .*CRIU's dump of the tree does not stop it either\)\n$", error);
            Assert.True(freeze["answered-frozen"] > 70 && freeze["answered-running"] == 0 && freeze["processes"] == 3, $"{build}: {Describe(freeze)}");
            Assert.True(File.Exists(Path.Combine(Folder, "out.img")), build);
        }
    }

    [Fact]
    public void CaptureWithNoFreeze_ReadsWhileTheProcessRuns()
    {
        var (code, _, error, freeze) = RunCapture(CliProcess.Executable, "none", [], "--no-freeze");
        Assert.True(code == 0 && error == "", $"exit {code}: {error}");
        Assert.True(freeze["answered-frozen"] == 0 && freeze["answered-running"] > 70, Describe(freeze));
        Assert.Equal(1, freeze["after running"]);
    }

    /// <summary>A refused call ends the capture with exit 2: the tree's threads were stopped while it read, and run again.</summary>
    [Fact]
    public void Capture_LetsTheProcessGo_WhenACallFails()
    {
        foreach ((string build, string cli) in Builds())
        {
            var (code, _, error, freeze) = RunCapture(cli, "efault-map", Tree);
            Assert.True(code == 2 && error.Contains("EFAULT", StringComparison.Ordinal), $"{build}: exit {code}: {error}");
            Assert.True(freeze["answered-frozen"] > 0 && freeze["answered-running"] == 0, $"{build}: {Describe(freeze)}");
            Assert.Equal(1, freeze["after running"]);
        }
    }

    /// <summary>
    /// A signal at the first ioctl, while every thread of the tree is stopped: SIGKILL ends the capture at once
    /// (the kernel lets the threads go as the tracer exits); SIGINT and SIGTERM end it through the CLI's own
    /// handling. Either way every process of the tree runs again and no image is left half-written.
    /// </summary>
    [Theory]
    [InlineData(9)]
    [InlineData(2)]
    [InlineData(15)]
    public void Capture_LetsTheProcessGo_WhenItIsSignalledMidCapture(int signal)
    {
        foreach ((string build, string cli) in Builds())
        {
            var (code, _, error, freeze) = RunCapture(cli, $"signal:{signal}", Tree);
            Assert.True(freeze["answered-frozen"] > 0, $"{build}, signal {signal}: exit {code}: {error} {Describe(freeze)}");
            Assert.True(freeze["after running"] == 1, $"{build}, signal {signal}: exit {code}: {error} {Describe(freeze)}");
            if (signal == 9)
            {
                Assert.Equal(128 + 9, code);
            }

            string image = Path.Combine(Folder, "out.img");
            Assert.True(code == 0 || !File.Exists(image), $"{build}, signal {signal}: exit {code} left {image}");
        }
    }

    [Fact]
    public void CaptureWithoutRightsToStopTheProcess_SaysWhatIsNeeded_AndLeavesItRunning()
    {
        var (code, _, error, freeze) = RunCapture(CliProcess.Executable, "eperm-ptrace", []);
        Assert.Equal(2, code);
        Assert.Matches(@"^pid \d+ fd \d+: error: PTRACE_SEIZE of thread \d+ to hold the process still while its render node is read is not permitted \(EPERM: Operation not permitted\): capture needs ptrace rights over the process: .*CAP_SYS_PTRACE \(--no-freeze reads without stopping it\)\n$", error);
        Assert.Equal(0, freeze["answered-frozen"] + freeze["answered-running"]);
        Assert.Equal(1, freeze["after running"]);
    }

    /// <summary>The fake's option for a target with a forked worker and a grandchild.</summary>
    private static readonly string[] Tree = ["--fork"];

    private static string Describe(Dictionary<string, int> freeze) => string.Join(", ", freeze.Select(p => $"{p.Key} {p.Value}"));

    /// <summary>Captures the fake's 70-BO node with <paramref name="cli"/> under <paramref name="fault"/> (the fake run with <paramref name="fakeOptions"/>); the exit, output, and the fake's freeze notes.</summary>
    private (int Code, string Output, string Error, Dictionary<string, int> Freeze) RunCapture(string cli, string fault, string[] fakeOptions, params string[] options)
    {
        string fake = FakeRenderNode.Compile(Folder);
        string model = Path.Combine(Folder, "model");
        string image = Path.Combine(Folder, "out.img");
        File.Delete(image);
        FakeRenderNode.Create(70, late: 0).Write(model);
        var (code, output, error) = NativeArtifacts.Run(fake, Folder, [.. fakeOptions, model, fault, "--", cli, "capture", .. options, "--pid", "{pid}", "--fd", "{fd}", "-o", image]);
        return (code, output, error, FakeRenderNode.Freeze(model));
    }

    /// <summary>The .NET build under test, and the NativeAOT publish where artifacts/ has it.</summary>
    private static IEnumerable<(string Build, string Cli)> Builds()
    {
        yield return ("dotnet", CliProcess.Executable);
        if (NativeArtifacts.Folder is not null)
        {
            yield return ("aot", NativeArtifacts.AotExecutable);
        }
    }
}
