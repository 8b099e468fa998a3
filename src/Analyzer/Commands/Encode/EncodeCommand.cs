using System.CommandLine;
using CriuImage.Analyzer.Cli;
using CriuImage.Json;

namespace CriuImage.Analyzer.Commands;

/// <summary><c>criu-image encode FILE.json -o IMAGE</c>: a JSON interchange document as an image, written atomically.</summary>
internal static class EncodeCommand
{
    public static Command Create(StandardStreams std)
    {
        var json = new Argument<string>("FILE.json") { Description = "The JSON interchange document (- reads standard input)." };
        var target = new Option<string>("--output", "-o") { Description = "The image to write: a file is replaced only on success; a device or FIFO is written through; - is standard output.", Required = true };
        var command = new Command("encode", "Encode a JSON interchange document into an image.") { json, target };
        command.SetAction((parse, cancellationToken) =>
        {
            string path = parse.GetValue(json)!;
            string outPath = parse.GetValue(target)!;
            return CommandErrors.RunWritingAsync(path, outPath, std.Error, async () =>
            {
                // Streamed: memory stays bounded by the longest JSON token, whatever the document's size.
                await using Stream document = path == "-" ? std.Input : File.OpenRead(path);
                JsonImageEncoder encoder = JsonImageEncoder.Create(document);
                await using CommandOutput output = CommandOutput.Open(outPath, std, bufferSize: 1);
                await using (ImageWriter writer = ImageWriter.Create(output.Stream, encoder.Header, leaveOpen: true))
                {
                    await encoder.WriteBosAsync(writer, cancellationToken);
                    await writer.CompleteAsync(cancellationToken);
                }

                await output.CommitAsync(cancellationToken);
                return ExitCodes.Success;
            });
        });
        return command;
    }
}
