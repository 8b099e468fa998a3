using System.CommandLine;
using CriuImage.Analyzer.Cli;
using CriuImage.Reporting;
using CriuImage.Topology;
using CriuImage.Verification;

namespace CriuImage.Analyzer.Commands;

/// <summary>
/// <c>criu-image host-check --source TOPOLOGY --host TOPOLOGY [--env K=V]...</c>: would a checkpoint taken on
/// the source host restore on the target host, without a dump (<c>verify DUMP --host</c> checks a dump): the
/// source is the checkpoint host's topology (what its dump's <c>kfd_device_entry</c>s would hold), given the
/// same way as the target (folder, tar or host snapshot).
/// </summary>
internal static class HostCheckCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new HostCheckCommandDefinition();
        command.SetAction(async (parse, cancellationToken) =>
        {
            string sourcePath = parse.GetValue(command.Source)!;
            string hostPath = parse.GetValue(command.Host)!;
            if (EnvAssignments.Parse(parse.GetValue(command.Env), out string? bad) is not { } variables)
            {
                await error.WriteLineAsync(bad);
                return ExitCodes.Unusable;
            }

            if (sourcePath.Length == 0 || hostPath.Length == 0)
            {
                await error.WriteLineAsync($"criu-image: error: {(sourcePath.Length == 0 ? "--source" : "--host")}: the path is empty");
                return ExitCodes.Unusable;
            }

            bool disk = parse.GetValue(command.DiskOrder);
            KfdTopology? checkpointed = await Load(sourcePath, disk, error);
            if (checkpointed is null)
            {
                return ExitCodes.Unusable;
            }

            HostCheckResult result;
            try
            {
                result = HostCheck.Run(checkpointed.AsCheckpointed(), hostPath, MatchEnvironment.FromVariables(variables), disk);
            }
            catch (Exception e) when (e is InputFormatException or IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync(Printable.Escape(CommandErrors.HostInputLine(hostPath, e)));
                return ExitCodes.Unusable;
            }

            await output.WriteAsync(parse.GetValue(command.Format) == "json"
                ? HostCheckReport.JsonText(sourcePath, hostPath, result)
                : HostCheckReport.Text(sourcePath, hostPath, result));
            return ExitCodes.For(unreadable: false, findings: !result.Restores || result.Findings.Any(f => f.Descriptor.Severity == Severity.Error));
        });
        return command;
    }

    private static async Task<KfdTopology?> Load(string path, bool diskOrder, TextWriter error)
    {
        try
        {
            return HostTopology.Load(path, diskOrder);
        }
        catch (Exception e) when (e is InputFormatException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync(Printable.Escape(CommandErrors.HostInputLine(path, e)));
            return null;
        }
    }
}
