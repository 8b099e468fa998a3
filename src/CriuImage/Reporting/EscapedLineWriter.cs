using System.Text;

namespace CriuImage.Reporting;

/// <summary>
/// A text writer that passes each line to <paramref name="output"/> as soon as it ends, escaped
/// (<see cref="Printable.Escape"/>): a report written through it streams, and one line of it stays one line
/// whatever its paths and messages hold. Text after the last line break is written on <see cref="Flush"/>.
/// </summary>
/// <param name="output">Where the escaped lines go.</param>
internal sealed class EscapedLineWriter(TextWriter output) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => output.Encoding;

    public override void Write(char value)
    {
        if (value != '\n')
        {
            _line.Append(value);
            return;
        }

        output.Write(Printable.Escape(_line.ToString()));
        output.Write('\n');
        _line.Clear();
    }

    public override void Write(string? value)
    {
        foreach (char c in value ?? "")
        {
            Write(c);
        }
    }

    public override void Flush()
    {
        if (_line.Length > 0)
        {
            output.Write(Printable.Escape(_line.ToString()));
            _line.Clear();
        }

        output.Flush();
    }
}
