using System.CommandLine;
using System.CommandLine.Completions;
using System.Text;
using CriuImage.Analyzer.Cli;

namespace CriuImage.Analyzer.Commands;

/// <summary>
/// <c>criu-image completion bash|zsh|fish</c>: a completion script generated from the command tree itself,
/// so it can never fall out of step with the commands and options.
/// </summary>
internal static class CompletionCommand
{
    public static Command Create(StandardStreams std)
    {
        var command = new CompletionCommandDefinition();
        command.SetAction(async (parse, cancellationToken) =>
        {
            Command root = parse.RootCommandResult.Command;
            List<CommandInfo> commands = [.. root.Subcommands.Where(c => !c.Hidden).Select(Describe)];
            string script = parse.GetValue(command.Shell) switch
            {
                "bash" => Bash(commands),
                "zsh" => Zsh(commands),
                _ => Fish(commands),
            };
            await std.Text.WriteAsync(script.AsMemory(), cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }

    private static CommandInfo Describe(Command command)
    {
        var options = command.Options.Concat(command.Parents.OfType<Command>().SelectMany(p => p.Options.Where(o => o.Recursive)))
            .Where(o => !o.Hidden && o is not System.CommandLine.Help.HelpOption and not VersionOption)
            .Select(o => new OptionInfo(
                [o.Name, .. o.Aliases.Order(StringComparer.Ordinal)],
                FirstSentence(o.Description),
                o.ValueType == typeof(bool) ? null : [.. o.GetCompletions(CompletionContext.Empty).Select(c => c.Label)],
                o.ValueType == typeof(string)))
            .ToList();
        options.Add(new OptionInfo(["--help", "-h"], "Show help and usage information", null, false));
        List<string> choices = [.. command.Arguments.SelectMany(a => a.GetCompletions(CompletionContext.Empty)).Select(c => c.Label)];
        return new CommandInfo(command.Name, FirstSentence(command.Description), options, choices);
    }

    private static string FirstSentence(string? text)
    {
        string line = (text ?? "").ReplaceLineEndings(" ");
        int end = line.IndexOf(". ", StringComparison.Ordinal);
        return (end < 0 ? line : line[..end]).TrimEnd('.');
    }

    private static string Bash(List<CommandInfo> commands)
    {
        var s = new StringBuilder();
        s.Append("# bash completion for criu-image (criu-image completion bash)\n");
        s.Append("_criu_image() {\n");
        s.Append("    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n");
        s.Append("    if [ \"$COMP_CWORD\" -eq 1 ]; then\n");
        s.Append($"        COMPREPLY=($(compgen -W '{string.Join(' ', commands.Select(c => c.Name))} --help --version' -- \"$cur\"))\n");
        s.Append("        return\n    fi\n");
        s.Append("    case \"${COMP_WORDS[1]}\" in\n");
        foreach (CommandInfo command in commands)
        {
            s.Append($"    {command.Name})\n        case \"$prev\" in\n");
            foreach (OptionInfo option in command.Options.Where(o => o.Values is not null))
            {
                string reply = option.Values!.Count > 0 ? $"compgen -W '{string.Join(' ', option.Values)}' -- \"$cur\"" : option.IsPath ? "compgen -f -- \"$cur\"" : "";
                s.Append($"            {string.Join('|', option.Names)}) COMPREPLY=({(reply.Length > 0 ? $"$({reply})" : "")}); return ;;\n");
            }

            s.Append("        esac\n");
            s.Append($"        if [[ \"$cur\" == -* ]]; then COMPREPLY=($(compgen -W '{string.Join(' ', command.Options.SelectMany(o => o.Names))}' -- \"$cur\"))\n");
            s.Append(command.Choices.Count > 0
                ? $"        else COMPREPLY=($(compgen -W '{string.Join(' ', command.Choices)}' -- \"$cur\")); fi\n        ;;\n"
                : "        else COMPREPLY=($(compgen -f -- \"$cur\")); fi\n        ;;\n");
        }

        s.Append("    esac\n}\ncomplete -o filenames -F _criu_image criu-image\n");
        return s.ToString();
    }

    private static string Zsh(List<CommandInfo> commands)
    {
        var s = new StringBuilder();
        s.Append("#compdef criu-image\n# zsh completion for criu-image (criu-image completion zsh)\n_criu_image() {\n    local -a commands\n    commands=(\n");
        foreach (CommandInfo command in commands)
        {
            s.Append($"        '{command.Name}:{ZshText(command.Description)}'\n");
        }

        s.Append("    )\n    if (( CURRENT == 2 )); then\n        _describe 'command' commands\n        return\n    fi\n    case $words[2] in\n");
        foreach (CommandInfo command in commands)
        {
            s.Append($"    {command.Name})\n        _arguments");
            foreach (OptionInfo option in command.Options)
            {
                string action = option.Values is null ? "" : option.Values.Count > 0 ? $":value:({string.Join(' ', option.Values)})" : option.IsPath ? ":file:_files" : ":number: ";
                string names = option.Names.Count > 1 ? $"'({string.Join(' ', option.Names)})'{{{string.Join(',', option.Names)}}}'" : $"'{option.Names[0]}";
                s.Append($" \\\n            {names}[{ZshText(option.Description)}]{action}'");
            }

            s.Append(command.Choices.Count > 0 ? $" \\\n            '*:value:({string.Join(' ', command.Choices)})'\n        ;;\n" : " \\\n            '*:file:_files'\n        ;;\n");
        }

        s.Append("    esac\n}\ncompdef _criu_image criu-image\n");
        return s.ToString();
    }

    private static string Fish(List<CommandInfo> commands)
    {
        var s = new StringBuilder("# fish completion for criu-image (criu-image completion fish)\ncomplete -c criu-image -f\n");
        foreach (CommandInfo command in commands)
        {
            s.Append($"complete -c criu-image -n __fish_use_subcommand -a {command.Name} -d '{FishText(command.Description)}'\n");
        }

        foreach (CommandInfo command in commands)
        {
            string when = $"-n '__fish_seen_subcommand_from {command.Name}'";
            foreach (OptionInfo option in command.Options)
            {
                string names = string.Join(' ', option.Names.Select(n => n.StartsWith("--", StringComparison.Ordinal) ? $"-l {n[2..]}" : $"-s {n[1..]}"));
                string values = option.Values is null ? "" : option.Values.Count > 0 ? $" -x -a '{string.Join(' ', option.Values)}'" : option.IsPath ? " -r -F" : " -x";
                s.Append($"complete -c criu-image {when} {names}{values} -d '{FishText(option.Description)}'\n");
            }

            s.Append(command.Choices.Count > 0 ? $"complete -c criu-image {when} -a '{string.Join(' ', command.Choices)}'\n" : $"complete -c criu-image {when} -F\n");
        }

        return s.ToString();
    }

    private static string ZshText(string text) => text.Replace("'", "'\\''", StringComparison.Ordinal).Replace(":", "\\:", StringComparison.Ordinal).Replace("[", "(", StringComparison.Ordinal).Replace("]", ")", StringComparison.Ordinal);

    private static string FishText(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);

    /// <param name="Values">Null for a flag; the choices; or empty for a free value, a path when <paramref name="IsPath"/>.</param>
    private sealed record OptionInfo(List<string> Names, string Description, List<string>? Values, bool IsPath);

    private sealed record CommandInfo(string Name, string Description, List<OptionInfo> Options, List<string> Choices);
}
