using System.CommandLine;

namespace CriuImage.Analyzer.Cli;

/// <summary>
/// The <c>--format</c> option of every command that can write more than text, declared once: the same name,
/// the same default (<c>text</c>) and the same refusal of a format the command does not write. Commands differ
/// only in the formats they accept and in the help line, which says what each format holds where that helps.
/// </summary>
internal static class FormatOption
{
    /// <summary>A <c>--format</c> option accepting <paramref name="formats"/> (text among them), text by default.</summary>
    public static Option<string> Create(string description, params string[] formats)
    {
        var option = new Option<string>("--format") { Description = description, DefaultValueFactory = _ => "text" };
        option.AcceptOnlyFromAmong(formats);
        return option;
    }
}
