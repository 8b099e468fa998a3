using System.Text;
using CriuImage.Reporting;
using Xunit;

namespace CriuImage.Tests;

/// <summary>The byte writer of plan's long reports writes what the string formatting it replaced wrote.</summary>
public sealed class Utf8LineWriterTests
{
    [Fact]
    public void Numbers_are_formatted_as_interpolation_formats_them()
    {
        ulong[] values = [0, 1, 9, 10, 0xff, 0x1000, uint.MaxValue, ulong.MaxValue];
        foreach (ulong value in values)
        {
            Assert.Equal(FormattableString.Invariant($"{value} 0x{value:x} 0x{value:x8}\n"), Written(w => w.Decimal(value).Ascii(" 0x"u8).Hex(value).Ascii(" 0x"u8).Hex8(value).EndLine()));
        }

        Assert.Equal("-22 -9223372036854775808\n", Written(w => w.Decimal(-22).Ascii(" "u8).Decimal(long.MinValue).EndLine()));
    }

    [Fact]
    public void Text_from_the_inputs_is_escaped_and_encoded_as_utf8()
    {
        string name = "d\u00e9j\u00e0/\u65e5\u672c\u8a9e\x1b[31m\r\t\n\u202e.img";
        Assert.Equal(Printable.Escape(name) + "\n", Written(w => w.Text(name).EndLine()));
    }

    [Fact]
    public void A_line_is_escaped_whole_and_ended_so_a_name_holding_a_line_break_forges_no_line()
    {
        Assert.Equal("a\\e\\nb\n", Written(w => w.Line("a\x1b\nb")));
    }

    [Fact]
    public void Lines_longer_than_a_block_and_many_blocks_arrive_whole_and_in_order()
    {
        string line = new('x', 200_000);
        var expected = new StringBuilder();
        for (int i = 0; i < 2_000; i++)
        {
            expected.Append(FormattableString.Invariant($"line {i} \u00e9\n"));
            if (i == 1_000)
            {
                expected.Append(line).Append('\n');
            }
        }

        string written = Written(w =>
        {
            for (int i = 0; i < 2_000; i++)
            {
                w.Ascii("line "u8).Decimal(i).Ascii(" "u8).Text("\u00e9").EndLine();
                if (i == 1_000)
                {
                    w.Text(line).EndLine();
                }
            }
        });
        Assert.Equal(expected.ToString(), written);
    }

    /// <summary>What <paramref name="write"/> writes, through a stream and through a text writer: the two must agree.</summary>
    private static string Written(Action<Utf8LineWriter> write)
    {
        using var bytes = new MemoryStream();
        using (var lines = new Utf8LineWriter(bytes))
        {
            write(lines);
        }

        using var text = new StringWriter();
        using (var lines = new Utf8LineWriter(text))
        {
            write(lines);
            lines.Flush();
        }

        string decoded = Encoding.UTF8.GetString(bytes.ToArray());
        Assert.Equal(decoded, text.ToString());
        return decoded;
    }
}
