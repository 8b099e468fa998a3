using System.CommandLine;

namespace CriuImage.Analyzer.Commands;

/// <summary>What <c>criu-image decode</c> accepts: its arguments and options with their help. <see cref="DecodeCommand"/> runs it.</summary>
internal sealed class DecodeCommandDefinition : Command
{
    public DecodeCommandDefinition()
        : base("decode", "Decode an image into its JSON interchange document (streamed: memory stays bounded by one frame), or a CRIU amdgpu file into crit-style JSON.")
    {
        Arguments.Add(Image);
        Options.Add(Output);
    }

    public Argument<string> Image { get; } = new("IMAGE") { Description = "The image, CRIU amdgpu file, dump folder or container archive to decode (- reads an image from standard input)." };

    public Option<string?> Output { get; } = new("--output", "-o") { Description = "Write the JSON here instead of standard output: a file is replaced only on success; a device or FIFO is written through; - is standard output." };
}
