using System.CommandLine;
using CriuImage.Reporting;

namespace CriuImage.Analyzer.Cli;

/// <summary>Command-line mistakes, one line each, naming an unknown option as an option.</summary>
internal static class ParseErrors
{
    /// <summary>
    /// Tokens that look like options but were taken as a command's argument (a PATH... argument swallows
    /// <c>--frobnicate</c>); after <c>--</c> a leading dash is a name, as usual.
    /// </summary>
    public static List<string> UnknownOptions(ParseResult parse)
    {
        int doubleDash = parse.Tokens.ToList().FindIndex(t => t.Type == System.CommandLine.Parsing.TokenType.DoubleDash);
        HashSet<System.CommandLine.Parsing.Token> afterDoubleDash = doubleDash < 0 ? [] : [.. parse.Tokens.Skip(doubleDash + 1)];
        return parse.CommandResult.Children
            .OfType<System.CommandLine.Parsing.ArgumentResult>()
            .SelectMany(a => a.Tokens)
            .Where(t => t.Value.Length > 1 && t.Value[0] == '-' && !afterDoubleDash.Contains(t))
            .Select(t => t.Value)
            .ToList();
    }

    public static async Task WriteAsync(ParseResult parse, TextWriter error)
    {
        string command = parse.CommandResult.Command.Name;
        var unmatched = parse.UnmatchedTokens.ToHashSet(StringComparer.Ordinal);
        foreach (string token in parse.UnmatchedTokens.Concat(UnknownOptions(parse)))
        {
            string line = token.StartsWith('-') && token.Length > 1
                ? $"criu-image: error: unknown option '{token}' for '{command}'"
                : $"criu-image: error: unexpected argument '{token}' for '{command}'";
            await error.WriteLineAsync(Printable.Escape(line));
        }

        foreach (System.CommandLine.Parsing.ParseError problem in parse.Errors)
        {
            // System.CommandLine reports each unmatched token too, as "Unrecognized command or argument": said above.
            if (!unmatched.Any(token => problem.Message.Contains($"'{token}'", StringComparison.Ordinal)))
            {
                await error.WriteLineAsync(Printable.Escape($"criu-image: error: {problem.Message}"));
            }
        }

        await error.WriteLineAsync($"Run 'criu-image {(parse.CommandResult.Command is RootCommand ? "" : command + " ")}--help' for usage.");
    }
}
