using System.Text;

namespace CriuImage.Analyzer.Cli;

/// <summary>UTF-8 bytes written to a <see cref="TextWriter"/>, so that a caller who hands the tool a text writer sees every output, streamed ones included.</summary>
internal sealed class TextWriterStream(TextWriter writer) : WriteOnlyStream
{
    private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();

    // One buffer for every write: a JSON writer flushes 64 KiB at a time, and a new 128 KB array per flush lands in
    // the large object heap, which is collected only with the oldest generation (the peak grew with the output).
    private char[] _chars = [];

    public override void Flush() => writer.Flush();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        int needed = _decoder.GetCharCount(buffer, flush: false);
        if (_chars.Length < needed)
        {
            _chars = new char[Math.Max(needed, _chars.Length * 2)];
        }

        int count = _decoder.GetChars(buffer, _chars, flush: false);
        writer.Write(_chars, 0, count);
    }
}
