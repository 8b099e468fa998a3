using System.Buffers;
using CriuImage.Abi;
using CriuImage.Diagnostics;
using CriuImage.Format;
using CriuImage.MessagePack;

namespace CriuImage.Scanning;

/// <summary>
/// Reads an image the lenient way, for analysis: damage is reported to the handler with its offset and
/// frame, and the scan goes on with every frame that can still be read. A damaged payload is skipped
/// by its (CRC-checked) length; after a damaged frame header the scanner looks for the next frame whose
/// header CRC is valid. Memory is bounded by the largest frame.
/// </summary>
internal sealed class ImageScanner
{
    private const int ResyncChunk = 64 * 1024;
    private const int WindowSize = 256 * 1024;

    private readonly ByteSource _source;
    private readonly IImageScanHandler _handler;
    private byte[] _window = [];
    private long _windowStart;
    private int _windowLength;
    private FrameChain _chain;
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
    /// <param name="path">The image file.</param>
    /// <param name="handler">Told what the scan finds.</param>
    /// <param name="reached">When given, told the offset the scan's reads have reached after each read (a read covers many frames).</param>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static void Scan(string path, IImageScanHandler handler, IProgress<long>? reached = null)
    {
        using Microsoft.Win32.SafeHandles.SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var source = new ByteSource.File(file);
        Scan(reached is null ? source : new ByteSource.Reporting(source, reached), handler);
    }

    /// <summary>Scans the image in an open file, by position (the handle's own position is neither used nor moved).</summary>
    internal static void Scan(Microsoft.Win32.SafeHandles.SafeFileHandle file, IImageScanHandler handler) => Scan(new ByteSource.File(file), handler);

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
            if (scanner._window.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(scanner._window);
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

            ReadOnlySpan<byte> bytes = Bytes(position, FrameHeader.Size);
            bytes.CopyTo(header);
            FrameHeader frame = default;
            FrameProblem problem = bytes.Length < FrameHeader.Size
                ? FrameProblem.Marker
                : FrameHeader.Parse(header, haveHeader ? _chain.HeaderSeed : ~0u, out frame);
            if (problem != FrameProblem.None)
            {
                string what = bytes.Length < FrameHeader.Size
                    ? $"the image ends inside the header of frame {expected}"
                    : $"expected the header of frame {expected}, found {(_chain.Linked ? "damaged bytes or a frame of another image" : "damaged bytes")} ({problem.Summary()})";
                if (!haveHeader)
                {
                    // Without the header frame no record can be read, and in 1.1 no later frame can be checked.
                    Damage(bytes.Length < FrameHeader.Size ? ImageDamage.Truncated : ImageDamage.HeaderUnreadable, bytes.Length < FrameHeader.Size ? _source.Length : position + problem.Offset(), 0, what, fatal: true);
                    return;
                }

                long next = Resync(position + 1);
                if (next < 0)
                {
                    Damage(ImageDamage.Truncated, bytes.Length < FrameHeader.Size ? _source.Length : position + problem.Offset(), expected, $"{what}; no valid frame follows (the trailer is missing)", fatal: false);
                    break;
                }

                // FORMAT.md section 11: flags, payload length and record count are located in the frame header.
                Damage(ImageDamage.FrameHeader, position + problem.Offset(), expected, $"{what}; {next - position} bytes skipped to the next valid frame at byte {next}", fatal: false);
                LoseContext(expected);
                position = next;
                resynced = true;
                continue;
            }

            if (haveHeader && _chain.Linked)
            {
                // A link can only be judged while every frame before it was read intact.
                if (_damageCount == 0 && frame.Link != _chain.NextLink)
                {
                    Damage(ImageDamage.FrameSequence, position + 6, frame.Sequence, $"frame {frame.Sequence} at byte {position} does not follow the frames before it (link 0x{frame.Link:x4}, expected 0x{_chain.NextLink:x4}): a frame was removed, repeated, reordered or taken from another image", fatal: false);
                }
            }
            else if (frame.Link != 0)
            {
                Damage(ImageDamage.FrameHeader, position + 6, frame.Sequence, $"frame {frame.Sequence}'s reserved field 0x{frame.Link:x4} must be zero", fatal: false);
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

            ReadOnlySpan<byte> payload = Bytes(payloadAt, (int)frame.PayloadLength);
            long nextFrame = payloadAt + frame.PayloadLength;
            if (Crc32C.Compute(payload) != frame.PayloadCrc)
            {
                Damage(ImageDamage.PayloadChecksum, payloadAt, frame.Sequence, $"payload CRC32C mismatch in frame {frame.Sequence} ({frame.PayloadLength} bytes at {payloadAt}); the frame is skipped", fatal: !haveHeader);
                if (!haveHeader)
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

                if (!ReadHeader(payload, payloadAt, preamble, frame))
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

            _chain.Add(header);
            position = nextFrame;
        }

        EndOrphans();
    }

    private bool ReadPreamble(out Preamble preamble)
    {
        ReadOnlySpan<byte> bytes = Bytes(0, Preamble.Size);
        Span<byte> copy = stackalloc byte[Preamble.Size];
        bytes.CopyTo(copy);
        switch (Preamble.Check(bytes, out preamble, out long offset, out string detail))
        {
            case PreambleProblem.None:
                break;
            case PreambleProblem.Checksum when (preamble.Incompat & ~FormatLimits.KnownIncompat) == 0:
                Damage(ImageDamage.PreambleChecksum, offset, null, detail + "; reading on with the preamble's fields as they are", fatal: false);
                break;
            case PreambleProblem problem:
                ImageDamage damage = problem switch
                {
                    PreambleProblem.NotAnImage => ImageDamage.NotAnImage,
                    PreambleProblem.Truncated => ImageDamage.Truncated,
                    PreambleProblem.UnsupportedVersion => ImageDamage.UnsupportedVersion,
                    _ => ImageDamage.IncompatibleFeatures,
                };
                // FORMAT.md section 2 checks the preamble CRC before the incompat features, and section 11 locates a
                // CRC mismatch at byte 0: a damaged preamble that also names unknown features is reported there.
                Damage(problem == PreambleProblem.Checksum ? ImageDamage.PreambleChecksum : damage, offset, null, problem == PreambleProblem.Checksum ? $"{detail}; with it the preamble names incompatible features 0x{preamble.Incompat & ~FormatLimits.KnownIncompat:x8} that this reader does not implement, so the image is not read further" : detail, fatal: true);
                return false;
        }

        // Neither is damage: the image reads correctly, so the trailer's checks still apply.
        if (preamble.RoCompat != 0)
        {
            _handler.OnDamage(ImageDamage.UnknownRoCompatFeatures, 16, null, $"ro_compat features 0x{preamble.RoCompat:x8} are not known to this reader: it can read the image but not re-create it", fatal: false);
        }

        if (!preamble.HasImageId)
        {
            _handler.OnDamage(ImageDamage.WeakDigest, 10, null, "a format 1.0 image: its trailer digest depends on nothing but the number of frames, so a frame removed, repeated, reordered or taken from another image (with sequence numbers rewritten) goes unnoticed; decode and encode it again for format 1.1", fatal: false);
            _chain = FrameChain.Version1_0(copy);
        }

        return true;
    }

    private bool ReadHeader(ReadOnlySpan<byte> payload, long payloadAt, Preamble preamble, in FrameHeader frame)
    {
        try
        {
            if (frame.RecordCount != 1)
            {
                throw new ImageFormatException(payloadAt - FrameHeader.Size + 16, $"the header frame must hold 1 record, found {frame.RecordCount}");
            }

            var reader = new MessagePackReader(payload, payloadAt, 0);
            ImageHeader header = HeaderCodec.Read(ref reader, preamble);
            if (!reader.End)
            {
                throw reader.Error("frame 0 has bytes after its header map");
            }

            if (header.ImageId is { } id)
            {
                _chain = FrameChain.ForImageId(id);
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
                RecordTag tag = RecordCodec.Read(ref reader, _abi, _chain.Linked, out BoRecord bo, out VmRecord vm);
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
        TrailerOffsets offsets;
        try
        {
            if (frame.RecordCount != 1)
            {
                throw new ImageFormatException(payloadAt - FrameHeader.Size + 16, $"the trailer frame must hold 1 record, found {frame.RecordCount}");
            }

            var reader = new MessagePackReader(payload, payloadAt, frame.Sequence);
            trailer = Trailer.Read(ref reader, out offsets);
            if (!reader.End)
            {
                throw reader.Error($"frame {frame.Sequence} has bytes after its record");
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
        if (_damageCount == 0 && trailer.Disagreement(frame.Sequence, _boCount, _mappingCount, _chain.Digest, offsets) is { } disagreement)
        {
            Damage(ImageDamage.TrailerMismatch, disagreement.Offset, frame.Sequence, disagreement.Detail, fatal: false);
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

    /// <summary>
    /// Up to <paramref name="length"/> bytes at <paramref name="offset"/> (fewer only at the end of the file),
    /// through a read-ahead window: a frame costs no system call of its own, however small. The span is valid
    /// until the next call.
    /// </summary>
    private ReadOnlySpan<byte> Bytes(long offset, int length)
    {
        if (offset < _windowStart || offset + length > _windowStart + _windowLength)
        {
            int size = Math.Max(WindowSize, length);
            if (_window.Length < size)
            {
                if (_window.Length > 0)
                {
                    ArrayPool<byte>.Shared.Return(_window);
                }

                _window = ArrayPool<byte>.Shared.Rent(size);
            }

            _windowStart = offset;
            _windowLength = _source.Read(offset, _window.AsSpan(0, size));
        }

        int start = (int)(offset - _windowStart);
        return _window.AsSpan(start, Math.Min(length, _windowLength - start));
    }

    /// <summary>
    /// The offset of the next frame marker at or after <paramref name="from"/> whose header passes every
    /// structural check of this image (CRC seeded with its id in 1.1), or -1. Linear: no exception per candidate.
    /// </summary>
    private long Resync(long from)
    {
        for (long start = from; start < _source.Length; start += ResyncChunk)
        {
            ReadOnlySpan<byte> window = Bytes(start, ResyncChunk + FrameHeader.Size);
            int limit = Math.Min(window.Length, ResyncChunk);
            for (int i = window[..limit].IndexOf(FrameHeader.Marker); i >= 0 && i < limit;)
            {
                if (window.Length - i >= FrameHeader.Size && FrameHeader.Parse(window.Slice(i, FrameHeader.Size), _chain.HeaderSeed, out _) == FrameProblem.None)
                {
                    return start + i;
                }

                int next = window[(i + 1)..limit].IndexOf(FrameHeader.Marker);
                i = next < 0 ? -1 : i + 1 + next;
            }
        }

        return -1;
    }

    private void Damage(ImageDamage damage, long offset, uint? frame, string detail, bool fatal)
    {
        _damageCount++;
        _handler.OnDamage(damage, offset, frame, detail, fatal);
    }
}
