using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CriuImage.IO;

namespace CriuImage.Verification;

/// <summary>
/// Records spilled by <see cref="SpillBuffer{T}"/> to an unlinked scratch file (<see cref="ScratchFile"/>), as they
/// lie in memory: runs, each sorted by key with ties in arrival order, and the runs themselves in arrival order.
/// A merge reads them back by key, ties to the earlier run: the order the records would have had sorted in
/// memory. Memory: a read buffer per run merged (<see cref="BlockRecords"/> records), at most
/// <see cref="FanIn"/> at once; more runs are first merged in consecutive groups into longer runs.
/// </summary>
internal sealed class SpillRuns<T> : IDisposable
    where T : unmanaged, ISpillRecord
{
    /// <summary>Runs merged at once.</summary>
    public const int FanIn = 64;

    /// <summary>Records read or written at a time per run (48 KiB of page ranges).</summary>
    private const int BlockRecords = 2048;

    private static readonly int RecordBytes = Unsafe.SizeOf<T>();

    private readonly FileStream _file = ScratchFile.Create();
    private List<(long Offset, long Count)> _runs = [];
    private long _end;

    /// <summary>The records in every run.</summary>
    public long Count { get; private set; }

    /// <summary>The runs on disk.</summary>
    public int RunCount => _runs.Count;

    /// <summary>
    /// Reads every record back, in order; with more than <see cref="FanIn"/> runs, consecutive groups of them are
    /// first merged into single runs on disk (arrival order between runs is kept), until at most that many remain.
    /// Records that came in key order (<paramref name="inOrder"/>) are read run after run, without a merge.
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
                var writer = new RunWriter(this);
                var merge = new Merge(this, group, sequential: false);
                while (merge.Next(out T item))
                {
                    writer.Visit(item);
                }

                writer.End(longer);
            }

            _runs = longer;
        }

        return new Merge(this, _runs, sequential: false);
    }

    public void Dispose() => _file.Dispose();

    private void Write(ReadOnlySpan<T> records)
    {
        ScratchFile.Write(_file.SafeFileHandle, MemoryMarshal.AsBytes(records), _end);
        _end += (long)records.Length * RecordBytes;
    }

    /// <summary>Writes one run, record by record, in the order given (a visitor of the in-memory sort).</summary>
    public struct RunWriter(SpillRuns<T> runs) : IOrderedVisitor<T>
    {
        private readonly long _start = runs._end;
        private T[] _block = new T[BlockRecords];
        private int _inBlock;
        private long _count;

        public void Visit(in T item)
        {
            if (_inBlock == _block.Length)
            {
                runs.Write(_block);
                _inBlock = 0;
            }

            _block[_inBlock++] = item;
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
    /// A k-way merge of runs: the smallest key next, ties to the earlier run; or, for runs known to be in
    /// order, each run to its end before the next (one read buffer).
    /// </summary>
    public sealed class Merge
    {
        private readonly SpillRuns<T> _runs;
        private readonly List<(long Offset, long Count)> _which;
        private readonly Cursor[] _cursors;
        private readonly PriorityQueue<int, (ulong Key, int Run)> _next = new();
        private readonly bool _sequential;
        private int _sequentialRun;

        internal Merge(SpillRuns<T> runs, List<(long Offset, long Count)> which, bool sequential)
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
                    _next.Enqueue(i, (_cursors[i].Current.SortKey, i));
                }
            }
        }

        public bool Next(out T item)
        {
            if (_sequential)
            {
                return NextInSequence(out item);
            }

            if (!_next.TryDequeue(out int run, out _))
            {
                item = default;
                return false;
            }

            Cursor cursor = _cursors[run];
            item = cursor.Current;
            cursor.At++;
            if (cursor.At < cursor.Filled || Fill(run))
            {
                _next.Enqueue(run, (cursor.Current.SortKey, run));
            }

            return true;
        }

        private bool NextInSequence(out T item)
        {
            while (_cursors.Length > 0)
            {
                Cursor cursor = _cursors[0];
                if (cursor.At < cursor.Filled || Fill(0))
                {
                    item = cursor.Current;
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

            item = default;
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
            ScratchFile.Read(_runs._file.SafeFileHandle, bytes, cursor.Offset);
            cursor.Offset += bytes.Length;
            cursor.Left -= n;
            cursor.At = 0;
            cursor.Filled = n;
            return true;
        }

        private sealed class Cursor(long offset, long count)
        {
            public T[] Block { get; } = new T[BlockRecords];

            public long Offset { get; set; } = offset;

            public long Left { get; set; } = count;

            public int At { get; set; }

            public int Filled { get; set; }

            public T Current => Block[At];
        }
    }
}
