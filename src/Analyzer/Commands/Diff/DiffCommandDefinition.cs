using System.CommandLine;
using CriuImage.Analyzer.Cli;

namespace CriuImage.Analyzer.Commands;

/// <summary>What <c>criu-image diff</c> accepts: its arguments and options with their help. <see cref="DiffCommand"/> runs it.</summary>
internal sealed class DiffCommandDefinition : Command
{
    public DiffCommandDefinition()
        : base("diff", "Show what changed between two images: header fields, BOs by GEM handle, mappings by GPU address. Exit status 0 when equal, 1 when different, 2 on error, like diff(1).")
    {
        Arguments.Add(First);
        Arguments.Add(Second);
        Options.Add(Format);
    }

    public Argument<string> First { get; } = new("A") { Description = "The first image (- reads standard input)." };

    public Argument<string> Second { get; } = new("B") { Description = "The second image." };

    public Option<string> Format { get; } = FormatOption.Create("text: one line per difference; json: the same as a document.", "text", "json");
}
