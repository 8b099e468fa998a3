using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace CriuImage.Analyzer.Cli;

/// <summary>
/// A whole-number option that refuses, as a command-line mistake in one line, a value that is not a number, out
/// of <see cref="int"/>'s range (<c>--jobs 99999999999</c>), or below its least value (<c>--jobs 0</c>,
/// <c>--max-findings -1</c>, <c>--pid 0</c>): never the parser's own exception or a call made with it.
/// </summary>
internal static class WholeNumberOption
{
    /// <summary>Makes <paramref name="option"/> accept only whole numbers from <paramref name="least"/> up (<paramref name="meaning"/>: what the least means, e.g. <c>0 (all)</c>).</summary>
    public static void AtLeast(Option<int> option, int least, string? meaning = null) =>
        option.CustomParser = result => Parse(option.Name, result, least, meaning) ?? 0;

    /// <summary>Like <see cref="AtLeast(Option{int}, int, string?)"/> for an option that may be left out (null).</summary>
    public static void AtLeast(Option<int?> option, int least, string? meaning = null) =>
        option.CustomParser = result => Parse(option.Name, result, least, meaning);

    private static int? Parse(string name, ArgumentResult result, int least, string? meaning)
    {
        string token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (!int.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
        {
            result.AddError($"{name} '{token}' is not a whole number from {least} to {int.MaxValue}");
            return null;
        }

        if (value < least)
        {
            result.AddError($"{name} must be {meaning ?? least.ToString(CultureInfo.InvariantCulture)} or more");
            return null;
        }

        return value;
    }
}
