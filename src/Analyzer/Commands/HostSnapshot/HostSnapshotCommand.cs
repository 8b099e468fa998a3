using System.CommandLine;
using CriuImage.Analyzer.Cli;
using CriuImage.Reporting;
using CriuImage.Restore;
using CriuImage.Topology;

namespace CriuImage.Analyzer.Commands;

/// <summary>
/// <c>criu-image host-snapshot [-o FILE] [--topology PATH] [--kernel-release RELEASE]</c>: this host's KFD
/// topology in one file. The running kernel's release is recorded only with the live topology: a copy
/// comes from another host, whose release only the user knows.
/// </summary>
internal static class HostSnapshotCommand
{
    private const string KernelReleaseFile = "/proc/sys/kernel/osrelease";

    public static Command Create(StandardStreams std)
    {
        TextWriter error = std.Error;
        var file = new Option<string?>("--output", "-o") { Description = "Write the snapshot here instead of standard output: a file is replaced only on success; a device or FIFO is written through; - is standard output." };
        var topology = new Option<string>("--topology")
        {
            Description = "The topology folder to snapshot. A copy (a folder outside /sys) is read in kernfs order rebuilt from the names, as --host reads it, and gets no kernel release unless --kernel-release gives it.",
            DefaultValueFactory = _ => HostTopology.SysfsPath,
        };
        var kernelRelease = new Option<string?>("--kernel-release") { Description = "The kernel release to record (6.18.3). Default: this host's with the live /sys topology, none with a copy." };
        var command = new Command("host-snapshot", "Save this host's KFD topology (what CRIU reads at restore) and kernel release in one file, for host-check --host.") { file, topology, kernelRelease };
        command.SetAction((parse, cancellationToken) =>
        {
            string root = parse.GetValue(topology)!;
            string? path = parse.GetValue(file);
            string? given = parse.GetValue(kernelRelease);
            return CommandErrors.RunWritingAsync(root, path, error, async () =>
            {
                try
                {
                    if (given is not null && KernelProfile.ForRelease(given) is null)
                    {
                        await error.WriteLineAsync(Printable.Escape($"criu-image: error: --kernel-release '{given}' is not a kernel release (MAJOR.MINOR...)"));
                        return ExitCodes.Unusable;
                    }

                    string? release = given ?? (HostTopology.IsLive(root) && File.Exists(KernelReleaseFile) ? File.ReadAllText(KernelReleaseFile).Trim() : null);
                    using var buffer = new MemoryStream();
                    HostSnapshot.Write(root, buffer, release);
                    buffer.Position = 0;
                    await using CommandOutput target = CommandOutput.Open(path ?? "-", std);
                    await buffer.CopyToAsync(target.Stream, cancellationToken);
                    await target.CommitAsync(cancellationToken);
                    return ExitCodes.Success;
                }
                catch (InputFormatException e)
                {
                    await error.WriteLineAsync(Printable.Escape(CommandErrors.HostInputLine(root, e)));
                    return ExitCodes.Unusable;
                }
            });
        });
        return command;
    }
}
