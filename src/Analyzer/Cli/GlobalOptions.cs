using System.CommandLine;

namespace CriuImage.Analyzer.Cli;

/// <summary>Options every command accepts.</summary>
internal static class GlobalOptions
{
    public const string VerboseName = "--verbose";

    /// <summary>Shows the full detail of an unexpected failure (for a bug report).</summary>
    public static readonly Option<bool> Verbose = new(VerboseName) { Description = "On an unexpected failure, print its full detail (for a bug report).", Recursive = true };
}
