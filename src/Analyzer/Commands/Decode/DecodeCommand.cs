using System.CommandLine;
using CriuImage.Analyzer.Cli;
using CriuImage.Criu;
using CriuImage.Format;
using CriuImage.Json;
using CriuImage.Reporting;

namespace CriuImage.Analyzer.Commands;

/// <summary>
/// <c>criu-image decode IMAGE [-o FILE.json]</c>: the image as a JSON interchange document; a CRIU amdgpu
/// file (by its name, or by its content when the name says nothing) as crit-style JSON with its revision; a
/// dump folder or container archive as one document of all its CRIU files.
/// </summary>
internal static class DecodeCommand
{
    public static Command Create(StandardStreams std)
    {
        var command = new DecodeCommandDefinition();
        command.SetAction((parse, cancellationToken) =>
        {
            string path = parse.GetValue(command.Image)!;
            string outPath = parse.GetValue(command.Output) ?? "-";
            return CommandErrors.RunWritingAsync(path, outPath, std.Error, async () =>
            {
                using CommandInput input = CommandInput.Open(path, std);
                if (input.Inputs is { } inputs)
                {
                    if (Directory.Exists(path) || inputs.Files.Count > 1 || inputs.Unreadable.Count > 0)
                    {
                        return await WriteDumpAsync(input.Path, inputs, outPath, std, cancellationToken);
                    }

                    if (inputs.Files is [var single] && ReadCriu(single) is { } criu)
                    {
                        return await WriteCriuAsync(input.Path, criu, outPath, std, cancellationToken);
                    }

                    await std.Error.WriteLineAsync(Printable.Escape(input.NotAnImage()));
                    return ExitCodes.Unusable;
                }

                await using ImageReader reader = input.OpenImage();
                await using CommandOutput output = CommandOutput.Open(outPath, std);
                await JsonImageDecoder.DecodeAsync(reader, output.Stream, cancellationToken);
                await output.CommitAsync(cancellationToken);
                return ExitCodes.Success;
            });
        });
        return command;
    }

    /// <summary>The CRIU file <paramref name="file"/> read, by its name or, when the name says nothing, by its content; null when it is not one.</summary>
    private static CriuDumpFile? ReadCriu(Input.InputFile file)
    {
        if (file.CriuName is { } name)
        {
            return CriuDumpFile.Read(file, name);
        }

        return CriuDumpFile.Sniff(file) is { } kind ? CriuDumpFile.Read(file, new CriuFileName(kind, -1)) : null;
    }

    /// <summary>
    /// A dump folder or container archive: every CRIU file as crit-style JSON in one document; criu-images in it
    /// are listed as skipped (each decodes on its own); an input that cannot be read, or a damaged file, makes the exit status 2.
    /// </summary>
    private static async Task<int> WriteDumpAsync(string path, Input.InputSet inputs, string outPath, StandardStreams std, CancellationToken cancellationToken)
    {
        foreach (Input.UnreadableInput unreadable in inputs.Unreadable)
        {
            await std.Error.WriteLineAsync(Printable.Escape($"{unreadable.Path}: error: {unreadable.Reason}"));
        }

        var files = new List<CriuDumpFile>();
        var skipped = inputs.Skipped.Select(s => (s.Path, s.Reason)).ToList();
        foreach (Input.InputFile file in inputs.Files)
        {
            if (!file.IsImage && ReadCriu(file) is { } criu)
            {
                files.Add(criu);
            }
            else
            {
                skipped.Add((file.Path, file.IsImage ? "a criu-image: 'criu-image decode' of the file itself gives its JSON" : "not a CRIU amdgpu file"));
            }
        }

        if (files.Count == 0 && inputs.Unreadable.Count > 0)
        {
            return ExitCodes.Unusable; // each input that could not be read has said so in its own line
        }

        if (files.Count == 0)
        {
            await std.Error.WriteLineAsync(Printable.Escape($"{path}: error: no CRIU amdgpu file found to decode ({skipped.Count} other {(skipped.Count == 1 ? "entry" : "entries")} skipped)"));
            return ExitCodes.Unusable;
        }

        await using CommandOutput output = CommandOutput.Open(outPath, std);
        CriuJsonWriter.WriteFiles(files, skipped, output.Stream);
        await output.CommitAsync(cancellationToken);

        // A damaged file is in the document as far as it could be read; it is still an input that could not be read, as in verify.
        bool damaged = await CommandErrors.ReportDamageAsync(files, std.Error);
        return ExitCodes.For(inputs.Unreadable.Count > 0 || damaged, findings: false);
    }

    private static async Task<int> WriteCriuAsync(string path, CriuDumpFile criu, string outPath, StandardStreams std, CancellationToken cancellationToken)
    {
        if (criu.DamageDetail is { } damage)
        {
            await std.Error.WriteLineAsync(Printable.Escape($"{path}: error: {damage.Message}"));
            return ExitCodes.Unusable;
        }

        await using CommandOutput output = CommandOutput.Open(outPath, std);
        CriuJsonWriter.Write(criu, output.Stream);
        await output.CommitAsync(cancellationToken);

        // A message protobuf-c's unpack refuses is written as read, and is still a file CRIU cannot read, as in verify.
        return await CommandErrors.ReportDamageAsync([criu], std.Error) ? ExitCodes.Unusable : ExitCodes.Success;
    }
}
