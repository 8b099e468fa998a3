using System.Globalization;
using System.Text;

namespace CriuImage.Reporting;

/// <summary>
/// The lines of a long report (plan's 10^7 call lines) put together as UTF-8 bytes in one buffer and written to
/// their stream a block at a time: numbers are formatted into the buffer and the report's own words are byte
/// literals, so no string is made per line. Text from the inputs (paths, messages) is escaped as
/// <see cref="Printable.Escape"/> does, so one line stays one line. The buffer goes out only at a line's end,
/// so each block written is whole UTF-8.
/// </summary>
internal sealed class Utf8LineWriter : IDisposable
{
    /// <summary>Bytes held before the lines go out.</summary>
    private const int FlushAt = 1 << 16;

    private readonly Stream? _stream;
    private readonly TextWriter? _text;
    private byte[] _buffer = new byte[FlushAt + 1024];
    private int _length;

    /// <summary>Lines written as bytes to <paramref name="output"/>.</summary>
    public Utf8LineWriter(Stream output) => _stream = output ?? throw new ArgumentNullException(nameof(output));

    /// <summary>Lines written as text to <paramref name="output"/> (a caller that holds a text writer).</summary>
    public Utf8LineWriter(TextWriter output) => _text = output ?? throw new ArgumentNullException(nameof(output));

    /// <summary>Appends words of the report's own, ASCII without controls: written as they are.</summary>
    public Utf8LineWriter Ascii(ReadOnlySpan<byte> words)
    {
        words.CopyTo(Room(words.Length));
        _length += words.Length;
        return this;
    }

    /// <summary>Appends text from the inputs, escaped (<see cref="Printable.Escape"/>).</summary>
    public Utf8LineWriter Text(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!Printable.IsPlain(text))
        {
            text = Printable.Escape(text);
        }

        _length += Encoding.UTF8.GetBytes(text, Room(Encoding.UTF8.GetMaxByteCount(text.Length)));
        return this;
    }

    /// <summary>Appends <paramref name="value"/> in decimal.</summary>
    public Utf8LineWriter Decimal(long value)
    {
        value.TryFormat(Room(20), out int written, default, CultureInfo.InvariantCulture);
        _length += written;
        return this;
    }

    /// <summary>Appends <paramref name="value"/> in decimal.</summary>
    public Utf8LineWriter Decimal(ulong value)
    {
        value.TryFormat(Room(20), out int written, default, CultureInfo.InvariantCulture);
        _length += written;
        return this;
    }

    /// <summary>Appends <paramref name="value"/> in lower-case hexadecimal (no <c>0x</c>).</summary>
    public Utf8LineWriter Hex(ulong value)
    {
        value.TryFormat(Room(16), out int written, "x", CultureInfo.InvariantCulture);
        _length += written;
        return this;
    }

    /// <summary>Appends <paramref name="value"/> in lower-case hexadecimal, eight digits at least (an ioctl request number).</summary>
    public Utf8LineWriter Hex8(ulong value)
    {
        value.TryFormat(Room(16), out int written, "x8", CultureInfo.InvariantCulture);
        _length += written;
        return this;
    }

    /// <summary>Ends the line; the lines held go out once they pass a block.</summary>
    public void EndLine()
    {
        Room(1)[0] = (byte)'\n';
        _length++;
        if (_length >= FlushAt)
        {
            WriteHeld();
        }
    }

    /// <summary>
    /// Writes one line of report text and ends it: every character of it escaped, a line break too, so that a name
    /// holding one (a folder, a file given by path) cannot forge a line of the report.
    /// </summary>
    public Utf8LineWriter Line(string text)
    {
        Text(text).EndLine();
        return this;
    }

    /// <summary>Writes what is held and flushes the output.</summary>
    public void Flush()
    {
        WriteHeld();
        _stream?.Flush();
        _text?.Flush();
    }

    /// <summary>Writes what is held (the output stays open).</summary>
    public void Dispose() => WriteHeld();

    private Span<byte> Room(int bytes)
    {
        if (_buffer.Length - _length < bytes)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + bytes));
        }

        return _buffer.AsSpan(_length);
    }

    private void WriteHeld()
    {
        // Emptied first: a write that fails (a full disk) is not tried again on Dispose.
        int held = _length;
        _length = 0;
        if (held == 0)
        {
            return;
        }

        if (_stream is not null)
        {
            _stream.Write(_buffer, 0, held);
        }
        else
        {
            _text!.Write(Encoding.UTF8.GetString(_buffer, 0, held));
        }
    }
}
