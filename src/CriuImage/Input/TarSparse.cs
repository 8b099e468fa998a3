using System.Buffers.Text;
using System.Formats.Tar;
using System.Text;

namespace CriuImage.Input;

/// <summary>
/// Sparse files in tar archives (<c>tar -S</c>), as GNU tar writes them. PAX 1.0 (<c>--format=pax -S</c>)
/// is read: the entry stands under a placeholder name (<c>.../GNUSparseFile.PID/NAME</c>), the real name and
/// size are the PAX records <c>GNU.sparse.name</c> and <c>GNU.sparse.realsize</c>, and the data starts with
/// the sparse map (a count, then offset/size pairs, each a decimal line, padded to 512 bytes), followed by
/// the data regions one after another; the holes read as zeros. The GNU format's type 'S' entries, which
/// System.Formats.Tar refuses, can only be stepped over.
/// </summary>
internal static class TarSparse
{
    /// <summary>The tar block size.</summary>
    public const int Block = 512;

    private const int NameField = 100;
    private const int SizeOffset = 124;
    private const int SizeField = 12;
    private const int TypeOffset = 156;
    private const int IsExtendedOffset = 482;
    private const int ExtensionIsExtendedOffset = 504;

    /// <summary>What a PAX entry's <c>GNU.sparse.*</c> records make it.</summary>
    public enum PaxKind
    {
        /// <summary>Not sparse.</summary>
        None,

        /// <summary>Sparse format 1.0, which is read.</summary>
        Version1,

        /// <summary>Sparse format 0.0 or 0.1 (the map in PAX records), which is not.</summary>
        Older,
    }

    /// <summary>The sparse format of <paramref name="entry"/>.</summary>
    public static PaxKind KindOf(PaxTarEntry entry)
    {
        IReadOnlyDictionary<string, string> records = entry.ExtendedAttributes;
        if (records.TryGetValue("GNU.sparse.major", out string? major) && records.TryGetValue("GNU.sparse.minor", out string? minor))
        {
            return major == "1" && minor == "0" ? PaxKind.Version1 : PaxKind.Older;
        }

        return records.Keys.Any(k => k.StartsWith("GNU.sparse.", StringComparison.Ordinal)) ? PaxKind.Older : PaxKind.None;
    }

    /// <summary>The real name and size of a sparse 1.0 entry, or null when a record is missing or not a size.</summary>
    public static (string Name, long RealSize)? NameAndSize(PaxTarEntry entry)
    {
        IReadOnlyDictionary<string, string> records = entry.ExtendedAttributes;
        return records.TryGetValue("GNU.sparse.name", out string? name) && name.Length > 0
            && records.TryGetValue("GNU.sparse.realsize", out string? size) && long.TryParse(size, System.Globalization.NumberStyles.None, null, out long realSize)
            ? (name, realSize)
            : null;
    }

    /// <summary>
    /// Reads the sparse map at the start of <paramref name="data"/> (<paramref name="stored"/> bytes in the
    /// archive), then the first <paramref name="wanted"/> bytes of the real file (holes as zeros).
    /// </summary>
    /// <exception cref="InvalidDataException">The map is not a sparse 1.0 map of a file of <paramref name="realSize"/> bytes.</exception>
    public static byte[] ReadPrefix(Stream data, long stored, long realSize, int wanted)
    {
        var reader = new MapReader(data, stored);
        long count = reader.Number("the region count");
        var needed = new List<(long Offset, long Size)>();
        long end = 0;
        long dataBytes = 0;
        for (long i = 0; i < count; i++)
        {
            long offset = reader.Number($"the offset of region {i}");
            long size = reader.Number($"the size of region {i}");
            if (offset < end || size > realSize - offset)
            {
                throw new InvalidDataException($"region {i} ({offset}, {size} bytes) is out of order or past the real size {realSize}");
            }

            end = offset + size;
            dataBytes += size;
            if (offset < wanted)
            {
                needed.Add((offset, size));
            }
        }

        long mapBytes = (reader.Consumed + Block - 1) / Block * Block;
        if (dataBytes > stored - mapBytes)
        {
            throw new InvalidDataException($"the map gives {dataBytes} bytes of data, but the entry holds {Math.Max(0, stored - mapBytes)} after the map");
        }

        reader.SkipTo(mapBytes);
        byte[] prefix = new byte[Math.Min(wanted, realSize)];
        foreach ((long offset, long size) in needed)
        {
            int into = (int)offset;
            int keep = (int)Math.Min(size, prefix.Length - offset);
            // Regions are in order and never overlap (checked above), so each one's data follows the last's.
            data.ReadExactly(prefix.AsSpan(into, keep));
        }

        return prefix;
    }

    /// <summary>The name and stored data size of the GNU sparse (type 'S') header <paramref name="block"/>, or null when it is not one.</summary>
    public static (string Name, long Stored, bool Extended)? GnuHeader(ReadOnlySpan<byte> block)
    {
        if (block.Length < Block || block[TypeOffset] != (byte)'S' || ParseSize(block.Slice(SizeOffset, SizeField)) is not { } stored)
        {
            return null;
        }

        ReadOnlySpan<byte> name = block[..NameField];
        int nul = name.IndexOf((byte)0);
        return (Encoding.UTF8.GetString(nul >= 0 ? name[..nul] : name), stored, block[IsExtendedOffset] != 0);
    }

    /// <summary>
    /// When the header <paramref name="block"/> is a PAX extended header ('x', 'g') or a GNU long name ('L', 'K'):
    /// what it is and the bytes it announces (long.MaxValue past a base-256 field's range); else, or when its
    /// size field is not a number, null. Its checksum is not looked at, as System.Formats.Tar does not either.
    /// </summary>
    public static (string What, long Size)? MetadataHeader(ReadOnlySpan<byte> block)
    {
        if (block.Length < Block || block[TypeOffset] is not ((byte)'x' or (byte)'g' or (byte)'L' or (byte)'K'))
        {
            return null;
        }

        ReadOnlySpan<byte> field = block.Slice(SizeOffset, SizeField);
        long? size = ParseSize(field) ?? ((field[0] & 0x80) != 0 ? long.MaxValue : null);
        return size is { } bytes ? (block[TypeOffset] is (byte)'x' or (byte)'g' ? "PAX extended header" : "GNU long name", bytes) : null;
    }

    /// <summary>Reads past the extension blocks and data of the GNU sparse entry whose header was the last block read.</summary>
    public static void SkipGnuEntry(Stream archive, long stored, bool extended)
    {
        byte[] block = new byte[Block];
        while (extended)
        {
            archive.ReadExactly(block);
            extended = block[ExtensionIsExtendedOffset] != 0;
        }

        long skip = (stored + Block - 1) / Block * Block;
        if (archive.CanSeek)
        {
            archive.Seek(skip, SeekOrigin.Current);
            return;
        }

        while (skip > 0)
        {
            int n = archive.Read(block.AsSpan(0, (int)Math.Min(Block, skip)));
            if (n == 0)
            {
                throw new EndOfStreamException("the archive ends inside a GNU sparse entry");
            }

            skip -= n;
        }
    }

    /// <summary>A tar size field: octal digits, or base-256 when the high bit of the first byte is set.</summary>
    private static long? ParseSize(ReadOnlySpan<byte> field)
    {
        if ((field[0] & 0x80) != 0)
        {
            long value = field[0] & 0x7F;
            foreach (byte b in field[1..])
            {
                if (value > (long.MaxValue >> 8))
                {
                    return null;
                }

                value = (value << 8) | b;
            }

            return value;
        }

        // As System.Formats.Tar reads it (TarHelpers.ParseOctal): up to the first NUL, spaces trimmed; digits after
        // a NUL are not part of the number ("5305211756\00" is 725 MB to that reader: dump-tar, crash-e0994e3a5a09).
        int end = field.IndexOf((byte)0);
        long octal = 0;
        foreach (byte b in (end < 0 ? field : field[..end]).Trim((byte)' '))
        {
            if (b is < (byte)'0' or > (byte)'7')
            {
                return null;
            }

            octal = (octal * 8) + (b - '0');
        }

        return octal;
    }

    /// <summary>Reads the decimal lines of a sparse map a block at a time, never past the entry's stored bytes.</summary>
    private sealed class MapReader(Stream data, long stored)
    {
        private const int MaxDigits = 19;
        private readonly byte[] _block = new byte[Block];
        private int _filled;
        private int _at;

        public long Consumed { get; private set; }

        public long Number(string what)
        {
            Span<byte> digits = stackalloc byte[MaxDigits + 1];
            int n = 0;
            while (true)
            {
                if (_at == _filled)
                {
                    Refill(what);
                }

                byte b = _block[_at++];
                Consumed++;
                if (b == (byte)'\n')
                {
                    break;
                }

                if (b is < (byte)'0' or > (byte)'9' || n == MaxDigits)
                {
                    throw new InvalidDataException($"{what} in the sparse map is not a decimal number");
                }

                digits[n++] = b;
            }

            return n > 0 && Utf8Parser.TryParse(digits[..n], out long value, out int used) && used == n
                ? value
                : throw new InvalidDataException($"{what} in the sparse map is not a decimal number");
        }

        /// <summary>Moves to <paramref name="offset"/> bytes into the entry (the end of the map's last block).</summary>
        public void SkipTo(long offset)
        {
            long read = Consumed + (_filled - _at);
            if (read < offset)
            {
                data.ReadExactly(_block.AsSpan(0, (int)(offset - read)));
            }
        }

        private void Refill(string what)
        {
            long read = Consumed;
            int want = (int)Math.Min(Block, stored - read);
            if (want <= 0)
            {
                throw new InvalidDataException($"the entry ends inside the sparse map, at {what}");
            }

            data.ReadExactly(_block.AsSpan(0, want));
            _filled = want;
            _at = 0;
        }
    }
}
