using System.CommandLine;
using CriuImage.Topology;

namespace CriuImage.Analyzer.Commands;

/// <summary><c>criu-image host-snapshot [-o FILE] [--topology PATH]</c>: this host's KFD topology in one file.</summary>
internal static class HostSnapshotCommand
{
    private const string KernelReleaseFile = "/proc/sys/kernel/osrelease";

    public static Command Create(StandardStreams std)
    {
        TextWriter error = std.Error;
        var file = new Option<string?>("--output", "-o") { Description = "Write the snapshot here instead of standard output: a file is replaced only on success; a device or FIFO is written through; - is standard output." };
        var topology = new Option<string>("--topology")
        {
            Description = "The topology folder to snapshot.",
            DefaultValueFactory = _ => HostTopology.SysfsPath,
        };
        var command = new Command("host-snapshot", "Save this host's KFD topology (what CRIU reads at restore) and kernel release in one file, for host-check --host.") { file, topology };
        command.SetAction((parse, cancellationToken) =>
        {
            string root = parse.GetValue(topology)!;
            string? path = parse.GetValue(file);
            return CommandErrors.RunAsync(root, error, async () =>
            {
                try
                {
                    string? release = File.Exists(KernelReleaseFile) ? File.ReadAllText(KernelReleaseFile).Trim() : null;
                    using var buffer = new MemoryStream();
                    HostSnapshot.Write(root, buffer, release);
                    buffer.Position = 0;
                    await using CommandOutput target = CommandOutput.Open(path ?? "-", std);
                    await buffer.CopyToAsync(target.Stream, cancellationToken);
                    await target.CommitAsync(cancellationToken);
                    return ExitCodes.Success;
                }
                catch (TopologyFormatException e)
                {
                    await error.WriteLineAsync(HostCheckCommand.Problem(root, e));
                    return ExitCodes.Unusable;
                }
            });
        });
        return command;
    }
}
