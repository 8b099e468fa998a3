using System.Buffers.Binary;
using CriuImage.Format;
using CriuImage.Tests.Support;

namespace CriuImage.Tests;

/// <summary>
/// FORMAT.md section 11 names the byte each error is reported at; the strict reader follows it, and so does
/// the independent python reader, written from the spec alone, on thousands of damaged images.
/// </summary>
public class ErrorLocationTests : TempFolder
{
    private const string Bo = "99 00 01 CD2000 C0 00 04 00 C0 02";
    private const string Vm1 = "95 01 CD1000 CD1001 00 06";
    private const string Vm2 = "95 01 CD1002 CD1003 00 06";

    [Theory]
    [InlineData("", 0, "empty")]
    [InlineData("23 20 52 45 41", 0, "not a criu-image file")] // "# REA": 5 bytes of text
    [InlineData("89 41 47", 3, "inside its 32-byte preamble")] // the magic, cut
    [InlineData("89 41 47 43 0D 0A 1A 0A 02 00 00 00", 8, "major version 2")] // 12 bytes, major 2
    [InlineData("89 41 47 43 0D 0A 1A 0A 01 00 01 00", 12, "inside its 32-byte preamble")]
    public async Task ShortFiles_AreJudgedByTheMagicFirst_ThenTheVersion(string hex, long at, string message)
    {
        byte[] file = Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
        ImageFormatException e = await Assert.ThrowsAsync<ImageFormatException>(() => Images.ReadAllRecordsAsync(new MemoryStream(file)));
        Assert.Equal(at, e.ByteOffset);
        Assert.Contains(message, e.Detail, StringComparison.Ordinal);
    }

    public static TheoryData<string, int, string> FrameHeaderFields => new()
    {
        { "flags", 5, "flags" },
        { "link", 6, "link" },
        { "sequence", 8, "sequence" },
        { "length", 12, "exceeds the limit" },
        { "count", 16, "records in" },
    };

    [Theory]
    [MemberData(nameof(FrameHeaderFields))]
    public async Task FrameHeaderFieldErrors_AreAtTheirField(string field, int at, string message)
    {
        RawImage raw = new RawImage().Header();
        byte[] image = raw.Records(3, Bo + Vm1 + Vm2).Trailer(1, 2).ToArray();
        int frame = FramingTests.Frames(image)[1].Offset;
        Span<byte> header = image.AsSpan(frame, FrameHeader.Size);
        switch (field)
        {
            case "flags": header[5] = 1; break;
            case "link": header[6] ^= 1; break;
            case "sequence": header[8] = 9; break;
            case "length": BinaryPrimitives.WriteUInt32LittleEndian(header[12..], FormatLimits.MaxFramePayload + 1u); break;
            case "count": BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 1000); break;
        }

        FrameIdentityTests.Reseal(image, RawImage.DefaultImageId, relink: false);
        if (field == "sequence")
        {
            header[8] = 9;
            BinaryPrimitives.WriteUInt32LittleEndian(header[24..], ~Crc32C.Append(FrameChain.ForImageId(RawImage.DefaultImageId).HeaderSeed, header[..24]));
        }

        ImageFormatException e = await Assert.ThrowsAsync<ImageFormatException>(() => Images.ReadAllRecordsAsync(new MemoryStream(image)));
        Assert.Equal(frame + at, e.ByteOffset);
        Assert.Contains(message, e.Detail, StringComparison.Ordinal);

        // verify's scanner locates it at the same field (FORMAT.md section 11), though it reads on.
        Verification.FileReport report = Verification.ImageVerifier.Verify(image, "x.img");
        Assert.Equal(frame + at, report.Diagnostics.First(d => d.Severity == Severity.Error).ByteOffset);
    }

    [Fact]
    public void APreambleWithABadCrcAndUnknownIncompatBits_IsTheCrcAtByte0()
    {
        byte[] image = new RawImage().Header().Records(1, Bo).Trailer(1, 0).ToArray();
        image[12] |= 0x80; // an unknown incompat bit, and the CRC no longer matches
        Verification.FileReport report = Verification.ImageVerifier.Verify(image, "x.img");
        Diagnostic d = Assert.Single(report.Diagnostics);
        Assert.Equal(("CRI005", 0L), (d.Descriptor.Id, d.ByteOffset!.Value));
        Assert.Equal(0L, Assert.Throws<ImageFormatException>(() => Preamble.Read(image)).ByteOffset);
    }

    [Theory]
    [InlineData(1, "frame_count")]
    [InlineData(2, "bo_count")]
    [InlineData(3, "mapping_count")]
    public async Task TrailerDisagreements_AreAtTheDisagreeingValue(int index, string field)
    {
        RawImage raw = new RawImage().Header().Records(3, Bo + Vm1 + Vm2);
        byte[] image = (index switch
        {
            1 => raw.Trailer(1, 2, frames: 7),
            2 => raw.Trailer(5, 2),
            _ => raw.Trailer(1, 9),
        }).ToArray();
        int payload = FramingTests.Frames(image)[^1].Offset + FrameHeader.Size;
        ImageFormatException e = await Assert.ThrowsAsync<ImageFormatException>(() => Images.ReadAllRecordsAsync(new MemoryStream(image)));
        Assert.Equal(payload + index, e.ByteOffset); // fixarray, then one byte per small count
        Assert.Contains(field, e.Detail, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> SkippedValues => new()
    {
        { "A2 7A 7A DA 0100" + string.Concat(Enumerable.Repeat("61", 256)), "" }, // a 256-byte str: the limit
        { "A2 7A 7A DA 0101" + string.Concat(Enumerable.Repeat("61", 257)), "longer than the limit of 256" },
        { "A2 7A 7A A2 C3 28", "not valid UTF-8" },
        { "A2 7A 7A 92 01 FF", "negative integer" },
        { "A2 7A 7A CB 3FF0000000000000", "float" },
        { "A2 7A 7A D4 01 01", "ext" },
        { "A2 7A 7A 91 91 91 91 91 91 90", "" }, // arrays down to depth 8
        { "A2 7A 7A 91 91 91 91 91 91 91 90", "deeper than the limit of 8" },
        { "A2 7A 7A DE 0041" + string.Concat(Enumerable.Repeat("00 00", 65)), "more than the limit of 64" },
    };

    [Theory]
    [MemberData(nameof(SkippedValues))]
    public async Task SkippedHeaderValues_ObeyTheSubsetAndLimits(string entry, string message)
    {
        byte[] valid = RawImage.HeaderMap("criu-v8");
        byte[] map = [0x85, .. valid[1..], .. Convert.FromHexString(entry.Replace(" ", "", StringComparison.Ordinal))];
        byte[] image = new RawImage(new Preamble(1, 2, 0x1, 0, 0)).Frame(FrameKind.Header, 1, map).Trailer(0, 0).ToArray();
        if (message.Length == 0)
        {
            Assert.Equal(0UL, await Images.ReadAllRecordsAsync(new MemoryStream(image)));
            return;
        }

        ImageFormatException e = await Assert.ThrowsAsync<ImageFormatException>(() => Images.ReadAllRecordsAsync(new MemoryStream(image)));
        Assert.Contains(message, e.Detail, StringComparison.Ordinal);
        Assert.InRange(e.ByteOffset, Preamble.Size + FrameHeader.Size + valid.Length + 3, image.Length);
    }

    [Theory]
    [InlineData((byte)'x', true)]
    [InlineData((byte)'{', false)] // bit 0x20 set, but not a letter
    [InlineData((byte)'~', false)]
    [InlineData(0xE1, false)]
    public async Task OnlyLowerCaseLetters_AreAncillary(byte kind, bool skipped)
    {
        byte[] image = new RawImage().Header().Frame((FrameKind)kind, 0, [1, 2, 3]).Records(3, Bo + Vm1 + Vm2).Trailer(1, 2).ToArray();
        if (skipped)
        {
            Assert.Equal(3UL, await Images.ReadAllRecordsAsync(new MemoryStream(image)));
            return;
        }

        ImageFormatException e = await Assert.ThrowsAsync<ImageFormatException>(() => Images.ReadAllRecordsAsync(new MemoryStream(image)));
        Assert.Equal(FramingTests.Frames(image)[1].Offset + 4, e.ByteOffset);
    }

    [Fact]
    public async Task IndependentPythonReader_ReportsEveryErrorAtTheSameByte_OnThousandsOfDamagedImages()
    {
        List<byte[]> bases = [.. RepoPaths.FixtureNames.Select(Images.Fixture), .. RepoPaths.FixtureNames.Select(n => Images.Fixture("v1.0/" + n))];
        bases.Add(new RawImage().Header().Records(2, Bo + Vm1).Records(1, Vm2).Frame((FrameKind)'x', 0, [7, 7]).Trailer(1, 2).ToArray());
        bases.Add(new RawImage(Preamble.Version1_0).Header().Records(1, Bo).Records(2, Vm1 + Vm2).Trailer(1, 2).ToArray());
        bases.Add(new RawImage().Header().Records(3, "9A 00 01 CD2000 C0 00 04 00 C0 02 CF00007F0000000000" + Vm1 + Vm2).Trailer(1, 2).ToArray());
        bases.Add(new RawImage(new Preamble(1, 3, 0x1, 0, 0)).Frame(FrameKind.Header, 1, [0x85, .. RawImage.HeaderMap("linux-6.18")[1..], 0xA1, 0x71, 0x92, 0xC3, 0xC4, 0x01, 0x00]).Trailer(0, 0).ToArray());
        var random = new Random(1311);
        var files = new List<(string Path, byte[] Image)>();
        for (int i = 0; i < 3000; i++)
        {
            byte[] image = Damage(bases[random.Next(bases.Count)], random);
            string path = Path.Combine(Folder, $"{i}.img");
            File.WriteAllBytes(path, image);
            files.Add((path, image));
        }

        string[] python = PythonRunner.Run("read_image.py", ["--offsets", .. files.Select(f => f.Path)]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(files.Count, python.Length);
        int errors = 0;
        for (int i = 0; i < files.Count; i++)
        {
            string ours;
            try
            {
                await Images.ReadAllRecordsAsync(new MemoryStream(files[i].Image));
                ours = "ok";
            }
            catch (ImageFormatException e)
            {
                ours = e.ByteOffset.ToString(System.Globalization.CultureInfo.InvariantCulture);
                errors++;
            }

            Assert.True(ours == python[i], $"damaged image {i} ({Convert.ToHexString(files[i].Image)}): we report {ours}, python {python[i]}");
        }

        Assert.InRange(errors, 2000, files.Count); // most damage is an error, and some is not
    }

    /// <summary>One of several kinds of damage, some resealed so they reach the checks behind the CRCs.</summary>
    private static byte[] Damage(byte[] image, Random random)
    {
        byte[] copy = (byte[])image.Clone();
        List<(FrameKind Kind, int Offset, int Length, uint Records)> frames = FramingTests.Frames(copy);
        bool v11 = new Preamble(1, 0, BinaryPrimitives.ReadUInt32LittleEndian(copy.AsSpan(12)), 0, 0).HasImageId;
        switch (random.Next(8))
        {
            case 0:
                return copy[..random.Next(copy.Length)];
            case 1:
                for (int n = random.Next(1, 4); n > 0; n--)
                {
                    copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                }

                return copy;
            case 2:
                return [.. copy, .. Enumerable.Repeat((byte)random.Next(256), random.Next(1, 4))];
            case 3 or 4 or 5:
                {
                    // Payload bytes changed, then every CRC, link and sequence made right again.
                    (_, int offset, int length, _) = frames[random.Next(frames.Count)];
                    if (length > 0)
                    {
                        int at = offset + FrameHeader.Size + random.Next(length);
                        copy[at] = random.Next(3) switch { 0 => (byte)random.Next(256), 1 => (byte)(copy[at] ^ (1 << random.Next(8))), _ => (byte)(copy[at] + 1) };
                    }

                    return Reseal(copy, v11, payloads: true);
                }

            case 6:
                {
                    // A frame header field changed, the header CRC made right again.
                    (_, int offset, _, _) = frames[random.Next(frames.Count)];
                    int field = random.Next(4, 24);
                    copy[offset + field] = random.Next(2) == 0 ? (byte)random.Next(256) : (byte)(copy[offset + field] ^ (1 << random.Next(8)));
                    return Reseal(copy, v11, payloads: false, sequences: false, links: false);
                }

            default:
                {
                    // Frames dropped, repeated or swapped, resealed with or without their links.
                    int a = random.Next(frames.Count), b = random.Next(frames.Count);
                    byte[][] parts = [.. frames.Select((f, i) => copy[f.Offset..(f.Offset + FrameHeader.Size + f.Length)])];
                    List<byte[]> order = [.. parts];
                    switch (random.Next(3))
                    {
                        case 0: order.RemoveAt(a); break;
                        case 1: order.Insert(a, parts[b]); break;
                        default: (order[a], order[b]) = (order[b], order[a]); break;
                    }

                    byte[] moved = [.. copy[..Preamble.Size], .. order.SelectMany(p => p)];
                    return Reseal(moved, v11, payloads: false, links: random.Next(2) == 0);
                }
        }
    }

    /// <summary>Recomputes what the damage broke, as far as the frames' declared lengths can be followed.</summary>
    private static byte[] Reseal(byte[] image, bool v11, bool payloads, bool sequences = true, bool links = true)
    {
        FrameChain chain = v11 ? FrameChain.ForImageId(RawImage.DefaultImageId) : FrameChain.Version1_0(image.AsSpan(0, Preamble.Size));
        UInt128? id = null;
        uint sequence = 0;
        for (int offset = Preamble.Size; offset + FrameHeader.Size <= image.Length;)
        {
            Span<byte> header = image.AsSpan(offset, FrameHeader.Size);
            int length = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(header[12..]), (uint)(image.Length - offset - FrameHeader.Size));
            bool first = offset == Preamble.Size;
            if (payloads)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(header[20..], Crc32C.Compute(image.AsSpan(offset + FrameHeader.Size, length)));
            }

            if (sequences)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(header[8..], sequence);
            }

            if (links)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(header[6..], first ? (ushort)0 : chain.NextLink);
            }

            if (first && v11)
            {
                id = ImageIdOf(image.AsSpan(offset + FrameHeader.Size, length)) ?? RawImage.DefaultImageId;
                chain = FrameChain.ForImageId(id.Value);
            }

            BinaryPrimitives.WriteUInt32LittleEndian(header[24..], ~Crc32C.Append(first ? ~0u : chain.HeaderSeed, header[..24]));
            if (header[4] != (byte)FrameKind.Trailer)
            {
                chain.Add(header);
            }

            sequence++;
            offset += FrameHeader.Size + length;
        }

        return image;
    }

    /// <summary>The 16 bytes after the header map's <c>image_id</c> key, if the damage left them there.</summary>
    private static UInt128? ImageIdOf(ReadOnlySpan<byte> payload)
    {
        int at = payload.IndexOf((ReadOnlySpan<byte>)[0xA8, .. "image_id"u8, 0xC4, 0x10]);
        return at >= 0 && at + 11 + 16 <= payload.Length ? BinaryPrimitives.ReadUInt128BigEndian(payload[(at + 11)..]) : null;
    }
}
