using CriuImage.IO;

namespace CriuImage.Analyzer.Cli;

/// <summary>
/// An output's stream whose write failures name the output, so that "no space left on device" is never
/// mistaken for a problem of the input file.
/// </summary>
internal sealed class OutputStream(Stream inner, string name) : WriteOnlyStream
{
    public override void Flush()
    {
        try
        {
            inner.Flush();
        }
        catch (IOException e) when (e is not OutputException)
        {
            throw new OutputException(name, e);
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await inner.FlushAsync(cancellationToken);
        }
        catch (IOException e) when (e is not OutputException)
        {
            throw new OutputException(name, e);
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        try
        {
            inner.Write(buffer);
        }
        catch (IOException e) when (e is not OutputException)
        {
            throw new OutputException(name, e);
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            await inner.WriteAsync(buffer, cancellationToken);
        }
        catch (IOException e) when (e is not OutputException)
        {
            throw new OutputException(name, e);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
}

/// <summary>
/// An output could not be written; <see cref="Exception.Message"/> says which, under the name it was given
/// (not a link's target or a temporary file), and why (<c>No space left on device</c>).
/// </summary>
internal sealed class OutputException : IOException
{
    public OutputException(string output, Exception inner)
        : base($"cannot write {output}: {Reason(output, inner)}", inner)
    {
    }

    /// <summary>Why, without the path the lower layers put in front (the name given, or the file it resolved to).</summary>
    private static string Reason(string output, Exception inner)
    {
        string reason = IoMessages.Of(inner);
        int colon = reason.IndexOf(": ", StringComparison.Ordinal);
        if (colon > 0 && (reason[..colon] == output || (reason[0] == '/' && !reason[..colon].Contains(' ', StringComparison.Ordinal))))
        {
            return reason[(colon + 2)..];
        }

        return reason;
    }
}
