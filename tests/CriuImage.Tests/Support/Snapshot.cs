using System.Text;

namespace CriuImage.Tests.Support;

/// <summary>
/// Golden-file checks with Verify's conventions: <c>tests/golden/{name}.verified.{ext}</c> is committed;
/// on a mismatch the actual text goes to <c>{name}.received.{ext}</c> (git-ignored) and the test fails.
/// Accept a change by moving the received file over the verified one.
/// </summary>
internal static class Snapshot
{
    public static void Verify(string name, string actual, string extension = "txt")
    {
        string normalized = actual.Replace("\r\n", "\n", StringComparison.Ordinal);
        string verified = Path.Combine(RepoPaths.Golden, $"{name}.verified.{extension}");
        string received = Path.Combine(RepoPaths.Golden, $"{name}.received.{extension}");
        string? expected = File.Exists(verified) ? File.ReadAllText(verified, Encoding.UTF8).Replace("\r\n", "\n", StringComparison.Ordinal) : null;
        if (expected == normalized)
        {
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, normalized, new UTF8Encoding(false));
        Assert.Fail(expected is null
            ? $"No verified snapshot {verified}; the actual output is in {received}. Review it and rename it to accept."
            : $"Snapshot {verified} differs from the actual output, written to {received}. Diff them; rename to accept a deliberate change.");
    }

    /// <summary>An xxd-like dump: offset, 16 bytes in hex, printable ASCII.</summary>
    public static string HexDump(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder();
        for (int offset = 0; offset < bytes.Length; offset += 16)
        {
            ReadOnlySpan<byte> row = bytes.Slice(offset, Math.Min(16, bytes.Length - offset));
            text.Append(offset.ToString("x8")).Append(": ");
            for (int i = 0; i < 16; i++)
            {
                text.Append(i < row.Length ? row[i].ToString("x2") : "  ").Append(i % 2 == 1 ? " " : "");
            }

            text.Append(' ');
            foreach (byte b in row)
            {
                text.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
