using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using CriuImage.Abi;
using CriuImage.Diagnostics;
using CriuImage.Format;
using CriuImage.MessagePack;

namespace CriuImage;

/// <summary>
/// Reads an image from a <see cref="PipeReader"/>, one frame at a time: memory is bounded by the largest
/// frame (16 MiB at most), whatever the image's size. Every malformed, damaged or truncated input ends in
/// <see cref="ImageFormatException"/> with the byte offset.
/// </summary>
/// <remarks>
/// Pull records with <see cref="ReadHeaderAsync"/>, then <see cref="ReadFrameAsync"/> and
/// <see cref="TryReadRecord"/> until <see cref="ReadFrameAsync"/> returns false (the trailer was read and
/// checked); or let <see cref="ReadBosAsync"/> yield each BO with its mappings.
/// </remarks>
public sealed class ImageReader : IAsyncDisposable
{
    private const int StreamBufferSize = 256 * 1024;

    private readonly PipeReader _input;
    private readonly bool _ownsInput;
    private readonly byte[] _frameHeader = new byte[Math.Max(FrameHeader.Size, Preamble.Size)];
    private byte[] _payload = [];
    private int _payloadLength;
    private int _position;
    private long _payloadOffset;
    private long _offset;
    private uint _sequence;
    private uint _recordsLeft;
    private uint _frameRecords;
    private uint _mappingsOwed;
    private ulong _boCount;
    private ulong _mappingCount;
    private FrameChain _chain;
    private bool _linked;
    private AbiRevision _abi;
    private bool _ended;

    /// <summary>Creates a reader over <paramref name="input"/>.</summary>
    /// <param name="input">Where the bytes come from.</param>
    /// <param name="ownsInput">Complete <paramref name="input"/> when this reader is disposed.</param>
    public ImageReader(PipeReader input, bool ownsInput = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        _input = input;
        _ownsInput = ownsInput;
    }

    /// <summary>Creates a reader over <paramref name="stream"/>; the stream is closed with the reader unless <paramref name="leaveOpen"/>.</summary>
    public static ImageReader Create(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new ImageReader(PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: StreamBufferSize, minimumReadSize: StreamBufferSize / 2, leaveOpen: leaveOpen)), ownsInput: true);
    }

    /// <summary>Opens the image at <paramref name="path"/> for sequential reading.</summary>
    public static ImageReader Open(string path) =>
        Create(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous));

    /// <summary>The preamble, once <see cref="ReadHeaderAsync"/> has returned.</summary>
    public Preamble Preamble { get; private set; }

    /// <summary>The header, once <see cref="ReadHeaderAsync"/> has returned.</summary>
    public ImageHeader? Header { get; private set; }

    /// <summary>The trailer, once <see cref="ReadFrameAsync"/> has returned false.</summary>
    public Trailer? Trailer { get; private set; }

    /// <summary>The BO record <see cref="TryReadRecord"/> last returned, or the owner of the VM record it last returned.</summary>
    public BoRecord CurrentBo { get; private set; }

    /// <summary>The VM record <see cref="TryReadRecord"/> last returned.</summary>
    public VmRecord CurrentVm { get; private set; }

    /// <summary>Index of <see cref="CurrentVm"/> among its BO's VM buckets, from 0.</summary>
    public uint CurrentMappingIndex { get; private set; }

    /// <summary>Offset in the file of the record <see cref="TryReadRecord"/> last returned.</summary>
    public long RecordOffset { get; private set; }

    /// <summary>Sequence number of the frame being read.</summary>
    public uint FrameSequence => _sequence;

    /// <summary>Reads and checks the preamble and the header frame.</summary>
    /// <exception cref="ImageFormatException">Not an image, an unsupported one, or a damaged start.</exception>
    /// <exception cref="InvalidOperationException">Called twice.</exception>
    public async ValueTask<ImageHeader> ReadHeaderAsync(CancellationToken cancellationToken = default)
    {
        if (Header is not null)
        {
            throw new InvalidOperationException("the header was already read");
        }

        // The magic is judged on as many bytes as there are, so a short text file is "not an image", not "truncated".
        int read = await ReadUpToAsync(_frameHeader.AsMemory(0, Preamble.Size), cancellationToken).ConfigureAwait(false);
        Preamble = Preamble.Read(_frameHeader.AsSpan(0, read));
        _linked = Preamble.HasImageId;
        FrameChain chain = Preamble.HasImageId ? default : FrameChain.Version1_0(_frameHeader.AsSpan(0, Preamble.Size));

        FrameHeader frame = await ReadFrameCoreAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new ImageFormatException(_offset, "the image ends after the preamble: expected the header frame", 0);
        if (frame.Kind != FrameKind.Header)
        {
            throw new ImageFormatException(_payloadOffset - FrameHeader.Size + 4, $"expected the header frame (kind H), found kind {DescribeKind((byte)frame.Kind)}", 0);
        }

        if (frame.RecordCount != 1)
        {
            throw new ImageFormatException(_payloadOffset - FrameHeader.Size + 16, $"the header frame must hold 1 record, found {frame.RecordCount}", 0);
        }

        var reader = new MessagePackReader(_payload.AsSpan(0, _payloadLength), _payloadOffset, 0);
        ImageHeader header = HeaderCodec.Read(ref reader, Preamble);
        ExpectPayloadEnd(ref reader);
        _chain = header.ImageId is { } id ? FrameChain.ForImageId(id) : chain;
        _chain.Add(_frameHeader.AsSpan(0, FrameHeader.Size));
        _abi = header.Abi;
        Header = header;
        return header;
    }

    /// <summary>
    /// Loads the next record frame, skipping ancillary ones. Returns false once the trailer has been read and
    /// checked against everything before it and the input has ended.
    /// </summary>
    /// <exception cref="ImageFormatException">A damaged or truncated frame, a record left unread, or a trailer that disagrees.</exception>
    public async ValueTask<bool> ReadFrameAsync(CancellationToken cancellationToken = default)
    {
        if (Header is null)
        {
            throw new InvalidOperationException("read the header first");
        }

        if (_ended)
        {
            return false;
        }

        if (_recordsLeft != 0)
        {
            throw new InvalidOperationException("the current frame still has records: read them with TryReadRecord first");
        }

        while (true)
        {
            uint sequence = _sequence + 1;
            long frameOffset = _offset;
            FrameHeader frame = await ReadFrameCoreAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new ImageFormatException(frameOffset, $"the image is truncated: it ends after frame {sequence - 1} without a trailer", sequence);
            switch (frame.Kind)
            {
                case FrameKind.Records:
                    _recordsLeft = _frameRecords = frame.RecordCount;
                    if (_recordsLeft == 0)
                    {
                        ExpectPayloadEnd();
                    }

                    return true;
                case FrameKind.Trailer:
                    await ReadTrailerAsync(frame, frameOffset, cancellationToken).ConfigureAwait(false);
                    return false;
                case var kind when FrameHeader.IsAncillary((byte)kind):
                    continue;
                default:
                    throw new ImageFormatException(frameOffset + 4, $"unknown frame kind {DescribeKind((byte)frame.Kind)} (expected R, T, or a lower-case letter for an ancillary frame)", sequence);
            }
        }
    }

    /// <summary>
    /// Decodes the next record of the current frame into <see cref="CurrentBo"/> or <see cref="CurrentVm"/>;
    /// false at the end of the frame. Allocates nothing.
    /// </summary>
    /// <exception cref="ImageFormatException">A malformed record or one out of sequence (FORMAT.md section 5.3).</exception>
    public bool TryReadRecord(out RecordTag tag)
    {
        if (_recordsLeft == 0)
        {
            tag = default;
            return false;
        }

        if (_position == _payloadLength)
        {
            throw new ImageFormatException(_payloadOffset + _position, $"frame {_sequence} declares {_frameRecords} records, but its payload ends after {_frameRecords - _recordsLeft}", _sequence);
        }

        var reader = new MessagePackReader(_payload.AsSpan(_position, _payloadLength - _position), _payloadOffset + _position, _sequence);
        RecordOffset = reader.Offset;
        tag = RecordCodec.Read(ref reader, _abi, _linked, out BoRecord bo, out VmRecord vm);
        if (tag == RecordTag.Bo)
        {
            if (_mappingsOwed != 0)
            {
                throw reader.ErrorAt(RecordOffset, $"expected VM record {CurrentBo.MappingCount - _mappingsOwed} of BO {CurrentBo.GemHandle} (it declared {CurrentBo.MappingCount}), found a BO record");
            }

            CurrentBo = bo;
            _mappingsOwed = bo.MappingCount;
            _boCount++;
        }
        else
        {
            if (_mappingsOwed == 0)
            {
                throw reader.ErrorAt(RecordOffset, _boCount == 0
                    ? "found a VM record before any BO record"
                    : $"found a VM record after BO {CurrentBo.GemHandle} already had its {CurrentBo.MappingCount} mappings");
            }

            CurrentVm = vm;
            CurrentMappingIndex = CurrentBo.MappingCount - _mappingsOwed;
            _mappingsOwed--;
            _mappingCount++;
        }

        _position += reader.Consumed;
        _recordsLeft--;
        if (_recordsLeft == 0)
        {
            ExpectPayloadEnd();
        }

        return true;
    }

    /// <summary>Yields each BO with its VM buckets; memory grows only with the mappings of one BO actually present.</summary>
    public async IAsyncEnumerable<BoEntry> ReadBosAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Header is null)
        {
            await ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        }

        BoRecord? pending = null;
        var mappings = new List<VmRecord>();
        while (await ReadFrameAsync(cancellationToken).ConfigureAwait(false))
        {
            List<BoEntry>? ready = null;
            while (TryReadRecord(out RecordTag tag))
            {
                if (tag == RecordTag.Vm)
                {
                    mappings.Add(CurrentVm);
                    continue;
                }

                if (pending is { } done)
                {
                    (ready ??= []).Add(new BoEntry(done, [.. mappings]));
                    mappings.Clear();
                }

                pending = CurrentBo;
            }

            foreach (BoEntry entry in ready ?? [])
            {
                yield return entry;
            }
        }

        if (pending is { } last)
        {
            yield return new BoEntry(last, [.. mappings]);
        }
    }

    /// <summary>Completes the input when this reader owns it, and drops the frame buffer.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_payload.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_payload);
            _payload = [];
        }

        if (_ownsInput)
        {
            await _input.CompleteAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask ReadTrailerAsync(FrameHeader frame, long frameOffset, CancellationToken cancellationToken)
    {
        uint sequence = frame.Sequence;
        if (frame.RecordCount != 1)
        {
            throw new ImageFormatException(frameOffset + 16, $"the trailer frame must hold 1 record, found {frame.RecordCount}", sequence);
        }

        var reader = new MessagePackReader(_payload.AsSpan(0, _payloadLength), _payloadOffset, sequence);
        Trailer trailer = Format.Trailer.Read(ref reader, out TrailerOffsets offsets);
        ExpectPayloadEnd(ref reader);
        if (_mappingsOwed != 0)
        {
            throw new ImageFormatException(frameOffset, $"the trailer comes while BO {CurrentBo.GemHandle} still owes {_mappingsOwed} of its {CurrentBo.MappingCount} VM records", sequence);
        }

        if (trailer.Disagreement(sequence, _boCount, _mappingCount, _chain.Digest, offsets) is { } disagreement)
        {
            throw new ImageFormatException(disagreement.Offset, disagreement.Detail, sequence);
        }

        ReadResult end = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
        long extra = end.Buffer.Length;
        _input.AdvanceTo(end.Buffer.Start, end.Buffer.End);
        if (extra != 0 || !end.IsCompleted)
        {
            throw new ImageFormatException(_offset, "trailing bytes after the trailer frame", sequence);
        }

        Trailer = trailer;
        _ended = true;
    }

    /// <summary>Reads one frame header and its payload into the frame buffer, checking both CRCs; null at a clean end of input.</summary>
    private async ValueTask<FrameHeader?> ReadFrameCoreAsync(CancellationToken cancellationToken)
    {
        long frameOffset = _offset;
        uint sequence = Header is null ? 0 : _sequence + 1;
        if (!await FillAsync(_frameHeader.AsMemory(0, FrameHeader.Size), $"the header of frame {sequence}", sequence, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        bool first = Header is null;
        FrameHeader frame = FrameHeader.Read(
            _frameHeader.AsSpan(0, FrameHeader.Size),
            frameOffset,
            sequence,
            first ? ~0u : _chain.HeaderSeed,
            first ? (ushort)0 : _chain.NextLink,
            _linked && !first);
        int length = (int)frame.PayloadLength;
        if (_payload.Length < length)
        {
            if (_payload.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_payload);
            }

            _payload = ArrayPool<byte>.Shared.Rent(length);
        }

        _payloadOffset = _offset;
        if (length > 0 && !await FillAsync(_payload.AsMemory(0, length), $"the payload of frame {sequence}", sequence, cancellationToken).ConfigureAwait(false))
        {
            throw new ImageFormatException(_offset, $"the image is truncated: frame {sequence} declares {length} payload bytes, but the input ends here", sequence);
        }

        uint actual = Crc32C.Compute(_payload.AsSpan(0, length));
        if (actual != frame.PayloadCrc)
        {
            throw new ImageFormatException(_payloadOffset, $"payload CRC32C mismatch in frame {sequence}: stored 0x{frame.PayloadCrc:x8}, computed 0x{actual:x8}", sequence);
        }

        // The header frame joins the chain once its image id is known (ReadHeaderAsync).
        if (!first && frame.Kind != FrameKind.Trailer)
        {
            _chain.Add(_frameHeader.AsSpan(0, FrameHeader.Size));
        }

        _sequence = sequence;
        _payloadLength = length;
        _position = 0;
        return frame;
    }

    /// <summary>Reads into <paramref name="destination"/> until it is full or the input ends; returns the bytes read.</summary>
    private async ValueTask<int> ReadUpToAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        int filled = 0;
        while (filled < destination.Length)
        {
            ReadResult result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            int take = (int)Math.Min(buffer.Length, destination.Length - filled);
            buffer.Slice(0, take).CopyTo(destination.Span[filled..]);
            _input.AdvanceTo(buffer.GetPosition(take));
            filled += take;
            _offset += take;
            if (result.IsCanceled)
            {
                throw new OperationCanceledException("reading the image was cancelled");
            }

            if (result.IsCompleted && take == buffer.Length)
            {
                break;
            }
        }

        return filled;
    }

    /// <summary>Fills <paramref name="destination"/> from the pipe; false when the input ended before the first byte, an exception when it ends part-way.</summary>
    private async ValueTask<bool> FillAsync(Memory<byte> destination, string what, uint? frame, CancellationToken cancellationToken)
    {
        int filled = await ReadUpToAsync(destination, cancellationToken).ConfigureAwait(false);
        if (filled == destination.Length || filled == 0)
        {
            return filled == destination.Length;
        }

        throw new ImageFormatException(_offset, $"the image is truncated inside {what}: {destination.Length - filled} more bytes were expected", frame);
    }

    private void ExpectPayloadEnd()
    {
        if (_position != _payloadLength)
        {
            throw new ImageFormatException(_payloadOffset + _position, $"frame {_sequence} has {_payloadLength - _position} bytes after its declared records", _sequence);
        }
    }

    private void ExpectPayloadEnd(ref MessagePackReader reader)
    {
        if (!reader.End)
        {
            throw reader.Error($"frame {_sequence} has bytes after its record");
        }
    }

    private static string DescribeKind(byte kind) => kind is >= 0x21 and < 0x7f ? $"'{(char)kind}'" : $"0x{kind:x2}";
}

/// <summary>One BO as the image records it, with its VM buckets in kernel order.</summary>
/// <param name="Bo">The BO record.</param>
/// <param name="Mappings">Its VM records; index i is mapping i of the BO.</param>
public sealed record BoEntry(BoRecord Bo, VmRecord[] Mappings);
