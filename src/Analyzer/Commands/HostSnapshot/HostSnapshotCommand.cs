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
        var command = new HostSnapshotCommandDefinition();
        command.SetAction((parse, cancellationToken) =>
        {
            string root = parse.GetValue(command.Topology)!;
            string? path = parse.GetValue(command.Output);
            string? given = parse.GetValue(command.KernelRelease);
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
