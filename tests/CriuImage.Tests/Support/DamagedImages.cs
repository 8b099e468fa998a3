using CriuImage.Format;

namespace CriuImage.Tests.Support;

/// <summary>
/// The fixtures of the file-integrity codes (CRI001-CRI015): each made from a clean image by one documented
/// kind of damage, deterministically, so its verify output can be pinned in tests/golden.
/// </summary>
internal static class DamagedImages
{
    // A criu-v8 BO record owing one mapping, and a VM record (see ReaderErrorTests).
    private const string Bo = "99 00 01 CD2000 C0 00 04 00 C0 01";
    private const string Vm = "95 01 CD1000 CD1001 00 06";

    // A second BO (handle 2) with its mapping on other pages, so that damage is all a fixture reports.
    private const string SecondBo = "99 00 02 CD2000 C0 00 04 00 C0 01" + "95 01 CD1002 CD1003 00 06";

    public static IReadOnlyDictionary<string, Func<byte[]>> All { get; } = new Dictionary<string, Func<byte[]>>
    {
        ["CRI001-not-an-image"] = () => "# a README, not an image\n"u8.ToArray(),
        ["CRI002-unsupported-version"] = () => Patch(Images.Fixture("criu-v8"), 8, 2),
        ["CRI003-incompatible-features"] = () => new RawImage(new Preamble(1, 1, 0x5, 0, 0)).Header().Records(2, Bo + Vm).Trailer(1, 1).ToArray(),
        ["CRI004-unknown-ro-compat-features"] = () => new RawImage(new Preamble(1, 1, 0x1, 0x8, 0)).Header().Records(2, Bo + Vm).Trailer(1, 1).ToArray(),
        ["CRI005-preamble-checksum"] = () => Patch(Images.Fixture("criu-v8"), 24, 0x01),
        ["CRI006-frame-header-damaged"] = () => Patch(TwoFrames(), FirstRecordFrame(TwoFrames()) + 13, 0x7F),
        ["CRI007-payload-checksum"] = () => Patch(Images.Fixture("criu-2025-06"), FirstRecordFrame(Images.Fixture("criu-2025-06")) + FrameHeader.Size + 3, 0x55),
        ["CRI008-frame-sequence"] = () => new RawImage().Header().Records(2, Bo + Vm).Frame(FrameKind.Records, 2, Hex(SecondBo), sequence: 5).Trailer(2, 2).ToArray(),
        ["CRI009-unknown-frame-kind"] = () => new RawImage().Header().Frame((FrameKind)'Q', 0, [1, 2, 3]).Records(2, Bo + Vm).Trailer(1, 1).ToArray(),
        ["CRI010-header-unreadable"] = () => new RawImage().Frame(FrameKind.Header, 1, [0x81, 0xA3, (byte)'a', (byte)'b', (byte)'i', 0xA3, (byte)'x', (byte)'y', (byte)'z']).Trailer(0, 0).ToArray(),
        ["CRI011-malformed-record"] = () => new RawImage().Header().Records(3, Bo + Vm + "93 00 01 02").Records(2, SecondBo).Trailer(2, 2).ToArray(),
        ["CRI012-record-sequence"] = () => new RawImage().Header().Records(3, Vm + Bo + Vm).Trailer(1, 2).ToArray(),
        ["CRI013-truncated"] = () => Images.Fixture("criu-2025-06")[..327],
        ["CRI014-trailer-mismatch"] = () => new RawImage().Header().Records(2, Bo + Vm).Trailer(bos: 7, mappings: 1).ToArray(),
        ["CRI015-trailing-bytes"] = () => [.. Images.Fixture("criu-v8"), 0x0A],
        ["CRI016-weak-digest"] = () => Images.Fixture("v1.0/criu-v8"),
    };

    /// <summary>An image with two record frames, so damage to the first leaves the second to analyze.</summary>
    private static byte[] TwoFrames() =>
        new RawImage().Header().Records(2, Bo + Vm).Records(2, SecondBo).Trailer(2, 2).ToArray();

    private static int FirstRecordFrame(byte[] image)
    {
        int offset = Preamble.Size;
        offset += FrameHeader.Size + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(offset + 12));
        return offset;
    }

    private static byte[] Patch(byte[] image, int at, byte xor)
    {
        image[at] ^= xor;
        return image;
    }

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
}
