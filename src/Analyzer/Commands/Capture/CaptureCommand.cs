using System.CommandLine;
using CriuImage.Abi;
using CriuImage.Analyzer.Cli;
using CriuImage.Capture;
using CriuImage.Reporting;
using Microsoft.Win32.SafeHandles;

namespace CriuImage.Analyzer.Commands;

/// <summary>
/// <c>criu-image capture --pid PID [--fd N] [--abi REV] [--no-freeze] -o IMAGE</c>: the BOs and mappings of a running
/// process's render-node file, read through the kernel's listing ioctls on a descriptor taken with pidfd_getfd while
/// every thread of the process and of its descendants is stopped (as CRIU stops the tree before a dump), written
/// as an image atomically (or to standard output with <c>-o -</c>, for <c>| criu-image verify -</c>).
/// </summary>
internal static class CaptureCommand
{
    public static Command Create(StandardStreams std)
    {
        var command = new CaptureCommandDefinition();
        command.SetAction((parse, cancellationToken) =>
        {
            AbiRevisionNames.TryParse(parse.GetValue(command.Abi), out AbiRevision revision);
            return CaptureAsync(parse.GetValue(command.Pid), parse.GetValue(command.Fd), revision, !parse.GetValue(command.NoFreeze), parse.GetValue(command.Output)!, std, cancellationToken);
        });
        return command;
    }

    private static async Task<int> CaptureAsync(int pid, int? fd, AbiRevision abi, bool freeze, string outPath, StandardStreams std, CancellationToken cancellationToken)
    {
        if (outPath == "")
        {
            await std.Error.WriteLineAsync("criu-image: error: the output path is empty (-o - writes to standard output)");
            return ExitCodes.Unusable;
        }

        string name = fd is { } n ? $"pid {pid} fd {n}" : $"pid {pid}";
        return await CommandErrors.RunAsync(name, std.Error, async () =>
        {
            try
            {
                (int number, string? node) = fd is { } given ? (given, ProcessDescriptors.Node(pid, given)) : ProcessDescriptors.OnlyRenderNode(pid);
                using SafeFileHandle taken = ProcessDescriptors.Take(pid, number);
                ImageHeader header = RenderNodeCapture.CreateHeader(abi, $"{ToolInfo.Name} {ToolInfo.Version}", (uint)pid, ProcessDescriptors.RenderMinor(node));
                await using CommandOutput output = CommandOutput.Open(outPath, std, bufferSize: 1);
                await using (ImageWriter writer = ImageWriter.Create(output.Stream, header, leaveOpen: true))
                {
                    // The process tree is stopped while the calls read (unless --no-freeze); never this process itself.
                    int? hold = freeze && pid != Environment.ProcessId ? pid : null;
                    await RenderNodeCapture.CaptureAsync((int)taken.DangerousGetHandle(), writer, hold, w => std.Error.WriteLine(Printable.Escape($"{name}: warning: {w}")), cancellationToken);
                    await writer.CompleteAsync(cancellationToken);
                }

                await output.CommitAsync(cancellationToken);
                return ExitCodes.Success;
            }
            catch (CaptureException e)
            {
                throw new InputRefusedException($"{name}: error: {e.Describe(CliRemedyWords.Instance)}");
            }
        });
    }
}
