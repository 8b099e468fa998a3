using System.Text;

namespace CriuImage.Format;

/// <summary>
/// Offending values as error messages quote them: at most <see cref="MaxCharacters"/> characters, with control
/// characters escaped, so a 500 MB key makes a one-line message and an image cannot write to the terminal.
/// </summary>
internal static class Quote
{
    /// <summary>Most characters of a value an error message shows.</summary>
    public const int MaxCharacters = 80;

    /// <summary>The value, cut to <see cref="MaxCharacters"/> with its full length said, control characters as <c>\uXXXX</c>.</summary>
    public static string Text(string value)
    {
        int shown = value.Length <= MaxCharacters ? value.Length : MaxCharacters - 3;
        if (shown > 0 && shown < value.Length && char.IsHighSurrogate(value[shown - 1]))
        {
            shown--;
        }

        StringBuilder text = Escaped(value, shown);
        return shown == value.Length ? text.ToString() : text.Append(System.Globalization.CultureInfo.InvariantCulture, $"... ({value.Length} characters)").ToString();
    }

    /// <summary>The whole value on one line, control characters as <c>\uXXXX</c>: for a value written into a line-based file.</summary>
    public static string Line(string value) => Escaped(value, value.Length).ToString();

    private static StringBuilder Escaped(string value, int shown)
    {
        var text = new StringBuilder(shown + 32);
        for (int i = 0; i < shown; i++)
        {
            char c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < shown && char.IsLowSurrogate(value[i + 1]))
            {
                text.Append(c).Append(value[++i]);
            }
            else if (char.IsControl(c) || char.IsSurrogate(c))
            {
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                text.Append(c);
            }
        }

        return text;
    }
}
