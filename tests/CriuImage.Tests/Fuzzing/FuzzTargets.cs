using System.Text;
using CriuImage.Criu;
using CriuImage.Json;
using CriuImage.Tests.Support;
using CriuImage.Verification;

namespace CriuImage.Tests.Fuzzing;

/// <summary>
/// What each reader may do with any input: the strict reader reads or throws <see cref="ImageFormatException"/>;
/// verify never throws (damage is a diagnostic); the JSON encoder encodes or throws
/// <see cref="InterchangeException"/>, and what it encodes reads back. Anything else is a crash.
/// </summary>
internal static class FuzzTargets
{
    /// <summary>How long one input may take before it counts as a hang.</summary>
    public static readonly TimeSpan PerInput = TimeSpan.FromSeconds(10);

    /// <summary>Runs every image target on <paramref name="input"/>; returns a description of the crash, or null.</summary>
    public static string? RunImage(byte[] input) =>
        Guard("reader", () => StrictRead(input)) ?? Guard("verify", () => ImageVerifier.Verify(input, "fuzz"));

    /// <summary>
    /// Runs CRIU's render-node reader and the import, then every CRIU file reader and the dump verifier (the
    /// input as each of the five kinds, alone in a dump) on <paramref name="input"/>; returns a description of the crash, or null.
    /// </summary>
    public static string? RunCriu(byte[] input) => RunCriuImport(input) ?? Guard("criu-dump", () =>
    {
        foreach (string name in CriuNames)
        {
            var file = new CriuImage.Input.InputFile { Path = name, Folder = "", Length = input.Length, Content = input, Head = input[..Math.Min(8, input.Length)], Found = true, Name = name };
            Criu.CriuDumpFile read = Criu.CriuDumpFile.Read(file, file.CriuName!);
            List<FileReport> reports = DumpVerifier.Verify(new Criu.CriuDump("", [read]), complete: true);
            _ = Criu.DumpSummary.Of(new Criu.CriuDump("", [read]));
            if (read.Damage == Criu.CriuDamage.None)
            {
                Reporting.CriuJsonWriter.Write(read, Stream.Null);
            }

            if (reports.Count != 1)
            {
                throw new InvalidOperationException($"{reports.Count} reports for one file");
            }

            // import of a dump: every render node is imported (into an image that reads back), skipped or refused.
            foreach (Criu.RenderNodeImport import in Criu.CriuImportPlan.Of(new Criu.InputPlan([new Criu.PlannedDump(new Criu.CriuDump("", [read]), true, [0])], []), ""))
            {
                if (import.Outcome == Criu.ImportOutcome.Import)
                {
                    using var stream = new MemoryStream();
                    ImageWriter writer = ImageWriter.Create(stream, import.Header!, leaveOpen: true);
                    Criu.CriuImport.WriteBos(import.Node!, writer);
                    writer.CompleteAsync().AsTask().GetAwaiter().GetResult();
                    writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
                    StrictRead(stream.ToArray());
                }
            }
        }
    });

    private static readonly string[] CriuNames = ["amdgpu-kfd-1.img", "amdgpu-renderD-1.img", "amdgpu-dmabuf_1.img", "amdgpu-pages-1-1a2b.img", "amdgpu-drm-pages-1-128-0000.img"];

    private static string? RunCriuImport(byte[] input) => Guard("criu-import", () =>
    {
        Criu.CriuRenderNode node;
        try
        {
            node = Criu.CriuRenderNodeReader.Read(input);
        }
        catch (ImageFormatException)
        {
            return;
        }

        // Whatever the reader accepts imports into an image that reads back.
        using var stream = new MemoryStream();
        ImageWriter writer = ImageWriter.Create(stream, Criu.CriuImport.HeaderFor(node), leaveOpen: true);
        Criu.CriuImport.WriteBos(node, writer);
        writer.CompleteAsync().AsTask().GetAwaiter().GetResult();
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        StrictRead(stream.ToArray());
    });

    /// <summary>Byte mutations of a CRIU image, with the length prefix kept true half of the time so the damage reaches the protobuf decoder.</summary>
    public static byte[] MutateCriu(byte[] file, Random random)
    {
        byte[] bytes = random.Next(4) == 0 ? file[..random.Next(file.Length)] : (byte[])file.Clone();
        for (int k = random.Next(0, 4); k > 0 && bytes.Length > 8; k--)
        {
            bytes[8 + random.Next(bytes.Length - 8)] = random.Next(3) == 0 ? (byte)0xFF : (byte)random.Next(256);
        }

        if (bytes.Length >= 8 && random.Next(2) == 0)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)(bytes.Length - 8));
        }

        return bytes;
    }

    /// <summary>Runs the JSON encoder on <paramref name="input"/>; returns a description of the crash, or null.</summary>
    public static string? RunJson(byte[] input) => Guard("encode", () =>
    {
        byte[] image;
        try
        {
            image = GoldenTests.Encode(input).GetAwaiter().GetResult();
        }
        catch (InterchangeException)
        {
            return;
        }

        // What encode accepts must read back: the writer never produces a damaged image.
        StrictRead(image);
    });

    private static void StrictRead(byte[] input)
    {
        try
        {
            Images.ReadAllRecordsAsync(new MemoryStream(input)).GetAwaiter().GetResult();
        }
        catch (ImageFormatException)
        {
        }
    }

    private static string? Guard(string target, Action run)
    {
        Task task = Task.Run(run);
        try
        {
            if (!task.Wait(PerInput))
            {
                return $"{target}: no result within {PerInput.TotalSeconds} s (a hang)";
            }

            return null;
        }
        catch (AggregateException e)
        {
            Exception inner = e.InnerException!;
            return $"{target}: {inner.GetType().Name}: {inner.Message}\n{inner.StackTrace}";
        }
    }

    /// <summary>A JSON document mutated at the text level: digits, keys, brackets, huge numbers.</summary>
    public static byte[] MutateJson(byte[] json, Random random)
    {
        string text = Encoding.UTF8.GetString(json);
        string[] inserts = ["-", ".5", "e99", "18446744073709551616", "\"", "{", "}", "[", "]", ",", ":", "null", "\"x\": 1,", "999999999999999999999999", "\\u0000"];
        var builder = new StringBuilder(text);
        for (int k = random.Next(1, 4); k > 0 && builder.Length > 0; k--)
        {
            int at = random.Next(builder.Length);
            switch (random.Next(3))
            {
                case 0:
                    builder.Insert(at, inserts[random.Next(inserts.Length)]);
                    break;
                case 1:
                    builder.Remove(at, Math.Min(builder.Length - at, random.Next(1, 6)));
                    break;
                default:
                    builder[at] = (char)random.Next(32, 127);
                    break;
            }
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }
}
