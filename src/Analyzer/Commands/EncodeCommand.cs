using System.CommandLine;
using CriuImage.Format;
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
                if (path != "-" && StartsWithImageMagic(path))
                {
                    await std.Error.WriteLineAsync(Reporting.Printable.Escape($"{path}: error: this is an image, not a JSON document: use 'criu-image decode' to turn it into JSON"));
                    return ExitCodes.Unusable;
                }

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

    /// <summary>True when the file at <paramref name="path"/> starts with the image magic (a file shorter than it does not).</summary>
    private static bool StartsWithImageMagic(string path)
    {
        using FileStream file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[8];
        return file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head.SequenceEqual(Preamble.Magic);
    }
}
