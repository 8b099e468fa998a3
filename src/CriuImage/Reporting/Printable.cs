using System.Globalization;
using System.Text;

namespace CriuImage.Reporting;

/// <summary>
/// Makes text from an image or a file name safe to print on a terminal or in a line-based report: control
/// characters (C0, DEL, C1) and bidirectional overrides are written as escapes, so a name holding a newline
/// cannot forge a report line and an image cannot send escape sequences to the terminal.
/// </summary>
internal static class Printable
{
    /// <summary>
    /// <paramref name="text"/> with <c>\n</c>, <c>\r</c>, <c>\t</c>, <c>\e</c> and other control or
    /// direction-changing characters as <c>\xHH</c> or <c>\u{HHHH}</c>; a backslash stays as it is.
    /// </summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int first = 0;
        while (first < text.Length && !NeedsEscape(text[first]))
        {
            first++;
        }

        if (first == text.Length)
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 8).Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (!NeedsEscape(c))
            {
                escaped.Append(c);
                continue;
            }

            _ = c switch
            {
                '\n' => escaped.Append("\\n"),
                '\r' => escaped.Append("\\r"),
                '\t' => escaped.Append("\\t"),
                '\x1b' => escaped.Append("\\e"),
                < '\u0100' => escaped.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => escaped.Append(CultureInfo.InvariantCulture, $"\\u{{{(int)c:x4}}}"),
            };
        }

        return escaped.ToString();
    }

    /// <summary>True when <paramref name="text"/> holds nothing <see cref="Escape"/> changes.</summary>
    public static bool IsPlain(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (NeedsEscape(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>C0 and C1 controls, DEL, and the Unicode bidirectional embeddings, overrides and isolates ("Trojan Source", CVE-2021-42574).</summary>
    private static bool NeedsEscape(char c) =>
        c < ' ' || (c >= '\x7f' && c <= '\x9f') || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069') || c == '\u200e' || c == '\u200f';
}
