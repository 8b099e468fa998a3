using CriuImage.Diagnostics;
using CriuImage.Format;
using CriuImage.Json;
using CriuImage.Restore;
using CriuImage.Scanning;
using CriuImage.Verification;

namespace CriuImage.Fuzz.Targets;

/// <summary>Targets of our own format (FORMAT.md) and of its JSON interchange document.</summary>
internal static class FormatTargets
{
    /// <summary>The strict reader: reads every BO or refuses the image with <see cref="ImageFormatException"/>.</summary>
    public static FuzzTarget Reader { get; } = new("image-reader", "ImageReader (header, frames, BO and VM records, trailer)", nameof(ImageFormatException), input =>
    {
        try
        {
            ReadAll(input);
        }
        catch (ImageFormatException)
        {
        }
    });

    /// <summary>
    /// The lenient scanner and what runs on it (verify, plan): damage is reported, never thrown, and every
    /// offset it reports lies inside the input. Only the plan refuses a damaged image, with <see cref="ImageFormatException"/>.
    /// </summary>
    public static FuzzTarget Scanner { get; } = new("image-scanner", "ImageScanner, ImageVerifier and RestorePlan on its scan", $"none (damage is a finding); the plan: {nameof(ImageFormatException)}", input =>
    {
        ImageScanner.Scan(input, new BoundsCheck(input.Length));
        _ = ImageVerifier.Verify(input, "fuzz");
        try
        {
            _ = RestorePlan.Create(input, "fuzz");
        }
        catch (ImageFormatException)
        {
        }
    });

    /// <summary>
    /// Image to JSON: decodes or refuses with <see cref="ImageFormatException"/>; what it decodes encodes again
    /// (JsonImageDecoder's promise), and encode and decode are then each other's inverse.
    /// </summary>
    public static FuzzTarget JsonDecode { get; } = new("json-decode", "JsonImageDecoder (image to JSON), then the JSON back through JsonImageEncoder", nameof(ImageFormatException), input =>
    {
        byte[] json;
        try
        {
            json = Decode(input);
        }
        catch (ImageFormatException)
        {
            return;
        }

        // The first round may add what the image lacked (a format 1.0 image has no image_id); after it, a fixed point.
        byte[] canonical = Decode(Encode(json));
        if (!Decode(Encode(canonical)).AsSpan().SequenceEqual(canonical))
        {
            throw new InvalidOperationException("a decoded document, encoded and decoded again, is a different document");
        }
    });

    /// <summary>JSON to image: encodes or refuses with <see cref="InterchangeException"/>; what it writes reads back and decodes.</summary>
    public static FuzzTarget JsonEncode { get; } = new("json-encode", "JsonImageEncoder (JSON interchange to image), then the image through ImageReader and JsonImageDecoder", nameof(InterchangeException), input =>
    {
        byte[] image;
        try
        {
            image = Encode(input);
        }
        catch (InterchangeException)
        {
            return;
        }

        ReadAll(image);
        _ = Decode(image);
    });

    /// <summary>Reads every BO of <paramref name="input"/> with the strict reader.</summary>
    public static void ReadAll(byte[] input)
    {
        Wait(async () =>
        {
            await using ImageReader reader = ImageReader.Create(new MemoryStream(input));
            await reader.ReadHeaderAsync();
            await foreach (BoEntry entry in reader.ReadBosAsync())
            {
                _ = entry.Mappings.Length;
            }
        });
    }

    private static byte[] Decode(byte[] image)
    {
        using var output = new MemoryStream();
        Wait(async () =>
        {
            await using ImageReader reader = ImageReader.Create(new MemoryStream(image));
            await JsonImageDecoder.DecodeAsync(reader, output);
        });
        return output.ToArray();
    }

    private static byte[] Encode(byte[] json)
    {
        using var output = new MemoryStream();
        Wait(async () =>
        {
            JsonImageEncoder encoder = JsonImageEncoder.Create(json);
            await using ImageWriter writer = ImageWriter.Create(output, encoder.Header, leaveOpen: true);
            await encoder.WriteBosAsync(writer);
            await writer.CompleteAsync();
        });
        return output.ToArray();
    }

    /// <summary>Runs an asynchronous body to its end on this thread (the inputs are in memory: nothing waits on I/O).</summary>
    public static void Wait(Func<Task> body) => body().GetAwaiter().GetResult();

    /// <summary>Fails the run when the scanner reports a place outside the input.</summary>
    private sealed class BoundsCheck(long length) : IImageScanHandler
    {
        public void OnHeader(Preamble preamble, ImageHeader header)
        {
        }

        public void OnBo(in BoRecord bo, long offset) => Check(offset, "a BO record");

        public void OnVm(in VmRecord vm, uint index, long offset) => Check(offset, "a VM record");

        public void OnDamage(ImageDamage damage, long offset, uint? frame, string detail, bool fatal) => Check(offset, $"damage ({detail})");

        public void OnTrailer(Trailer trailer)
        {
        }

        private void Check(long offset, string what)
        {
            if (offset < 0 || offset > length)
            {
                throw new InvalidOperationException($"the scanner reports {what} at offset {offset} of a {length}-byte input");
            }
        }
    }
}
