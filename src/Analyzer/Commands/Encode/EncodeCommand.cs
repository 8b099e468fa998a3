using System.CommandLine;
using CriuImage.Analyzer.Cli;
using CriuImage.Input;
using CriuImage.Json;

namespace CriuImage.Analyzer.Commands;

/// <summary><c>criu-image encode FILE.json -o IMAGE</c>: a JSON interchange document as an image, written atomically.</summary>
internal static class EncodeCommand
{
    public static Command Create(StandardStreams std)
    {
        var command = new EncodeCommandDefinition();
        command.SetAction((parse, cancellationToken) =>
        {
            string path = parse.GetValue(command.Json)!;
            string outPath = parse.GetValue(command.Output)!;
            return CommandErrors.RunWritingAsync(path, outPath, std.Error, async () =>
            {
                // Streamed: memory stays bounded by the longest JSON token, whatever the document's size.
                await using Stream document = path == "-" ? std.Input : InputPaths.OpenRead(path);
                JsonImageEncoder encoder = Open(document);
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

    /// <summary>The encoder over <paramref name="document"/>; an image given by mistake is told the command that decodes it.</summary>
    private static JsonImageEncoder Open(Stream document)
    {
        try
        {
            return JsonImageEncoder.Create(document, CliRemedyWords.Instance);
        }
        catch (InterchangeException e) when (e.Detail == JsonSource.ImageGiven)
        {
            throw new InterchangeException(e.Line, e.Column, $"{e.Detail}: use 'criu-image decode' to turn it into JSON");
        }
    }
}
