using System.Buffers.Binary;
using CriuImage.Criu;
using CriuImage.Kernel;
using CriuImage.Restore;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// The event checks of CRIU_OP RESTORE (KfdEventTable, kfd_events.c at 6.12.118) on the criu-dev fixture's three signal
/// events (ids 1, 2, 3, the first naming the 32 KiB GTT event page) changed one field at a time: each change is refused
/// at the check, with the errno, the kernel gives.
/// </summary>
public sealed class KfdEventTableTests
{
    private const int EventSize = 64;

    private static CriuKfd Fixture() =>
        CriuFileReader.Lax.ReadKfd(File.ReadAllBytes(CriuFixtures.Path_("criu-dev/amdgpu-kfd-5.img"))).Message;

    /// <summary>The criu-dev fixture with the u32 at <paramref name="field"/> of event <paramref name="evt"/> (of 3, last in the data) set.</summary>
    private static CriuKfd WithEventField(int evt, int field, uint value)
    {
        CriuKfd kfd = Fixture();
        byte[] priv = kfd.PrivData.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(priv.AsSpan(priv.Length - ((3 - evt) * EventSize) + field), value);
        return kfd with { PrivData = priv };
    }

    private static (string?, int?) Refusal(CriuKfd kfd) =>
        KfdPrivateData.Walk(kfd, KernelProfile.Linux6_18) is { } r ? (r.Check, r.Errno) : (null, null);

    [Fact]
    public void TheFixture_IsTaken() => Assert.Equal((null, null), Refusal(Fixture()));

    [Theory]
    [InlineData(1, 16, 0u, "event-id-taken", 28)]    // id 0: kfd_event_init_process's own
    [InlineData(2, 16, 1u, "event-id-taken", 28)]    // the first event's id again
    [InlineData(1, 16, 4096u, "event-id-limit", 22)] // KFD_SIGNAL_EVENT_LIMIT
    [InlineData(1, 16, 4095u, null, null)]           // the last slot
    [InlineData(2, 24, 8u, null, null)]              // a memory event of a free id
    public void AnEventId_IsCheckedAsTheKernelAllocatesIt(int evt, int field, uint value, string? check, int? errno) =>
        Assert.Equal((check, errno), Refusal(WithEventField(evt, field, value)));

    [Fact]
    public void AMemoryEvent_OfATakenId_IsRefused()
    {
        CriuKfd kfd = WithEventField(2, 24, 8);
        byte[] priv = kfd.PrivData.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(priv.AsSpan(priv.Length - EventSize + 16), 2);
        Assert.Equal(("event-id-taken", (int?)28), Refusal(kfd with { PrivData = priv }));
    }

    [Theory]
    [InlineData(4096ul, 2u, "event-page-size")]
    [InlineData(32768ul - 4096, 2u, "event-page-size")]
    [InlineData(32768ul, 4u, "event-page-userptr")]
    [InlineData(65536ul, 2u, null)]
    public void TheEventPage_IsAFullPageThatIsNotUserptr(ulong size, uint flags, string? check)
    {
        CriuKfd kfd = Fixture();
        int page = kfd.BoEntries.ToList().FindIndex(b => (b.AllocFlags & KfdBoEntry.FlagGtt) != 0);
        var bos = kfd.BoEntries.ToList();
        bos[page] = bos[page] with { Size = size, AllocFlags = flags };
        Assert.Equal(check, Refusal(kfd with { BoEntries = bos }).Item1);
    }

    [Theory]
    [InlineData(255, null)]
    [InlineData(256, "event-count")]
    public void WithoutAnEventPage_256SlotsHoldId0And255SignalEvents(int events, string? check)
    {
        // The events replaced by `events` signal events of ids 1.., none naming a page: the kernel's own page, 256 slots mapped.
        CriuKfd kfd = Fixture();
        byte[] head = kfd.PrivData[..^(3 * EventSize)].ToArray();
        byte[] priv = new byte[head.Length + (events * EventSize)];
        head.CopyTo(priv, 0);
        for (int i = 0; i < events; i++)
        {
            Span<byte> e = priv.AsSpan(head.Length + (i * EventSize), EventSize);
            BinaryPrimitives.WriteUInt32LittleEndian(e, 1);
            BinaryPrimitives.WriteUInt32LittleEndian(e[16..], (uint)i + 1);
        }

        Assert.Equal(check, Refusal(kfd with { PrivData = priv, NumOfObjects = (uint)events }).Item1);
    }

    [Fact]
    public void TheLimit_ComesFromTheKernelFacts() => Assert.Equal(4096u, RestoreFacts.KfdSignalEventLimit);
}
