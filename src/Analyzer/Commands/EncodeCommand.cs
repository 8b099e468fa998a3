using System.CommandLine;
using CriuImage.Json;

namespace CriuImage.Analyzer.Commands;

/// <summary><c>criu-image encode FILE.json -o IMAGE</c>: a JSON interchange document as an image, written atomically.</summary>
internal static class EncodeCommand
{
    public static Command Create(TextWriter error)
    {
        var json = new Argument<string>("FILE.json") { Description = "The JSON interchange document." };
        var target = new Option<string>("--output", "-o") { Description = "The image to write (replaced only on success).", Required = true };
        var command = new Command("encode", "Encode a JSON interchange document into an image.") { json, target };
        command.SetAction((parse, cancellationToken) =>
        {
            string path = parse.GetValue(json)!;
            string outPath = parse.GetValue(target)!;
            return CommandErrors.RunWritingAsync(path, outPath, error, async () =>
            {
                await using FileStream document = File.OpenRead(path);
                JsonImageEncoder encoder = JsonImageEncoder.Create(document);
                await using ImageFileWriter file = ImageFileWriter.Create(outPath, encoder.Header);
                await encoder.WriteBosAsync(file.Writer, cancellationToken);
                await file.CommitAsync(cancellationToken);
                return ExitCodes.Success;
            });
        });
        return command;
    }
}
