using System.CommandLine;
using CriuImage.Analyzer.Cli;

namespace CriuImage.Analyzer.Commands;

/// <summary>What <c>criu-image restorable</c> accepts: its arguments and options with their help. <see cref="RestorableCommand"/> runs it.</summary>
internal sealed class RestorableCommandDefinition : Command
{
    public RestorableCommandDefinition()
        : base("restorable", "Say which CRIU versions (v3.17..v4.2, criu-dev on either contents path) and kernel lines restore a CRIU dump as saved, and why the others do not (the replay of CRIU's amdgpu plugin, docs/restore-calls.md). Exit status: 0 some pair restores it, 1 none does, 2 an input could not be read.")
    {
        Arguments.Add(Input);
        Options.Add(Format);
        Host.AddTo(this);
        KernelHas.AddTo(this);
    }

    public Argument<string> Input { get; } = new("DUMP") { Description = "The CRIU dump folder, container archive or CRIU amdgpu file." };

    public Option<string> Format { get; } = FormatOption.Create("Output format.", "text", "json");

    /// <summary><c>--host</c>, <c>--env</c>, <c>--target-kernel</c>, <c>--disk-order</c>.</summary>
    public RestoreHostOptions Host { get; } = new();

    /// <summary><c>--kernel-has</c>: what the target kernel (the host's, else a 6.18 kernel) has, as plan and verify take it.</summary>
    public KernelHasOption KernelHas { get; } = new();
}
