using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CriuImage.IO;

namespace CriuImage.Verification;

/// <summary>
/// The pair sweep's open ranges in the order the sweep met them (first page, then BO and mapping): the first
/// <see cref="HeldAtMost"/> in memory, the rest appended to an unlinked scratch file (<see cref="ScratchFile"/>) and
/// moved into memory as room is made. A range is closed once the sweep passes its last page and is then dropped
/// wherever it is met; it never opens again. Memory stays at the held ranges and a block of the file whatever the
/// number open (10^7 identical mappings were 10^7 ranges in a priority queue, about 320 MB).
/// </summary>
internal sealed class OpenRanges : IDisposable
{
    /// <summary>Ranges held in memory: 1.5 MiB.</summary>
    public const int HeldAtMost = 1 << 16;

    /// <summary>Ranges read or written at a time in the file (48 KiB).</summary>
    private const int BlockRecords = 2048;

    private static readonly int RecordBytes = Unsafe.SizeOf<MappingRange>();

    private readonly int _heldAtMost;
    private readonly MappingRange[] _held;
    private readonly MappingRange[] _block = new MappingRange[BlockRecords];
    private readonly List<MappingRange> _appended = [];
    private FileStream? _file;
    private int _start;
    private int _count;
    private long _fileRead;
    private long _fileEnd;

    /// <summary>An empty set holding at most <paramref name="heldAtMost"/> ranges in memory.</summary>
    public OpenRanges(int heldAtMost = HeldAtMost)
    {
        _heldAtMost = heldAtMost;
        _held = new MappingRange[heldAtMost];
    }

    /// <summary>True while some range waits in the file (or in the block appended to it).</summary>
    private bool Overflowing => _fileRead < _fileEnd || _appended.Count > 0;

    /// <summary>Adds <paramref name="range"/>, the latest in sweep order; the sweep is at page <paramref name="page"/>.</summary>
    public void Add(in MappingRange range, ulong page)
    {
        if (!Overflowing && _count == _heldAtMost)
        {
            Compact(page);
        }

        // Once a range waits in the file every later one follows it there, so the order is kept.
        if (Overflowing || _count == _heldAtMost)
        {
            _appended.Add(range);
            if (_appended.Count == BlockRecords)
            {
                Flush();
            }

            return;
        }

        _held[(_start + _count) % _heldAtMost] = range;
        _count++;
    }

    /// <summary>
    /// Hands the first <paramref name="most"/> ranges still open at page <paramref name="page"/> to
    /// <paramref name="take"/>, in sweep order; the closed ones met on the way are dropped.
    /// </summary>
    public void First(ulong page, int most, List<MappingRange> take)
    {
        take.Clear();
        while (_count > 0 && _held[_start].Last < page)
        {
            _start = (_start + 1) % _heldAtMost;
            _count--;
        }

        TakeHeld(page, most, take);
        if (take.Count == most || !Overflowing)
        {
            return;
        }

        // Room made by the closed ones is filled from the file, in order, before the file is read past it.
        Compact(page);
        int before = _count;
        Refill(page);
        for (int i = before; i < _count && take.Count < most; i++)
        {
            take.Add(_held[(_start + i) % _heldAtMost]);
        }

        if (take.Count < most && Overflowing)
        {
            ReadWaiting(page, most, take);
        }
    }

    public void Dispose() => _file?.Dispose();

    private void TakeHeld(ulong page, int most, List<MappingRange> take)
    {
        for (int i = 0; i < _count && take.Count < most; i++)
        {
            ref MappingRange range = ref _held[(_start + i) % _heldAtMost];
            if (range.Last >= page)
            {
                take.Add(range);
            }
        }
    }

    /// <summary>Drops the closed ranges held, keeping the order of the others (each moves back, never past one unread).</summary>
    private void Compact(ulong page)
    {
        int kept = 0;
        for (int i = 0; i < _count; i++)
        {
            MappingRange range = _held[(_start + i) % _heldAtMost];
            if (range.Last >= page)
            {
                _held[(_start + kept) % _heldAtMost] = range;
                kept++;
            }
        }

        _count = kept;
    }

    /// <summary>Moves the open ranges waiting in the file into memory while there is room.</summary>
    private void Refill(ulong page)
    {
        while (_count < _heldAtMost && _fileRead < _fileEnd)
        {
            int n = ReadBlock(_fileRead, Math.Min(BlockRecords, _heldAtMost - _count));
            for (int i = 0; i < n; i++)
            {
                if (_block[i].Last >= page)
                {
                    _held[(_start + _count) % _heldAtMost] = _block[i];
                    _count++;
                }
            }

            _fileRead += n;
        }

        int moved = 0;
        while (_count < _heldAtMost && _fileRead == _fileEnd && moved < _appended.Count)
        {
            MappingRange range = _appended[moved++];
            if (range.Last >= page)
            {
                _held[(_start + _count) % _heldAtMost] = range;
                _count++;
            }
        }

        _appended.RemoveRange(0, moved);
        if (_fileRead == _fileEnd)
        {
            // The file is empty again: its space is written over from the start.
            _fileRead = _fileEnd = 0;
        }
    }

    /// <summary>Hands over open ranges waiting in the file without moving them (memory is full of open ones).</summary>
    private void ReadWaiting(ulong page, int most, List<MappingRange> take)
    {
        for (long at = _fileRead; at < _fileEnd && take.Count < most;)
        {
            int n = ReadBlock(at, BlockRecords);
            for (int i = 0; i < n && take.Count < most; i++)
            {
                if (_block[i].Last >= page)
                {
                    take.Add(_block[i]);
                }
            }

            at += n;
        }

        for (int i = 0; i < _appended.Count && take.Count < most; i++)
        {
            if (_appended[i].Last >= page)
            {
                take.Add(_appended[i]);
            }
        }
    }

    private void Flush()
    {
        _file ??= ScratchFile.Create();
        ScratchFile.Write(_file.SafeFileHandle, MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(_appended)), _fileEnd * RecordBytes);
        _fileEnd += _appended.Count;
        _appended.Clear();
    }

    /// <summary>Reads up to <paramref name="most"/> ranges of the file from record <paramref name="at"/> into the block.</summary>
    private int ReadBlock(long at, int most)
    {
        int n = (int)Math.Min(most, _fileEnd - at);
        Span<byte> bytes = MemoryMarshal.AsBytes(_block.AsSpan(0, n));
        ScratchFile.Read(_file!.SafeFileHandle, bytes, at * RecordBytes);
        return n;
    }
}
