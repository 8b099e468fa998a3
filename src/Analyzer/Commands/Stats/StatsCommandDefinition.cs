using System.CommandLine;
using CriuImage.Analyzer.Cli;

namespace CriuImage.Analyzer.Commands;

/// <summary>What <c>criu-image stats</c> accepts: its arguments and options with their help. <see cref="StatsCommand"/> runs it.</summary>
internal sealed class StatsCommandDefinition : Command
{
    public StatsCommandDefinition()
        : base("stats", "Summarize an image: bytes per preferred-domain set, mappings per BO, BO and mapping sizes in power-of-two classes, and the span of GPU addresses. One pass, memory independent of the image's size.")
    {
        Arguments.Add(Image);
        Options.Add(Format);
    }

    public Argument<string> Image { get; } = new("IMAGE") { Description = "The image (- reads standard input)." };

    public Option<string> Format { get; } = FormatOption.Create("text or json.", "text", "json");
}
