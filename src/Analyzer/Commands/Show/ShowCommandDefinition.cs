using System.CommandLine;
using CriuImage.Analyzer.Cli;

namespace CriuImage.Analyzer.Commands;

/// <summary>What <c>criu-image show</c> accepts: its arguments and options with their help. <see cref="ShowCommand"/> runs it.</summary>
internal sealed class ShowCommandDefinition : Command
{
    public ShowCommandDefinition()
        : base("show", "Show every BO and mapping of an image as a table: sizes humanized, addresses in hex, flag bits by their kernel names. Streams: memory stays bounded by one frame.")
    {
        Arguments.Add(Image);
        Options.Add(Format);
    }

    public Argument<string> Image { get; } = new("IMAGE") { Description = "The image, CRIU amdgpu file, dump folder or container archive to show (- reads an image or an archive from standard input)." };

    public Option<string> Format { get; } = FormatOption.Create("text: a table per BO; json: the same, named flags beside raw values.", "text", "json");
}
