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

        // A render node is told by its structure even with fields protobuf-c refuses (its damage is then said as by name).
        return Quietly(() => CriuFileReader.Lax.ReadRenderNode(content)) is { Revisions: CriuRevisions.CriuDev or CriuRevisions.D5377d5d2 }
            ? CriuFileKind.RenderNode
            : null;
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
