using System.CommandLine;
using System.Globalization;
using CriuImage.Analyzer.Cli;
using CriuImage.Criu;
using CriuImage.IO;
using CriuImage.Input;
using CriuImage.Reporting;

namespace CriuImage.Analyzer.Commands;

/// <summary>
/// <c>criu-image import INPUT -o OUTPUT</c>: CRIU's own render-node images as criu-images. A render-node file
/// named on its own becomes the image <c>OUTPUT</c> (a file, <c>-</c>, or a folder to write it into); a dump
/// folder or a container checkpoint archive becomes one image per render node with BOs in the folder
/// <c>OUTPUT</c>, each named <c>amdgpu-renderD-&lt;id&gt;.cimg</c> and replaced atomically.
/// </summary>
internal static class ImportCommand
{
    public static Command Create(StandardStreams std)
    {
        var command = new ImportCommandDefinition();
        command.SetAction((parse, cancellationToken) =>
        {
            string path = parse.GetValue(command.Input)!;
            string outPath = parse.GetValue(command.Output)!;
            return CommandErrors.RunWritingAsync(path, outPath, std.Error, () => RunAsync(path, outPath, std, cancellationToken));
        });
        return command;
    }

    private static async Task<int> RunAsync(string path, string outPath, StandardStreams std, CancellationToken cancellationToken)
    {
        InputSet inputs = DumpInputs.Collect([path], new InputOptions { Words = std.Words, Progress = TerminalProgress.For(std.Error) }, () => std.Input);
        foreach (UnreadableInput u in inputs.Unreadable)
        {
            await std.Error.WriteLineAsync(Printable.Escape($"{u.Path}: error: {u.Reason}"));
        }

        bool single = inputs.Files is [{ Found: false }] && !Directory.Exists(path);
        if (!single && outPath == "-" && inputs.Files.Count > 0)
        {
            await std.Error.WriteLineAsync(Printable.Escape($"criu-image: error: {path} is a dump or an archive, whose render nodes become one image each: give -o a folder, not -"));
            return ExitCodes.Unusable;
        }

        InputPlan dumps = InputPlan.Of(inputs);
        IReadOnlyList<RenderNodeImport> plan = CriuImportPlan.Of(dumps, path);
        if (plan.Count == 0)
        {
            if (inputs.Unreadable.Count == 0)
            {
                await std.Error.WriteLineAsync(Printable.Escape(single && inputs.Files is [{ } only] && NeitherFile.CutLine(only) is { } cut
                    ? $"{path}: error: {cut}"
                    : single
                    ? $"{path}: error: not a CRIU amdgpu render-node file (amdgpu-renderD-<id>.img); import reads those, or the dump folder or archive holding them"
                    : $"criu-image: error: no CRIU amdgpu render-node file (amdgpu-renderD-<id>.img) found in {path}"));
            }

            return ExitCodes.Unusable;
        }

        // With the image on standard output, what is said about it goes to standard error.
        TextWriter said = outPath == "-" ? std.Error : std.Text;
        string? folder = single ? (Directory.Exists(outPath) ? outPath : null) : outPath;
        bool created = false;
        if (folder is not null && !Directory.Exists(folder))
        {
            if (File.Exists(folder) || StreamPaths.IsStream(folder))
            {
                await std.Error.WriteLineAsync(Printable.Escape($"criu-image: error: cannot write {folder}: not a folder; a dump or an archive gives one image per render node, written into a folder"));
                return ExitCodes.Unusable;
            }

            try
            {
                Directory.CreateDirectory(folder);
                created = true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await std.Error.WriteLineAsync(Printable.Escape($"criu-image: error: cannot create the output folder {folder}: {IoMessages.Of(e)}"));
                return ExitCodes.Unusable;
            }
        }

        // Every output is checked against every file the run reads before anything is written: a link in the
        // output folder to one of the dump's own files must not replace it.
        InputIdentities read = InputIdentities.Of([path]);
        foreach (RenderNodeImport node in plan.Where(n => n.Outcome == ImportOutcome.Import))
        {
            string written = folder is null ? outPath : Path.Combine(folder, node.FileName!);
            if (written != "-" && await CommandErrors.OverwritesInputAsync(read, written, std.Error))
            {
                RemoveIfEmpty(created, folder);
                return ExitCodes.Unusable;
            }
        }

        int imported = 0, skipped = 0, refused = 0;
        foreach (RenderNodeImport node in plan)
        {
            switch (node.Outcome)
            {
                case ImportOutcome.Skip:
                    skipped++;
                    await said.WriteLineAsync(Printable.Escape($"{node.Path}: skipped: {node.Reason}"));
                    break;
                case ImportOutcome.Refuse:
                    refused++;
                    await std.Error.WriteLineAsync(Printable.Escape($"{node.Path}: error: {node.Reason}"));
                    break;
                default:
                    string written = folder is null ? outPath : Path.Combine(folder, node.FileName!);
                    try
                    {
                        await WriteAsync(node, written, std, cancellationToken);
                    }
                    catch
                    {
                        RemoveIfEmpty(created, folder);
                        throw;
                    }

                    imported++;
                    if (written != "-")
                    {
                        // An image on standard output is the whole answer, as decode's and encode's are.
                        await said.WriteLineAsync(Printable.Escape(Describe(node, written)));
                    }

                    break;
            }
        }

        if (!single)
        {
            await said.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"imported {imported} of {Plural.Of(plan.Count, "render node")} into {Printable.Escape(folder!)}: {skipped} skipped, {refused} not readable"));
        }

        await said.FlushAsync(cancellationToken);

        // Another file of the dump that could not be read (a truncated KFD image) leaves the dump unusable for a
        // restore: exit 2, as verify, info, show, plan and decode do, though the render nodes were imported.
        IEnumerable<CriuDumpFile> others = dumps.Dumps.SelectMany(d => d.Dump.Files).Where(f => f.Name.Kind != CriuFileKind.RenderNode);
        bool damaged = await CommandErrors.ReportDamageAsync(others, std.Error);
        return ExitCodes.For(inputs.Unreadable.Count > 0 || imported == 0 || refused > 0 || damaged, findings: false);
    }

    /// <summary>A failed import leaves nothing behind: the output folder it created goes again while nothing is in it.</summary>
    private static void RemoveIfEmpty(bool created, string? folder)
    {
        try
        {
            if (created && folder is not null && !Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left as it is: the failure being reported matters more than an empty folder.
        }
    }

    private static async Task WriteAsync(RenderNodeImport node, string outPath, StandardStreams std, CancellationToken cancellationToken)
    {
        if (outPath != "-" && Path.GetDirectoryName(outPath) is { Length: > 0 } parent)
        {
            // A folder of several dumps: each dump's images go into a folder of its own name.
            Directory.CreateDirectory(parent);
        }

        await using CommandOutput output = CommandOutput.Open(outPath, std, bufferSize: 1);
        await using (ImageWriter writer = ImageWriter.Create(output.Stream, node.Header!, leaveOpen: true))
        {
            await CriuImport.WriteBosAsync(node.Node!, writer, cancellationToken);
            await writer.CompleteAsync(cancellationToken);
        }

        await output.CommitAsync(cancellationToken);
    }

    private static string Describe(RenderNodeImport node, string written)
    {
        CriuRenderNode n = node.Node!;
        DeviceInfo device = node.Header!.Device!;
        string pci = device.PciVendorId is { } vendor && device.PciDeviceId is { } id ? string.Create(CultureInfo.InvariantCulture, $", pci {vendor:x4}:{id:x4}") : "";
        string note = node.Reason.Length > 0 ? $"; {node.Reason}" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{node.Path}: imported {Plural.Of(n.Bos.Count, "BO")}, {Plural.Of(n.Entries.Mappings, "mapping")} (gpu_id 0x{n.GpuId:x}, file id {n.Id}, render minor {n.DrmRenderMinor}{pci}) as {written}{note}");
    }
}
