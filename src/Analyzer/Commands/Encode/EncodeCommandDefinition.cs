using System.CommandLine;

namespace CriuImage.Analyzer.Commands;

/// <summary>What <c>criu-image encode</c> accepts: its arguments and options with their help. <see cref="EncodeCommand"/> runs it.</summary>
internal sealed class EncodeCommandDefinition : Command
{
    public EncodeCommandDefinition()
        : base("encode", "Encode a JSON interchange document into an image.")
    {
        Arguments.Add(Json);
        Options.Add(Output);
    }

    public Argument<string> Json { get; } = new("FILE.json") { Description = "The JSON interchange document (- reads standard input)." };

    public Option<string> Output { get; } = new("--output", "-o") { Description = "The image to write: a file is replaced only on success; a device or FIFO is written through; - is standard output.", Required = true };
}
