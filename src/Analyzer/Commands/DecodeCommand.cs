using System.CommandLine;
using CriuImage.Json;

namespace CriuImage.Analyzer.Commands;

/// <summary><c>criu-image decode IMAGE [-o FILE.json]</c>: the image as a JSON interchange document.</summary>
internal static class DecodeCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var image = new Argument<string>("IMAGE") { Description = "The image to decode." };
        var target = new Option<string?>("--output", "-o") { Description = "Write the JSON here (replaced only on success) instead of standard output." };
        var command = new Command("decode", "Decode an image into its JSON interchange document.") { image, target };
        command.SetAction((parse, cancellationToken) =>
        {
            string path = parse.GetValue(image)!;
            string? outPath = parse.GetValue(target);
            return CommandErrors.RunWritingAsync(path, outPath, error, async () =>
            {
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
}
