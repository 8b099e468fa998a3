using CriuImage.Capture;

namespace CriuImage.Tests.Capture;

/// <summary>The count protocol on its own: the answers a kernel gives, scripted, and what capture asks next.</summary>
public sealed unsafe class CountProtocolTests
{
    [Fact]
    public void GrowsToTheAnsweredCount_WithRoomToSpare_ThenTakesTheEntries()
    {
        var asked = new List<uint>();
        uint[] buffer = new uint[4];
        int errno = CountProtocol.Run("LIST", (uint capacity, void* array, out uint count) =>
        {
            asked.Add(capacity);
            count = 10;
            if (capacity >= 10)
            {
                new Span<uint>(array, 10).Fill(7);
            }

            return 0;
        }, ref buffer, 1000, "limit", out int entries);

        Assert.Equal((0, 10), (errno, entries));
        Assert.Equal([4u, 10 + (10 / 8) + 4], asked);
        Assert.All(buffer.AsSpan(0, 10).ToArray(), v => Assert.Equal(7u, v));
    }

    [Fact]
    public void StopsWithOneLine_WhenTheCountKeepsOutgrowingTheArray()
    {
        uint[] buffer = new uint[1];
        var e = Assert.Throws<CaptureException>(() => CountProtocol.Run("LIST", (uint capacity, void* array, out uint count) =>
        {
            count = (capacity * 2) + 10;
            return 0;
        }, ref buffer, uint.MaxValue, "limit", out _));
        Assert.StartsWith($"LIST: the count never settled: {CountProtocol.MaxGrowths} calls in a row", e.Message, StringComparison.Ordinal);
        Assert.Equal(11, e.Errno);
    }

    [Fact]
    public void AsksAgainOnEintrAndEagain_ABoundedNumberOfTimes()
    {
        int calls = 0;
        uint[] buffer = new uint[1];
        var e = Assert.Throws<CaptureException>(() => CountProtocol.Run("LIST", (uint capacity, void* array, out uint count) =>
        {
            calls++;
            count = 0;
            return calls % 2 == 0 ? 4 : 11;
        }, ref buffer, 10, "limit", out _));
        Assert.Equal(CountProtocol.MaxInterrupted + 1, calls);
        Assert.Contains("200 times in a row", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NeverAsksPastTheCap_NorAllocatesForIt()
    {
        uint[] buffer = new uint[2];
        var e = Assert.Throws<CaptureException>(() => CountProtocol.Run("MAP", (uint capacity, void* array, out uint count) =>
        {
            Assert.True(capacity <= 100);
            count = 101;
            return 0;
        }, ref buffer, 100, "the cap", out _));
        Assert.Equal("MAP: the kernel counts 101 entries, more than one call may ask for (100; the cap)", e.Message);
        Assert.Equal(2, buffer.Length);
    }

    [Fact]
    public void GivesBackTheErrno_OfAnyOtherFailure()
    {
        uint[] buffer = new uint[2];
        int errno = CountProtocol.Run("MAP", (uint capacity, void* array, out uint count) =>
        {
            count = 0;
            return 14;
        }, ref buffer, 100, "limit", out int entries);
        Assert.Equal((14, 0), (errno, entries));
    }
}
