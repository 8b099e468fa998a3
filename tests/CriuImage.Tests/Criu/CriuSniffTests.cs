using CriuImage.Criu;
using CriuImage.Format;
using CriuImage.Input;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// A CRIU file whose name says nothing (standard input) is told by its content and then read: both come from one
/// parse now (a render node of 10^6 BOs on standard input took 752 MiB, against 382 named), and the top-level
/// walk that skips reading a render node's entries as a KFD image's tells the same kinds as the whole reads did.
/// </summary>
public class CriuSniffTests
{
    public static TheoryData<string> MessageFiles =>
        [.. Directory.EnumerateFiles(CriuFixtures.Root, "*.img", SearchOption.AllDirectories).Where(CriuFixtures.IsMessageFile)
            .Select(p => Path.GetRelativePath(CriuFixtures.Root, p)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(MessageFiles))]
    public void Sniff_TellsWhatTheWholeReadsTell_OfEveryFixtureAndItsCuts(string relative)
    {
        byte[] file = File.ReadAllBytes(CriuFixtures.Path_(relative));
        var random = new Random(relative.Length);
        IEnumerable<byte[]> variants = [file, .. Enumerable.Range(0, 40).Select(_ => Mutated(file, random))];
        foreach (byte[] bytes in variants)
        {
            Assert.Equal(WholeReads(bytes), CriuDumpFile.Sniff(bytes));
        }
    }

    [Fact]
    public void ARenderNodeOnStandardInput_IsParsedOnce()
    {
        byte[] bytes = File.ReadAllBytes(CriuFixtures.Path_("criu-dev/amdgpu-renderD-7.img"));
        var input = new InputFile { Path = "-", Folder = "", Length = bytes.Length, Content = bytes, Head = bytes[..8] };
        Assert.Equal(CriuFileKind.RenderNode, CriuDumpFile.Sniff(bytes));
        Assert.True(CriuFileReader.KfdTopMisfits(WireWindow.Of(bytes)));
        CriuDumpFile first = CriuDumpFile.Read(input, new CriuFileName(CriuFileKind.RenderNode, -1));
        CriuDumpFile second = CriuDumpFile.Read(input, new CriuFileName(CriuFileKind.RenderNode, -1));
        Assert.NotNull(first.RenderNode);
        Assert.Same(first.RenderNode, second.RenderNode);
    }

    /// <summary>The kind as told before the top-level walk: a KFD image read whole, else a render node read whole.</summary>
    private static CriuFileKind? WholeReads(byte[] content)
    {
        if (Quietly(() => CriuFileReader.Lax.ReadKfd(content)) is { Revisions: not CriuRevisions.None, Problems.Count: 0 })
        {
            return CriuFileKind.KfdImage;
        }

        if (Quietly(() => CriuFileReader.Lax.ReadRenderNode(content)) is { Revisions: CriuRevisions.CriuDev or CriuRevisions.D5377d5d2, Problems.Count: 0 })
        {
            return CriuFileKind.RenderNode;
        }

        // A damaged file is told by the wire types of fields 4 and 5 where they are read; a render node is told by its
        // structure even with fields protobuf-c refuses (its damage is then said as by name).
        return ShapeOf(content) ?? (Quietly(() => CriuFileReader.Lax.ReadRenderNode(content)) is { Revisions: CriuRevisions.CriuDev or CriuRevisions.D5377d5d2 }
            ? CriuFileKind.RenderNode
            : null);
    }

    /// <summary>
    /// The kind the top-level fields, as far as they can be read, point to: field 4 a message and no field 5 one is a
    /// KFD image (device_entries), field 5 a message and field 4 not one a render node (bo_entries); fields in rising
    /// order, none past 10 (past 7 for a render node).
    /// </summary>
    private static CriuFileKind? ShapeOf(byte[] content)
    {
        if (content.Length < 8 || BitConverter.ToUInt64(content, 0) is var length && length is 0 or > int.MaxValue)
        {
            return null;
        }

        int end = 8 + (int)Math.Min(length, (ulong)(content.Length - 8));
        int at = 8;
        ulong last = 0;
        int field4 = -1;
        bool field5Message = false;
        while (at < end && Varint(content, ref at, end) is { } key)
        {
            (ulong number, int wire) = (key >> 3, (int)(key & 7));
            if (number is 0 or > 536_870_911)
            {
                break; // not a key: the walk ends at damage
            }

            if (number > 10 || number < last || (last == 0 && number != 1))
            {
                return null;
            }

            last = number;
            field4 = number == 4 && field4 < 0 ? wire : field4;
            field5Message |= number == 5 && wire == 2;
            bool skipped = wire switch
            {
                0 => Varint(content, ref at, end) is not null,
                2 => Varint(content, ref at, end) is { } n && n <= (ulong)(end - at) && (at += (int)n) <= end,
                1 => (at += 8) <= end,
                5 => (at += 4) <= end,
                _ => false,
            };
            if (!skipped)
            {
                break;
            }
        }

        return field4 == 2 && !field5Message ? CriuFileKind.KfdImage
            : field4 != 2 && field5Message && last <= 7 ? CriuFileKind.RenderNode
            : null;
    }

    private static ulong? Varint(byte[] bytes, ref int at, int end)
    {
        ulong value = 0;
        for (int shift = 0; shift < 70 && at < end; shift += 7)
        {
            byte b = bytes[at++];
            if (shift == 63 && b > 1)
            {
                return null; // past 64 bits
            }

            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        return null;
    }

    private static T? Quietly<T>(Func<T> read)
        where T : class
    {
        try
        {
            return read();
        }
        catch (ImageFormatException)
        {
            return null;
        }
    }

    /// <summary>A copy with a byte changed or the end cut off (a fresh array: the sniff keeps what it read per array).</summary>
    private static byte[] Mutated(byte[] file, Random random)
    {
        byte[] copy = [.. file];
        if (random.Next(4) == 0)
        {
            return copy[..random.Next(copy.Length)];
        }

        copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        return copy;
    }
}
