using System.CommandLine;
using CriuImage.Abi;
using CriuImage.Analyzer.Cli;

namespace CriuImage.Analyzer.Commands;

/// <summary>What <c>criu-image capture</c> accepts: its options with their help. <see cref="CaptureCommand"/> runs it.</summary>
internal sealed class CaptureCommandDefinition : Command
{
    public CaptureCommandDefinition()
        : base("capture", "Capture a running process's GPU buffer objects and mappings into an image (needs ptrace rights over it).")
    {
        WholeNumberOption.AtLeast(Pid, 1);
        WholeNumberOption.AtLeast(Fd, 0);
        Abi.AcceptOnlyFromAmong(AbiRevision.Linux6_18.ToId(), AbiRevision.CriuV8.ToId(), AbiRevision.Criu2025_06.ToId());
        Options.Add(Pid);
        Options.Add(Fd);
        Options.Add(Abi);
        Options.Add(NoFreeze);
        Options.Add(Output);
    }

    public Option<int> Pid { get; } = new("--pid") { Description = "The process whose render-node file to capture.", Required = true };

    public Option<int?> Fd { get; } = new("--fd") { Description = "Its descriptor to capture (default: its one descriptor open on /dev/dri/renderD*)." };

    public Option<string> Abi { get; } = new("--abi") { Description = "The running kernel's interface to read with: linux-6.18 (merged), criu-v8 or criu-2025-06 (postings).", DefaultValueFactory = _ => AbiRevision.Linux6_18.ToId() };

    public Option<bool> NoFreeze { get; } = new("--no-freeze") { Description = "Read without stopping the process (by default every thread of it and of its descendants is stopped with ptrace while the calls read, as CRIU stops the tree it dumps)." };

    public Option<string> Output { get; } = new("--output", "-o") { Description = "The image to write: a file is replaced only on success; a device or FIFO is written through; - is standard output.", Required = true };
}
