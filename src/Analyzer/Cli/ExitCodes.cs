namespace CriuImage.Analyzer.Cli;

/// <summary>
/// Process exit codes: findings are kept apart from "the tool could not do its job". <see cref="For"/> is the one
/// place a command's outcome becomes its code; a thrown bad-input or I/O error becomes <see cref="Unusable"/> in
/// <see cref="CommandErrors"/>, and anything else in <see cref="Program"/>'s guard.
/// </summary>
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

    /// <summary>
    /// The code of a command that ran to its end: <see cref="Unusable"/> when an input could not be read (or was
    /// damaged) whatever else was found, then <see cref="Findings"/> when something reached the failure level.
    /// </summary>
    public static int For(bool unreadable, bool findings) => unreadable ? Unusable : findings ? Findings : Success;
}
