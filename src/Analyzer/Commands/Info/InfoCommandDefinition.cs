using System.CommandLine;
using CriuImage.Analyzer.Cli;

namespace CriuImage.Analyzer.Commands;

/// <summary>What <c>criu-image info</c> accepts: its arguments and options with their help. <see cref="InfoCommand"/> runs it.</summary>
internal sealed class InfoCommandDefinition : Command
{
    public InfoCommandDefinition()
        : base("info", "Show an image's header and totals, or what GPU state a CRIU dump holds.")
    {
        Arguments.Add(Paths);
        Options.Add(Format);
        Options.Add(Follow);
    }

    public Argument<string[]> Paths { get; } = new("PATH") { Description = "Images, CRIU amdgpu files, dump folders, container checkpoint archives, or - for standard input.", Arity = ArgumentArity.OneOrMore };

    public Option<string> Format { get; } = FormatOption.Create("Output format.", "text", "json");

    public Option<bool> Follow { get; } = new("--follow-symlinks") { Description = "Follow symbolic links inside folders." };
}
