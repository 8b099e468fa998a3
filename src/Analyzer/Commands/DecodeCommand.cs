using System.CommandLine;
using CriuImage.Criu;
using CriuImage.Json;
using CriuImage.Format;

namespace CriuImage.Analyzer.Commands;

/// <summary>
/// <c>criu-image decode IMAGE [-o FILE.json]</c>: the image as a JSON interchange document; a CRIU amdgpu
/// file (by its name, or by its content when the name says nothing) as crit-style JSON with its revision.
/// </summary>
internal static class DecodeCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var image = new Argument<string>("IMAGE") { Description = "The image, or CRIU amdgpu file, to decode." };
        var target = new Option<string?>("--output", "-o") { Description = "Write the JSON here (replaced only on success) instead of standard output." };
        var command = new Command("decode", "Decode an image into its JSON interchange document.") { image, target };
        command.SetAction((parse, cancellationToken) =>
        {
            string path = parse.GetValue(image)!;
            string? outPath = parse.GetValue(target);
            return CommandErrors.RunWritingAsync(path, outPath, error, async () =>
            {
                if (ReadCriu(path) is { } criu)
                {
                    return await WriteCriuAsync(path, criu, outPath, output, error, cancellationToken);
                }

                await using ImageReader reader = ImageReader.Open(path);
                if (outPath is null)
                {
                    using var buffer = new MemoryStream();
                    await JsonImageDecoder.DecodeAsync(reader, buffer, cancellationToken);
                    await output.WriteAsync(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
                    await output.FlushAsync(cancellationToken);
                    return ExitCodes.Success;
                }

                await using AtomicOutput file = AtomicOutput.Create(outPath);
                await JsonImageDecoder.DecodeAsync(reader, file.Stream, cancellationToken);
                await file.CommitAsync();
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

    private static async Task<int> WriteCriuAsync(string path, CriuDumpFile criu, string? outPath, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (criu.DamageDetail is { } damage)
        {
            await error.WriteLineAsync($"{path}: error: {damage.Message}");
            return ExitCodes.Unusable;
        }

        if (outPath is null)
        {
            using var buffer = new MemoryStream();
            CriuJsonWriter.Write(criu, buffer);
            await output.WriteAsync(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
            await output.FlushAsync(cancellationToken);
            return ExitCodes.Success;
        }

        await using AtomicOutput file = AtomicOutput.Create(outPath);
        CriuJsonWriter.Write(criu, file.Stream);
        await file.CommitAsync();
        return ExitCodes.Success;
    }
}
