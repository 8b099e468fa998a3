using System.Text;

namespace CriuImage.Analyzer.Cli;

/// <summary>UTF-8 bytes written to a <see cref="TextWriter"/>, so that a caller who hands the tool a text writer sees every output, streamed ones included.</summary>
internal sealed class TextWriterStream(TextWriter writer) : WriteOnlyStream
{
    private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();

    public override void Flush() => writer.Flush();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        char[] chars = new char[_decoder.GetCharCount(buffer, flush: false)];
        int count = _decoder.GetChars(buffer, chars, flush: false);
        writer.Write(chars, 0, count);
    }
}
