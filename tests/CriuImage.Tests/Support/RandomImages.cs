using CriuImage.Abi;

namespace CriuImage.Tests.Support;

/// <summary>
/// A seeded generator of image contents for property tests: random BO and VM sets of every revision, with
/// the values that break naive code (0, 1, powers of two and their neighbours, 2^32-1, 2^64-1) drawn often.
/// </summary>
internal sealed class RandomImages(int seed)
{
    private static readonly ulong[] Edges =
    [
        0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff, 0x100000000, ulong.MaxValue - 1, ulong.MaxValue,
    ];

    private readonly Random _random = new(seed);

    public AbiRevision NextAbi() => (AbiRevision)_random.Next(3);

    public ImageHeader NextHeader(AbiRevision abi) => new(abi, _random.Next(2) == 0 ? MappingFlagsKind.Uapi : MappingFlagsKind.Pte)
    {
        GpuPageSize = 4096u << _random.Next(4),
        Device = _random.Next(2) == 0 ? null : new DeviceInfo
        {
            RenderMinor = Maybe(() => (uint)Value(uint.MaxValue)),
            PciVendorId = Maybe(() => (ushort)Value(ushort.MaxValue)),
            PciDeviceId = Maybe(() => (ushort)Value(ushort.MaxValue)),
            GcIpVersion = Maybe(() => new IpVersion((byte)_random.Next(256), (byte)_random.Next(256), (byte)_random.Next(256))),
            VaBits = Maybe(() => (byte)_random.Next(32, 65)),
        },
        Capture = _random.Next(2) == 0 ? null : new CaptureInfo
        {
            TimeNs = Maybe(() => Value(ulong.MaxValue)),
            Pid = Maybe(() => (uint)Value(uint.MaxValue)),
            Tool = _random.Next(2) == 0 ? null : new string('t', _random.Next(0, 80)) + "é",
        },
        ImageId = new UInt128((ulong)_random.NextInt64(), (ulong)_random.NextInt64()),
    };

    /// <summary>BOs with their mappings; <paramref name="maxMappings"/> bounds each BO's list.</summary>
    public List<BoEntry> NextBos(AbiRevision abi, int maxBos, int maxMappings)
    {
        int count = _random.Next(maxBos + 1);
        var bos = new List<BoEntry>(count);
        for (int i = 0; i < count; i++)
        {
            var mappings = new VmRecord[_random.Next(maxMappings + 1)];
            for (int m = 0; m < mappings.Length; m++)
            {
                mappings[m] = new VmRecord(Value(ulong.MaxValue), Value(ulong.MaxValue), Value(ulong.MaxValue), Value(ulong.MaxValue));
            }

            var bo = new BoRecord(
                (uint)Value(uint.MaxValue),
                Value(ulong.MaxValue),
                abi == AbiRevision.Criu2025_06 || _random.Next(2) == 0 ? Value(ulong.MaxValue) : null,
                Value(ulong.MaxValue),
                Value(abi == AbiRevision.Linux6_18 ? ulong.MaxValue : uint.MaxValue),
                (uint)Value(uint.MaxValue),
                abi == AbiRevision.Linux6_18 ? Value(ulong.MaxValue) : null,
                (uint)mappings.Length);
            bos.Add(new BoEntry(bo, mappings));
        }

        return bos;
    }

    public int Next(int max) => _random.Next(max);

    /// <summary>A value up to <paramref name="max"/>: an edge value a third of the time, else a random width.</summary>
    public ulong Value(ulong max)
    {
        ulong value = _random.Next(3) == 0
            ? Edges[_random.Next(Edges.Length)]
            : (ulong)_random.NextInt64() >> _random.Next(64);
        return value > max ? value & max : value;
    }

    private T? Maybe<T>(Func<T> make)
        where T : struct => _random.Next(2) == 0 ? null : make();
}
