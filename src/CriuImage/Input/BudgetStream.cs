using CriuImage.IO;
using ZstdSharp;

namespace CriuImage.Input;

/// <summary>
/// A decoder's output, counted against the input's <see cref="InputBudget"/> (a decompression bomb ends with
/// one error, after bounded memory), with the decoder's own exceptions turned into <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class BudgetStream(Stream decoder, InputBudget budget) : ReadOnlyStream
{
    public override int Read(Span<byte> buffer)
    {
        int n;
        try
        {
            n = decoder.Read(buffer);
        }
        catch (ZstdException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"truncated: {e.Message}", e);
        }

        if (!budget.TakeBytes(n))
        {
            throw new InvalidDataException($"decompresses to more than {budget.MaxBytes} bytes: refused as a decompression bomb");
        }

        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            decoder.Dispose();
        }

        base.Dispose(disposing);
    }
}
