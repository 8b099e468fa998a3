using System.CommandLine;
using CriuImage.Analyzer.Cli;

namespace CriuImage.Analyzer.Commands;

/// <summary>What <c>criu-image plan</c> accepts: its argument and options with their help. <see cref="PlanCommand"/> runs it.</summary>
internal sealed class PlanCommandDefinition : Command
{
    public PlanCommandDefinition()
        : base("plan", "Show the calls CRIU's restore makes (AMDKFD_IOC_CRIU_OP; GEM_CREATE, CHANGE_HANDLE, GEM_MMAP, GEM_VA per render-node BO), the ones the target kernel refuses, the repairs a restorer can make and, with --host, the GPU map CRIU builds on that host. Exit status: 0 nothing refused, 1 a refusal, 2 an input could not be read.")
    {
        Arguments.Add(Input);
        Options.Add(Target);
        Options.Add(Format);
        Host.AddTo(this);
        Replay.AddTo(this);
    }

    public Argument<string> Input { get; } = new("INPUT") { Description = "The image, CRIU amdgpu file, dump folder or container archive to plan the restore of (- reads any of them but a folder from standard input)." };

    public Option<string?> Target { get; } = TargetOption.Create();

    public Option<string> Format { get; } = FormatOption.Create("Output format.", "text", "json");

    /// <summary><c>--host</c>, <c>--env</c>, <c>--target-kernel</c>, <c>--disk-order</c>.</summary>
    public RestoreHostOptions Host { get; } = new();

    /// <summary><c>--criu</c>, <c>--contents</c>, <c>--kernel-has</c>.</summary>
    public ReplayCliOptions Replay { get; } = new();
}
