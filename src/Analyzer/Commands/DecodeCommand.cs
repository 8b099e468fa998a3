using System.CommandLine;
using CriuImage.Json;

namespace CriuImage.Analyzer.Commands;

/// <summary><c>criu-image decode IMAGE [-o FILE.json]</c>: the image as a JSON interchange document.</summary>
internal static class DecodeCommand
{
    public static Command Create(StandardStreams std)
    {
        var image = new Argument<string>("IMAGE") { Description = "The image to decode (- reads standard input)." };
        var target = new Option<string?>("--output", "-o") { Description = "Write the JSON here instead of standard output: a file is replaced only on success; a device or FIFO is written through; - is standard output." };
        var command = new Command("decode", "Decode an image into its JSON interchange document (streamed: memory stays bounded by one frame).") { image, target };
        command.SetAction((parse, cancellationToken) =>
        {
            string path = parse.GetValue(image)!;
            string outPath = parse.GetValue(target) ?? "-";
            return CommandErrors.RunWritingAsync(path, outPath, std.Error, async () =>
            {
                await using ImageReader reader = path == "-" ? ImageReader.Create(std.Input, leaveOpen: true) : ImageReader.Open(path);
                await using CommandOutput output = CommandOutput.Open(outPath, std);
                await JsonImageDecoder.DecodeAsync(reader, output.Stream, cancellationToken);
                await output.CommitAsync(cancellationToken);
                return ExitCodes.Success;
            });
        });
        return command;
    }
}
