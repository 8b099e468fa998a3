using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using CriuImage.Abi;
using CriuImage.Format;

namespace CriuImage;

/// <summary>
/// Writes an image to a <see cref="PipeWriter"/>: the preamble and header frame at construction, then BO
/// records each followed by its VM records, packed into canonical 64 KiB frames, then the trailer at
/// <see cref="CompleteAsync"/>. Writing a record allocates nothing: records are encoded into one pooled
/// frame buffer, and a sealed frame is copied into the pipe. Call <see cref="FlushAsync"/> (or use the
/// <c>WriteBoAsync</c> overloads, which do) so that a slow sink pushes back on the producer.
/// </summary>
public sealed class ImageWriter : IAsyncDisposable
{
    /// <summary>Unflushed bytes above which the <c>WriteBoAsync</c> overloads flush.</summary>
    public const int FlushThreshold = 1024 * 1024;

    private const int FrameCapacity = FrameHeader.Size + FormatLimits.CanonicalFramePayload + RecordCodec.MaxBoRecordLength;

    private readonly PipeWriter _output;
    private readonly bool _ownsOutput;
    private readonly AbiRevision _abi;
    private byte[]? _frame;
    private int _payloadLength;
    private uint _recordCount;
    private uint _sequence;
    private FrameChain _chain;
    private ulong _boCount;
    private ulong _mappingCount;
    private long _unflushed;
    private State _state;

    /// <summary>Starts an image on <paramref name="output"/>, writing its preamble and header frame.</summary>
    /// <param name="output">Where the bytes go.</param>
    /// <param name="header">What the image says about itself.</param>
    /// <param name="ownsOutput">Complete <paramref name="output"/> when this writer is disposed.</param>
    /// <exception cref="ArgumentException"><paramref name="header"/> has a value FORMAT.md does not allow.</exception>
    public ImageWriter(PipeWriter output, ImageHeader header, bool ownsOutput = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(header);
        HeaderCodec.Validate(header);
        _output = output;
        _ownsOutput = ownsOutput;
        _abi = header.Abi;
        header = header.ImageId is null ? header with { ImageId = NewImageId() } : header;
        Header = header;
        _chain = FrameChain.ForImageId(header.ImageId!.Value);
        _frame = ArrayPool<byte>.Shared.Rent(Math.Max(FrameCapacity, FrameHeader.Size + HeaderCodec.MaxLength));

        Span<byte> preamble = stackalloc byte[Preamble.Size];
        Preamble.Current.Write(preamble);
        Emit(preamble);

        _payloadLength = HeaderCodec.Write(_frame.AsSpan(FrameHeader.Size), header);
        _recordCount = 1;
        SealFrame(FrameKind.Header);
    }

    /// <summary>Creates a writer over <paramref name="stream"/>; the stream is closed with the writer unless <paramref name="leaveOpen"/>.</summary>
    public static ImageWriter Create(Stream stream, ImageHeader header, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        PipeWriter pipe = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: FrameCapacity, leaveOpen: leaveOpen));
        return new ImageWriter(pipe, header, ownsOutput: true);
    }

    /// <summary>The header this image was started with, its <see cref="ImageHeader.ImageId"/> filled in.</summary>
    public ImageHeader Header { get; }

    /// <summary>BO records written so far.</summary>
    public ulong BoCount => _boCount;

    /// <summary>VM records written so far.</summary>
    public ulong MappingCount => _mappingCount;

    /// <summary>Bytes handed to the pipe since the last flush.</summary>
    public long UnflushedBytes => _unflushed;

    /// <summary>Writes a criu-2025-06 BO bucket and its VM buckets, as the two ioctls returned them.</summary>
    public void WriteBo(in Criu202506BoBucket bo, ReadOnlySpan<CriuVmBucket> mappings)
    {
        ExpectAbi(AbiRevision.Criu2025_06);
        WriteBoCore(BoRecord.From(bo, (uint)mappings.Length), MemoryMarshal.Cast<CriuVmBucket, VmRecord>(mappings));
    }

    /// <summary>Writes a criu-v8 BO bucket, the mmap offset where the dumper got one from GEM_MMAP, and its VM buckets.</summary>
    public void WriteBo(in CriuV8BoBucket bo, ulong? mmapOffset, ReadOnlySpan<CriuVmBucket> mappings)
    {
        ExpectAbi(AbiRevision.CriuV8);
        WriteBoCore(BoRecord.From(bo, mmapOffset, (uint)mappings.Length), MemoryMarshal.Cast<CriuVmBucket, VmRecord>(mappings));
    }

    /// <summary>Writes a linux-6.18 GEM_LIST_HANDLES entry, the mmap offset where known, and its GET_MAPPING_INFO entries.</summary>
    public void WriteBo(in GemListHandlesEntry bo, ulong? mmapOffset, ReadOnlySpan<GemVmEntry> mappings)
    {
        ExpectAbi(AbiRevision.Linux6_18);
        WriteBoCore(BoRecord.From(bo, mmapOffset, (uint)mappings.Length), MemoryMarshal.Cast<GemVmEntry, VmRecord>(mappings));
    }

    /// <summary>
    /// Writes a BO record and its VM records in the image's revision; <see cref="BoRecord.MappingCount"/> is
    /// taken from <paramref name="mappings"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A field the revision requires is null, or one it lacks is set.</exception>
    public void WriteBo(in BoRecord bo, ReadOnlySpan<VmRecord> mappings)
    {
        CheckFits(bo);
        WriteBoCore(bo with { MappingCount = (uint)mappings.Length }, mappings);
    }

    /// <summary>Writes like <see cref="WriteBo(in Criu202506BoBucket, ReadOnlySpan{CriuVmBucket})"/>, then flushes past <see cref="FlushThreshold"/>.</summary>
    public ValueTask WriteBoAsync(Criu202506BoBucket bo, ReadOnlyMemory<CriuVmBucket> mappings, CancellationToken cancellationToken = default)
    {
        WriteBo(bo, mappings.Span);
        return FlushIfNeededAsync(cancellationToken);
    }

    /// <summary>Writes like <see cref="WriteBo(in CriuV8BoBucket, ulong?, ReadOnlySpan{CriuVmBucket})"/>, then flushes past <see cref="FlushThreshold"/>.</summary>
    public ValueTask WriteBoAsync(CriuV8BoBucket bo, ulong? mmapOffset, ReadOnlyMemory<CriuVmBucket> mappings, CancellationToken cancellationToken = default)
    {
        WriteBo(bo, mmapOffset, mappings.Span);
        return FlushIfNeededAsync(cancellationToken);
    }

    /// <summary>Writes like <see cref="WriteBo(in GemListHandlesEntry, ulong?, ReadOnlySpan{GemVmEntry})"/>, then flushes past <see cref="FlushThreshold"/>.</summary>
    public ValueTask WriteBoAsync(GemListHandlesEntry bo, ulong? mmapOffset, ReadOnlyMemory<GemVmEntry> mappings, CancellationToken cancellationToken = default)
    {
        WriteBo(bo, mmapOffset, mappings.Span);
        return FlushIfNeededAsync(cancellationToken);
    }

    /// <summary>Writes like <see cref="WriteBo(in BoRecord, ReadOnlySpan{VmRecord})"/>, then flushes past <see cref="FlushThreshold"/>.</summary>
    public ValueTask WriteBoAsync(BoRecord bo, ReadOnlyMemory<VmRecord> mappings, CancellationToken cancellationToken = default)
    {
        WriteBo(bo, mappings.Span);
        return FlushIfNeededAsync(cancellationToken);
    }

    /// <summary>Pushes the frames sealed so far to the pipe's reader, waiting while it applies back-pressure.</summary>
    /// <exception cref="IOException">The pipe's reader has gone.</exception>
    /// <exception cref="OperationCanceledException">The token or the pipe cancelled the flush.</exception>
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        EnsureState(State.Open, State.Completing);
        try
        {
            FlushResult result = await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                throw new OperationCanceledException("the flush of the image was cancelled");
            }

            if (result.IsCompleted && _state == State.Open)
            {
                throw new IOException("the reader of the image's pipe completed before the image was finished");
            }

            _unflushed = 0;
        }
        catch
        {
            _state = State.Faulted;
            throw;
        }
    }

    /// <summary>Seals the last record frame, writes the trailer and flushes. Nothing may be written after.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        EnsureState(State.Open);
        if (_payloadLength > 0)
        {
            SealFrame(FrameKind.Records);
        }

        var trailer = new Trailer(_sequence, _boCount, _mappingCount, _chain.Digest);
        _payloadLength = trailer.Write(_frame.AsSpan(FrameHeader.Size));
        _recordCount = 1;
        SealFrame(FrameKind.Trailer);
        _state = State.Completing;
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        _state = State.Completed;
    }

    /// <summary>Returns the frame buffer to its pool and, when this writer owns the pipe, completes it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_frame is { } frame)
        {
            _frame = null;
            ArrayPool<byte>.Shared.Return(frame);
        }

        Exception? incomplete = null;
        if (_state != State.Completed)
        {
            _state = State.Faulted;

            // Completing with an exception tells the pipe (and a stream behind it) not to push what is
            // buffered: an unfinished image must not reach the sink as if it were whole.
            incomplete = new InvalidOperationException("the image writer was disposed before the image was complete");
        }

        if (_ownsOutput)
        {
            await _output.CompleteAsync(incomplete).ConfigureAwait(false);
        }
    }

    private void WriteBoCore(in BoRecord bo, ReadOnlySpan<VmRecord> mappings)
    {
        EnsureState(State.Open);
        try
        {
            byte[] frame = _frame!;
            Append(frame, RecordCodec.WriteBo(frame.AsSpan(FrameHeader.Size + _payloadLength), bo));
            int done = 0;
            while (done < mappings.Length)
            {
                done += AppendVmsThatFit(frame, mappings[done..]);
                if (done < mappings.Length)
                {
                    Append(frame, RecordCodec.WriteVm(frame.AsSpan(FrameHeader.Size + _payloadLength), mappings[done]));
                    done++;
                }
            }

            _boCount++;
            _mappingCount += (ulong)mappings.Length;
        }
        catch
        {
            _state = State.Faulted;
            throw;
        }
    }

    /// <summary>
    /// The hot loop: encodes VM records while even the longest one would still fit the canonical frame, so
    /// no record needs the check-and-move of <see cref="Append"/>. Returns how many it took.
    /// </summary>
    private int AppendVmsThatFit(byte[] frame, ReadOnlySpan<VmRecord> mappings)
    {
        const int lastSafeLength = FormatLimits.CanonicalFramePayload - RecordCodec.MaxVmRecordLength;
        int length = _payloadLength;
        int taken = 0;
        Span<byte> payload = frame.AsSpan(FrameHeader.Size, FormatLimits.CanonicalFramePayload);
        while (taken < mappings.Length && length <= lastSafeLength)
        {
            length += RecordCodec.WriteVm(payload[length..], mappings[taken]);
            taken++;
        }

        _payloadLength = length;
        _recordCount += (uint)taken;
        return taken;
    }

    /// <summary>Takes the record just encoded at the end of the payload, sealing the frame first when it would grow past the canonical size.</summary>
    private void Append(byte[] frame, int length)
    {
        if (_payloadLength + length > FormatLimits.CanonicalFramePayload)
        {
            int recordAt = FrameHeader.Size + _payloadLength;
            SealFrame(FrameKind.Records);
            frame.AsSpan(recordAt, length).CopyTo(frame.AsSpan(FrameHeader.Size));
        }

        _payloadLength += length;
        _recordCount++;
    }

    private void SealFrame(FrameKind kind)
    {
        Span<byte> frame = _frame.AsSpan(0, FrameHeader.Size + _payloadLength);
        Span<byte> payload = frame[FrameHeader.Size..];

        // The header frame is checked before the image id in it is known: only later frames are seeded and linked.
        bool first = kind == FrameKind.Header;
        new FrameHeader(kind, _sequence, (uint)_payloadLength, _recordCount, Crc32C.Compute(payload), first ? (ushort)0 : _chain.NextLink)
            .Write(frame, first ? ~0u : _chain.HeaderSeed);
        Emit(frame);
        if (kind != FrameKind.Trailer)
        {
            _chain.Add(frame[..FrameHeader.Size]);
        }

        _sequence++;
        _payloadLength = 0;
        _recordCount = 0;
    }

    private void Emit(ReadOnlySpan<byte> bytes)
    {
        _output.Write(bytes);
        _unflushed += bytes.Length;
    }

    private static UInt128 NewImageId()
    {
        Span<byte> bytes = stackalloc byte[FormatLimits.ImageIdBytes];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private ValueTask FlushIfNeededAsync(CancellationToken cancellationToken) =>
        _unflushed >= FlushThreshold ? FlushAsync(cancellationToken) : ValueTask.CompletedTask;

    private void ExpectAbi(AbiRevision revision)
    {
        if (_abi != revision)
        {
            throw new ArgumentException($"a {revision.ToId()} bucket cannot be written to a {_abi.ToId()} image");
        }
    }

    private void CheckFits(in BoRecord bo)
    {
        string? problem = _abi switch
        {
            AbiRevision.Criu2025_06 when bo.Offset is null => "criu-2025-06 BO records need an offset",
            AbiRevision.Linux6_18 when bo.Alignment is null => "linux-6.18 BO records need an alignment",
            not AbiRevision.Linux6_18 when bo.Alignment is not null => $"{_abi.ToId()} BO records have no alignment",
            not AbiRevision.Linux6_18 when bo.PreferredDomains > uint.MaxValue => $"{_abi.ToId()} preferred_domains is 32 bits wide",
            _ => null,
        };
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(bo));
        }
    }

    private void EnsureState(State expected, State alsoAllowed = State.Open)
    {
        if (_state != expected && _state != alsoAllowed)
        {
            throw new InvalidOperationException(_state switch
            {
                State.Faulted => "the image writer failed earlier or was disposed; the image is incomplete",
                _ => "the image is already complete",
            });
        }
    }

    private enum State
    {
        Open,
        Completing,
        Completed,
        Faulted,
    }
}
