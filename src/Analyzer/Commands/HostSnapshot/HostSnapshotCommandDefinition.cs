using System.CommandLine;
using CriuImage.Topology;

namespace CriuImage.Analyzer.Commands;

/// <summary>What <c>criu-image host-snapshot</c> accepts: its arguments and options with their help. <see cref="HostSnapshotCommand"/> runs it.</summary>
internal sealed class HostSnapshotCommandDefinition : Command
{
    public HostSnapshotCommandDefinition()
        : base("host-snapshot", "Save this host's KFD topology (what CRIU reads at restore) and kernel release in one file, for host-check --host.")
    {
        Options.Add(Output);
        Options.Add(Topology);
        Options.Add(KernelRelease);
    }

    public Option<string?> Output { get; } = new("--output", "-o") { Description = "Write the snapshot here instead of standard output: a file is replaced only on success; a device or FIFO is written through; - is standard output." };

    public Option<string> Topology { get; } = new("--topology")
    {
        Description = "The topology folder to snapshot. A copy (a folder outside /sys) is read in kernfs order rebuilt from the names, as --host reads it, and gets no kernel release unless --kernel-release gives it.",
        DefaultValueFactory = _ => HostTopology.SysfsPath,
    };

    public Option<string?> KernelRelease { get; } = new("--kernel-release") { Description = "The kernel release to record (6.18.3). Default: this host's with the live /sys topology, none with a copy." };
}
