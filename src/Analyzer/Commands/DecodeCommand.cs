using System.CommandLine;
using CriuImage.Criu;
using CriuImage.Json;
using CriuImage.Reporting;
using CriuImage.Format;

namespace CriuImage.Analyzer.Commands;

/// <summary>
/// <c>criu-image decode IMAGE [-o FILE.json]</c>: the image as a JSON interchange document; a CRIU amdgpu
/// file (by its name, or by its content when the name says nothing) as crit-style JSON with its revision.
/// </summary>
internal static class DecodeCommand
{
    public static Command Create(StandardStreams std)
    {
        var image = new Argument<string>("IMAGE") { Description = "The image, or CRIU amdgpu file, to decode (- reads an image from standard input)." };
        var target = new Option<string?>("--output", "-o") { Description = "Write the JSON here instead of standard output: a file is replaced only on success; a device or FIFO is written through; - is standard output." };
        var command = new Command("decode", "Decode an image into its JSON interchange document (streamed: memory stays bounded by one frame), or a CRIU amdgpu file into crit-style JSON.") { image, target };
        command.SetAction((parse, cancellationToken) =>
        {
            string path = parse.GetValue(image)!;
            string outPath = parse.GetValue(target) ?? "-";
            return CommandErrors.RunWritingAsync(path, outPath, std.Error, async () =>
            {
                if (path != "-" && ReadCriu(path) is { } criu)
                {
                    return await WriteCriuAsync(path, criu, outPath, std, cancellationToken);
                }

                await using ImageReader reader = path == "-" ? ImageReader.Create(std.Input, leaveOpen: true) : ImageReader.Open(path);
                await using CommandOutput output = CommandOutput.Open(outPath, std);
                await JsonImageDecoder.DecodeAsync(reader, output.Stream, cancellationToken);
                await output.CommitAsync(cancellationToken);
                return ExitCodes.Success;
            });
        });
        return command;
    }

    /// <summary>The CRIU file at <paramref name="path"/>, or null when it is not one (then it is decoded as an image).</summary>
    private static CriuDumpFile? ReadCriu(string path)
    {
        Sources.InputSet inputs = Sources.InputCollector.Collect([path], new Sources.InputOptions(), () => Stream.Null);
        if (inputs.Files.Count != 1 || inputs.Files[0].IsImage)
        {
            return null;
        }

        Sources.InputFile file = inputs.Files[0];
        if (file.CriuName is { } name)
        {
            return CriuDumpFile.Read(file, name);
        }

        return file.Content is { } content && CriuDumpFile.Sniff(content) is { } kind ? CriuDumpFile.Read(file, new CriuFileName(kind, -1)) : null;
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
        return ExitCodes.Success;
    }
}
