using System.CommandLine;
using System.CommandLine.Parsing;
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
        bool root = parse.CommandResult.Command is RootCommand;
        string? unknownCommand = root ? parse.UnmatchedTokens.FirstOrDefault(t => !t.StartsWith('-')) : null;
        // An unknown option taken as the PATH argument pushes the path itself out as "unexpected": one mistake, said once.
        List<string> unknownOptions = UnknownOptions(parse);
        foreach (string token in parse.UnmatchedTokens.Where(t => root || unknownOptions.Count == 0 || t.StartsWith('-')).Concat(unknownOptions))
        {
            string line = token == unknownCommand ? $"criu-image: error: unknown command '{token}' ('criu-image --help' lists them)"
                : token.StartsWith('-') && token.Length > 1 ? $"criu-image: error: unknown option '{token}' for '{command}'"
                : $"criu-image: error: unexpected argument '{token}' for '{command}'";
            await error.WriteLineAsync(Printable.Escape(line));
        }

        foreach (ParseError problem in parse.Errors)
        {
            // System.CommandLine reports each unmatched token too, as "Unrecognized command or argument": said above;
            // a missing command is the unknown command said above, when there is one.
            if (!unmatched.Any(token => problem.Message.Contains($"'{token}'", StringComparison.Ordinal)) && !(unknownCommand is not null && problem.SymbolResult is CommandResult))
            {
                await error.WriteLineAsync(Printable.Escape($"criu-image: error: {Reworded(problem, parse.CommandResult.Command)}"));
            }
        }

        await error.WriteLineAsync($"Run 'criu-image {(root ? "" : command + " ")}--help' for usage.");
    }

    /// <summary>
    /// A value outside an option's choices in one line and our words (<c>--format 'xml' is not one of: text,
    /// json</c>), where System.CommandLine lists the choices on lines of their own, and a missing argument
    /// (<c>'verify' is missing an argument: it takes &lt;PATH&gt;</c>) or a required option (<c>'encode' needs --output</c>) where it says it in its own; other errors as they are.
    /// </summary>
    private static string Reworded(ParseError problem, Command command)
    {
        // System.CommandLine 2.0's text: Required argument missing for command: 'verify'.
        if (problem.Message.StartsWith("Required argument missing", StringComparison.Ordinal))
        {
            return $"'{command.Name}' is missing an argument: it takes {string.Join(" ", command.Arguments.Select(a => $"<{a.Name.ToUpperInvariant()}>"))}";
        }

        // System.CommandLine 2.0's text: Option '--output' is required.
        const string Option = "Option '", Required = "' is required.";
        if (problem.Message.StartsWith(Option, StringComparison.Ordinal) && problem.Message.EndsWith(Required, StringComparison.Ordinal))
        {
            return $"'{command.Name}' needs {problem.Message[Option.Length..^Required.Length]}";
        }

        // System.CommandLine 2.0's text: Argument 'VALUE' not recognized. Must be one of:\n\t'A'\n\t'B'
        string[] parts = problem.Message.Split("\n\t");
        if (parts.Length < 2 || !parts[0].EndsWith(" not recognized. Must be one of:", StringComparison.Ordinal) || !parts[0].StartsWith("Argument '", StringComparison.Ordinal))
        {
            return problem.Message;
        }

        string value = parts[0]["Argument ".Length..parts[0].IndexOf(" not recognized.", StringComparison.Ordinal)];
        string choices = string.Join(", ", parts.Skip(1).Select(p => p.Trim('\'')));
        string? option = problem.SymbolResult?.Parent is OptionResult owner ? owner.Option.Name + " " : problem.SymbolResult is OptionResult direct ? direct.Option.Name + " " : null;
        return $"{option}{value} is not one of: {choices}";
    }
}
