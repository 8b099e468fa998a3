using System.Buffers;
using CriuImage.Abi;
using CriuImage.Format;
using CriuImage.MessagePack;

namespace CriuImage.Scanning;

/// <summary>
/// Reads an image the lenient way, for analysis: damage is reported to the handler with its offset and
/// frame, and the scan goes on with every frame that can still be read. A damaged payload is skipped
/// by its (CRC-checked) length; after a damaged frame header the scanner looks for the next frame whose
/// header CRC is valid. Memory is bounded by the largest frame.
/// </summary>
public sealed class ImageScanner
{
    private const int ResyncChunk = 64 * 1024;

    private readonly ByteSource _source;
    private readonly IImageScanHandler _handler;
    private byte[] _payload = [];
    private uint _digestState = ~0u;
    private int _damageCount;
    private AbiRevision _abi;
    private BoRecord _bo;
    private uint _owed;
    private bool _orphans;
    private ulong _orphanCount;
    private uint _orphanFrame;
    private long _orphanOffset;
    private ulong _boCount;
    private ulong _mappingCount;

    private ImageScanner(ByteSource source, IImageScanHandler handler)
    {
        _source = source;
        _handler = handler;
    }

    /// <summary>Scans the image at <paramref name="path"/>.</summary>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static void Scan(string path, IImageScanHandler handler)
    {
        using Microsoft.Win32.SafeHandles.SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        Scan(new ByteSource.File(file), handler);
    }

    /// <summary>Scans an image held in memory.</summary>
    public static void Scan(ReadOnlyMemory<byte> image, IImageScanHandler handler) => Scan(new ByteSource.Memory(image), handler);

    private static void Scan(ByteSource source, IImageScanHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var scanner = new ImageScanner(source, handler);
        try
        {
            scanner.Run();
        }
        finally
        {
            if (scanner._payload.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(scanner._payload);
            }
        }
    }

    private void Run()
    {
        if (!ReadPreamble(out Preamble preamble))
        {
            return;
        }

        long position = Preamble.Size;
        uint expected = 0;
        bool haveHeader = false;
        bool resynced = false;
        Span<byte> header = stackalloc byte[FrameHeader.Size];
        while (true)
        {
            if (position == _source.Length)
            {
                Damage(ImageDamage.Truncated, position, null, $"the image ends at byte {position} without a trailer", fatal: !haveHeader);
                break;
            }

            if (_source.Read(position, header) < FrameHeader.Size || !TryParseHeader(header, out FrameHeader frame))
            {
                long next = Resync(position + 1);
                string what = _source.Length - position < FrameHeader.Size
                    ? $"the image ends inside the header of frame {expected}"
                    : $"expected the header of frame {expected}, found damaged bytes";
                if (next < 0)
                {
                    Damage(ImageDamage.Truncated, position, expected, $"{what}; no valid frame follows (the trailer is missing)", fatal: !haveHeader);
                    break;
                }

                Damage(ImageDamage.FrameHeader, position, expected, $"{what}; {next - position} bytes skipped to the next valid frame at byte {next}", fatal: false);
                LoseContext(expected);
                position = next;
                resynced = true;
                continue;
            }


            // Frames skipped by a resynchronisation were reported with it: only a step back is news then.
            bool sequenceExpected = frame.Sequence == expected || (resynced && frame.Sequence > expected);
            resynced = false;
            if (!sequenceExpected)
            {
                Damage(ImageDamage.FrameSequence, position + 8, frame.Sequence, $"expected frame {expected}, found frame {frame.Sequence}: frames are missing, repeated or out of order", fatal: false);
                if (frame.Sequence > expected)
                {
                    LoseContext(expected);
                }
            }

            expected = frame.Sequence + 1;
            long payloadAt = position + FrameHeader.Size;
            if (frame.PayloadLength > _source.Length - payloadAt)
            {
                Damage(ImageDamage.Truncated, _source.Length, frame.Sequence, $"the image is truncated: frame {frame.Sequence} at byte {position} declares {frame.PayloadLength} payload bytes, {_source.Length - payloadAt} remain", fatal: !haveHeader);
                break;
            }

            ReadOnlySpan<byte> payload = ReadPayload(payloadAt, (int)frame.PayloadLength);
            long nextFrame = payloadAt + frame.PayloadLength;
            if (Crc32C.Compute(payload) != frame.PayloadCrc)
            {
                Damage(ImageDamage.PayloadChecksum, payloadAt, frame.Sequence, $"payload CRC32C mismatch in frame {frame.Sequence} ({frame.PayloadLength} bytes at {payloadAt}); the frame is skipped", fatal: !haveHeader && frame.Sequence == 0);
                if (!haveHeader && frame.Sequence == 0)
                {
                    return;
                }

                LoseContext(frame.Sequence);
            }
            else if (!haveHeader)
            {
                if (frame.Kind != FrameKind.Header)
                {
                    Damage(ImageDamage.HeaderUnreadable, position + 4, frame.Sequence, $"expected the header frame, found a frame of kind 0x{(byte)frame.Kind:x2}", fatal: true);
                    return;
                }

                if (!ReadHeader(payload, payloadAt, preamble))
                {
                    return;
                }

                haveHeader = true;
            }
            else if (frame.Kind == FrameKind.Records)
            {
                ReadRecords(payload, payloadAt, frame);
            }
            else if (frame.Kind == FrameKind.Trailer)
            {
                ReadTrailer(payload, payloadAt, frame, nextFrame);
                return;
            }
            else if (!FrameHeader.IsAncillary((byte)frame.Kind))
            {
                Damage(ImageDamage.UnknownFrameKind, position + 4, frame.Sequence, $"unknown frame kind 0x{(byte)frame.Kind:x2}; the frame is skipped", fatal: false);
                LoseContext(frame.Sequence);
            }

            _digestState = Crc32C.Append(_digestState, header);
            position = nextFrame;
        }

        EndOrphans();
    }

    private bool ReadPreamble(out Preamble preamble)
    {
        preamble = default;
        Span<byte> bytes = stackalloc byte[Preamble.Size];
        int read = _source.Read(0, bytes);
        if (read < Preamble.Magic.Length || !bytes[..Preamble.Magic.Length].SequenceEqual(Preamble.Magic))
        {
            Damage(ImageDamage.NotAnImage, 0, null, read == 0 ? "the file is empty" : "not a criu-image file: the magic is missing", fatal: true);
            return false;
        }

        if (read < Preamble.Size)
        {
            Damage(ImageDamage.Truncated, read, null, $"the image ends at byte {read}, inside its 32-byte preamble", fatal: true);
            return false;
        }

        try
        {
            preamble = Preamble.Read(bytes);
        }
        catch (ImageFormatException e) when (e.ByteOffset == 28)
        {
            // A damaged preamble CRC: go on as if it were 1.0 without features, saying so.
            Damage(ImageDamage.PreambleChecksum, 28, null, e.Detail + "; reading on as format 1.0 without features", fatal: false);
            preamble = Preamble.Current;
        }
        catch (ImageFormatException e)
        {
            Damage(e.ByteOffset == 8 ? ImageDamage.UnsupportedVersion : ImageDamage.IncompatibleFeatures, e.ByteOffset, null, e.Detail, fatal: true);
            return false;
        }

        if (preamble.RoCompat != 0)
        {
            // Not damage: the image reads correctly, so the trailer's checks still apply.
            _handler.OnDamage(ImageDamage.UnknownRoCompatFeatures, 16, null, $"ro_compat features 0x{preamble.RoCompat:x8} are not known to this reader: it can read the image but not re-create it", fatal: false);
        }

        _digestState = Crc32C.Append(_digestState, bytes);
        return true;
    }

    private bool ReadHeader(ReadOnlySpan<byte> payload, long payloadAt, Preamble preamble)
    {
        try
        {
            var reader = new MessagePackReader(payload, payloadAt, 0);
            ImageHeader header = HeaderCodec.Read(ref reader, preamble.Minor);
            if (!reader.End)
            {
                throw reader.Error("frame 0 has bytes after its header map");
            }

            _abi = header.Abi;
            _handler.OnHeader(preamble, header);
            return true;
        }
        catch (ImageFormatException e)
        {
            Damage(ImageDamage.HeaderUnreadable, e.ByteOffset, 0, e.Detail, fatal: true);
            return false;
        }
    }

    private void ReadRecords(ReadOnlySpan<byte> payload, long payloadAt, FrameHeader frame)
    {
        var reader = new MessagePackReader(payload, payloadAt, frame.Sequence);
        uint decoded = 0;
        try
        {
            while (!reader.End && decoded < frame.RecordCount)
            {
                long offset = reader.Offset;
                RecordTag tag = RecordCodec.Read(ref reader, _abi, out BoRecord bo, out VmRecord vm);
                decoded++;
                if (tag == RecordTag.Bo)
                {
                    OnBo(bo, offset, frame.Sequence);
                }
                else
                {
                    OnVm(vm, offset, frame.Sequence);
                }
            }
        }
        catch (ImageFormatException e)
        {
            Damage(ImageDamage.MalformedRecord, e.ByteOffset, frame.Sequence, e.Detail + "; the rest of the frame is skipped", fatal: false);
            LoseContext(frame.Sequence);
            return;
        }

        if (decoded != frame.RecordCount || !reader.End)
        {
            Damage(ImageDamage.MalformedRecord, reader.Offset, frame.Sequence, $"frame {frame.Sequence} declares {frame.RecordCount} records; its payload holds {decoded}{(reader.End ? "" : " and more bytes")}", fatal: false);
        }
    }

    private void OnBo(in BoRecord bo, long offset, uint frame)
    {
        EndOrphans();
        if (_owed != 0)
        {
            Damage(ImageDamage.RecordSequence, offset, frame, $"BO {_bo.GemHandle} declared {_bo.MappingCount} mappings, but only {_bo.MappingCount - _owed} follow it before the next BO record", fatal: false);
        }

        _bo = bo;
        _owed = bo.MappingCount;
        _boCount++;
        _handler.OnBo(bo, offset);
    }

    private void OnVm(in VmRecord vm, long offset, uint frame)
    {
        _mappingCount++;
        if (_orphans)
        {
            _orphanOffset = _orphanCount == 0 ? offset : _orphanOffset;
            _orphanCount++;
            return;
        }

        if (_owed == 0)
        {
            Damage(ImageDamage.RecordSequence, offset, frame, _boCount == 0
                ? "a VM record comes before any BO record; it is ignored"
                : $"a VM record follows BO {_bo.GemHandle}, which declared only {_bo.MappingCount} mappings; it is ignored", fatal: false);
            return;
        }

        uint index = _bo.MappingCount - _owed;
        _owed--;
        _handler.OnVm(vm, index, offset);
    }

    private void ReadTrailer(ReadOnlySpan<byte> payload, long payloadAt, FrameHeader frame, long end)
    {
        EndOrphans();
        Trailer trailer;
        try
        {
            var reader = new MessagePackReader(payload, payloadAt, frame.Sequence);
            trailer = Trailer.Read(ref reader);
            if (!reader.End || frame.RecordCount != 1)
            {
                throw reader.Error("the trailer frame must hold exactly one record");
            }
        }
        catch (ImageFormatException e)
        {
            Damage(ImageDamage.TrailerMismatch, e.ByteOffset, frame.Sequence, e.Detail, fatal: false);
            return;
        }

        _handler.OnTrailer(trailer);
        if (_owed != 0)
        {
            Damage(ImageDamage.RecordSequence, payloadAt - FrameHeader.Size, frame.Sequence, $"BO {_bo.GemHandle} declared {_bo.MappingCount} mappings, but only {_bo.MappingCount - _owed} follow it before the trailer", fatal: false);
        }

        // Counts and digest can only agree with an intact image: after reported damage they are noise.
        if (_damageCount == 0 && trailer.Disagreement(frame.Sequence, _boCount, _mappingCount, ~_digestState) is { } disagreement)
        {
            Damage(ImageDamage.TrailerMismatch, payloadAt, frame.Sequence, disagreement, fatal: false);
        }

        if (end != _source.Length)
        {
            Damage(ImageDamage.TrailingBytes, end, null, $"{_source.Length - end} trailing bytes after the trailer frame", fatal: false);
        }
    }

    /// <summary>After a frame was lost, VM records until the next BO cannot be attributed: count them instead.</summary>
    private void LoseContext(uint frame)
    {
        if (!_orphans)
        {
            _orphans = true;
            _orphanFrame = frame;
            _orphanCount = 0;
        }

        _owed = 0;
    }

    private void EndOrphans()
    {
        if (_orphans && _orphanCount > 0)
        {
            Damage(ImageDamage.RecordSequence, _orphanOffset, _orphanFrame, $"{_orphanCount} VM records from byte {_orphanOffset}, after damaged frame {_orphanFrame}, belong to a BO that could not be read; they are not analyzed", fatal: false);
        }

        _orphans = false;
        _orphanCount = 0;
    }

    private ReadOnlySpan<byte> ReadPayload(long offset, int length)
    {
        if (_payload.Length < length)
        {
            if (_payload.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_payload);
            }

            _payload = ArrayPool<byte>.Shared.Rent(length);
        }

        int read = _source.Read(offset, _payload.AsSpan(0, length));
        return _payload.AsSpan(0, read);
    }

    /// <summary>Parses a frame header that passes every check of FORMAT.md section 3 but the sequence (which the caller judges).</summary>
    private static bool TryParseHeader(ReadOnlySpan<byte> header, out FrameHeader frame)
    {
        try
        {
            frame = FrameHeader.Read(header, 0, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(header[8..]));
            return true;
        }
        catch (ImageFormatException)
        {
            frame = default;
            return false;
        }
    }

    /// <summary>The offset of the next frame marker at or after <paramref name="from"/> whose header is valid, or -1.</summary>
    private long Resync(long from)
    {
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ResyncChunk + FrameHeader.Size);
        try
        {
            for (long start = from; start < _source.Length; start += ResyncChunk)
            {
                int read = _source.Read(start, chunk.AsSpan(0, ResyncChunk + FrameHeader.Size));
                ReadOnlySpan<byte> window = chunk.AsSpan(0, read);
                int limit = Math.Min(read, ResyncChunk);
                for (int i = window[..limit].IndexOf(FrameHeader.Marker); i >= 0 && i < limit;)
                {
                    if (read - i >= FrameHeader.Size && TryParseHeader(window.Slice(i, FrameHeader.Size), out _))
                    {
                        return start + i;
                    }

                    int next = window[(i + 1)..limit].IndexOf(FrameHeader.Marker);
                    i = next < 0 ? -1 : i + 1 + next;
                }
            }

            return -1;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private void Damage(ImageDamage damage, long offset, uint? frame, string detail, bool fatal)
    {
        _damageCount++;
        _handler.OnDamage(damage, offset, frame, detail, fatal);
    }
}
