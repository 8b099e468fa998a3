using System.Runtime.InteropServices;
using CriuImage.IO;

namespace CriuImage.Verification;

/// <summary>
/// Mapping ranges spilled by <see cref="RangeBuffer"/> to an unlinked scratch file (<see cref="ScratchFile"/>):
/// runs, each sorted by first page with ties in arrival order, and the runs themselves in arrival order. A merge
/// reads them back in the sweep's order, ties to the earlier run: the order the ranges would have had sorted in
/// memory, so the findings and their order are the same. Memory: a read buffer per run merged (48 KiB), at most
/// <see cref="FanIn"/> at once; more runs are first merged in consecutive groups into longer runs.
/// </summary>
internal sealed class RangeRuns : IDisposable
{
    /// <summary>Runs merged at once.</summary>
    public const int FanIn = 64;

    /// <summary>Ranges read or written at a time per run: 48 KiB.</summary>
    private const int BlockRanges = 2048;

    private static readonly int RangeBytes = Marshal.SizeOf<MappingRange>();

    private readonly FileStream _file = ScratchFile.Create();
    private List<(long Offset, long Count)> _runs = [];
    private long _end;

    /// <summary>The ranges in every run.</summary>
    public long Count { get; private set; }

    /// <summary>The runs on disk.</summary>
    public int RunCount => _runs.Count;

    /// <summary>
    /// Reads every range back, in order; with more than <see cref="FanIn"/> runs, consecutive groups of them are
    /// first merged into single runs on disk (arrival order between runs is kept), until at most that many remain.
    /// Ranges that came in address order (<paramref name="inOrder"/>) are read run after run, without a merge.
    /// </summary>
    public Merge MergeAll(bool inOrder)
    {
        if (inOrder)
        {
            return new Merge(this, _runs, sequential: true);
        }

        while (_runs.Count > FanIn)
        {
            var longer = new List<(long Offset, long Count)>((_runs.Count + FanIn - 1) / FanIn);
            for (int first = 0; first < _runs.Count; first += FanIn)
            {
                List<(long Offset, long Count)> group = _runs.GetRange(first, Math.Min(FanIn, _runs.Count - first));
                var writer = new Writer(this);
                var merge = new Merge(this, group, sequential: false);
                while (merge.Next(out MappingRange range))
                {
                    writer.Visit(range);
                }

                writer.End(longer);
            }

            _runs = longer;
        }

        return new Merge(this, _runs, sequential: false);
    }

    public void Dispose() => _file.Dispose();

    private void Write(ReadOnlySpan<MappingRange> ranges)
    {
        try
        {
            RandomAccess.Write(_file.SafeFileHandle, MemoryMarshal.AsBytes(ranges), _end);
        }
        catch (IOException e)
        {
            throw new IOException($"cannot spill the overlap check's page ranges to {Path.GetTempPath()}: {e.Message}", e);
        }

        _end += (long)ranges.Length * RangeBytes;
    }

    /// <summary>Writes one run, range by range, in the order given (a visitor of the in-memory sort).</summary>
    public struct Writer(RangeRuns runs) : OverlapSweep.IVisitor
    {
        private readonly long _start = runs._end;
        private MappingRange[] _block = new MappingRange[BlockRanges];
        private int _inBlock;
        private long _count;

        public void Visit(in MappingRange range)
        {
            if (_inBlock == _block.Length)
            {
                runs.Write(_block);
                _inBlock = 0;
            }

            _block[_inBlock++] = range;
            _count++;
        }

        /// <summary>Ends the run and adds it to the runs (or to <paramref name="into"/>, a list of runs being rebuilt).</summary>
        public void End(List<(long Offset, long Count)>? into = null)
        {
            runs.Write(_block.AsSpan(0, _inBlock));
            (into ?? runs._runs).Add((_start, _count));
            if (into is null)
            {
                runs.Count += _count;
            }

            _block = [];
        }
    }

    /// <summary>
    /// A k-way merge of runs: the smallest first page next, ties to the earlier run; or, for runs known to be in
    /// order, each run to its end before the next (one read buffer).
    /// </summary>
    public sealed class Merge
    {
        private readonly RangeRuns _runs;
        private readonly List<(long Offset, long Count)> _which;
        private readonly Cursor[] _cursors;
        private readonly PriorityQueue<int, (ulong First, int Run)> _next = new();
        private readonly bool _sequential;
        private int _sequentialRun;

        internal Merge(RangeRuns runs, List<(long Offset, long Count)> which, bool sequential)
        {
            _runs = runs;
            _which = which;
            _sequential = sequential;
            _cursors = new Cursor[sequential ? Math.Min(which.Count, 1) : which.Count];
            for (int i = 0; i < _cursors.Length; i++)
            {
                _cursors[i] = new Cursor(which[i].Offset, which[i].Count);
                if (Fill(i))
                {
                    _next.Enqueue(i, (_cursors[i].Current.First, i));
                }
            }
        }

        public bool Next(out MappingRange range)
        {
            if (_sequential)
            {
                return NextInSequence(out range);
            }

            if (!_next.TryDequeue(out int run, out _))
            {
                range = default;
                return false;
            }

            Cursor cursor = _cursors[run];
            range = cursor.Current;
            cursor.At++;
            if (cursor.At < cursor.Filled || Fill(run))
            {
                _next.Enqueue(run, (cursor.Current.First, run));
            }

            return true;
        }

        private bool NextInSequence(out MappingRange range)
        {
            while (_cursors.Length > 0)
            {
                Cursor cursor = _cursors[0];
                if (cursor.At < cursor.Filled || Fill(0))
                {
                    range = cursor.Current;
                    cursor.At++;
                    return true;
                }

                if (++_sequentialRun == _which.Count)
                {
                    break;
                }

                cursor.Offset = _which[_sequentialRun].Offset;
                cursor.Left = _which[_sequentialRun].Count;
            }

            range = default;
            return false;
        }

        /// <summary>Reads the run's next block; false at its end.</summary>
        private bool Fill(int run)
        {
            Cursor cursor = _cursors[run];
            int n = (int)Math.Min(cursor.Left, cursor.Block.Length);
            if (n == 0)
            {
                return false;
            }

            Span<byte> bytes = MemoryMarshal.AsBytes(cursor.Block.AsSpan(0, n));
            int read = 0;
            while (read < bytes.Length)
            {
                int got = RandomAccess.Read(_runs._file.SafeFileHandle, bytes[read..], cursor.Offset + read);
                if (got == 0)
                {
                    throw new IOException($"the overlap check's scratch file in {Path.GetTempPath()} ended early");
                }

                read += got;
            }

            cursor.Offset += bytes.Length;
            cursor.Left -= n;
            cursor.At = 0;
            cursor.Filled = n;
            return true;
        }

        private sealed class Cursor(long offset, long count)
        {
            public MappingRange[] Block { get; } = new MappingRange[BlockRanges];

            public long Offset { get; set; } = offset;

            public long Left { get; set; } = count;

            public int At { get; set; }

            public int Filled { get; set; }

            public MappingRange Current => Block[At];
        }
    }
}
