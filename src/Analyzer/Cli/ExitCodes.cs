namespace CriuImage.Analyzer.Cli;

/// <summary>Process exit codes: findings are kept apart from "the tool could not do its job".</summary>
internal static class ExitCodes
{
    /// <summary>Done; nothing reached the failure level.</summary>
    public const int Success = 0;

    /// <summary>The inputs were read and something reached the failure level.</summary>
    public const int Findings = 1;

    /// <summary>An input could not be read at all, or the command line is wrong.</summary>
    public const int Unusable = 2;

    /// <summary>Interrupted (Ctrl-C), as shells report SIGINT: 128 + 2.</summary>
    public const int Cancelled = 130;
}
