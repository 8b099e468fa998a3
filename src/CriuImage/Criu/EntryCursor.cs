using System.Runtime.CompilerServices;
using CriuImage.Format;

namespace CriuImage.Criu;

/// <summary>
/// Reads a render node's <c>drm_bo_entry</c> fields again from its file, one after another, as the reader read them the
/// first time (<see cref="RenderNodeWire"/>): the values of an entry are made anew on each pass instead of held for
/// the whole run. Each cursor has its own window on the file, so two walks of one node do not disturb each other.
/// The mappings it hands out are slices of shared chunks never written twice, so an entry stays whole after the
/// cursor moves on.
/// </summary>
internal sealed class EntryCursor
{
    private const int VmChunk = 1 << 13;

    private readonly WireWindow _file;
    private readonly long _end;
    private readonly bool _d5377d5d2;
    private readonly List<VmRecord> _vmList = [];
    private readonly List<CriuProblem> _ignored = [];
    private readonly ulong[] _boValues = new ulong[11];
    private readonly long[] _boAt = new long[11];
    private readonly ulong[] _vmValues = new ulong[5];
    private readonly long[] _vmAt = new long[5];
    private readonly StrongBox<long>? _reads;
    private VmRecord[] _vms = [];
    private int _vmsUsed;

    /// <summary>A cursor on the entries of the message ending at <paramref name="end"/> in <paramref name="file"/>; each entry it reads adds one to <paramref name="reads"/>, where given.</summary>
    public EntryCursor(WireWindow file, long end, bool d5377d5d2, StrongBox<long>? reads)
    {
        _file = file;
        _end = end;
        _d5377d5d2 = d5377d5d2;
        _reads = reads;
    }

    /// <summary>The entry the cursor last read (its <see cref="Index"/>-th).</summary>
    public DrmBo Current;

    /// <summary>The index of <see cref="Current"/> among the node's entries; -1 before the first read.</summary>
    public int Index { get; private set; } = -1;

    /// <summary>Where the field after <see cref="Current"/> begins.</summary>
    public long Next { get; private set; }

    /// <summary>Reads the entry that is the first <c>bo_entries</c> field at or after <paramref name="at"/> into <see cref="Current"/>, as the node's <paramref name="index"/>-th.</summary>
    public void Read(long at, int index)
    {
        while (true)
        {
            ProtobufReader reader = _file.Field(at, _end);
            (uint number, int wire) = reader.ReadKey();
            if (number != 5 || wire != 2)
            {
                // A field between entries: read past it as the first walk did.
                reader.Skip(wire, number);
                at = reader.Offset;
                continue;
            }

            ProtobufReader entry = reader.ReadMessage(5, "bo_entries");
            Current = Made(ref entry);
            if (_reads is not null)
            {
                Interlocked.Increment(ref _reads.Value);
            }

            Index = index;
            Next = reader.Offset;
            return;
        }
    }

    /// <summary>Reads past the next entry at or after <paramref name="at"/> without making its values: where the field after it begins.</summary>
    public long SkipEntry(long at)
    {
        while (true)
        {
            ProtobufReader reader = _file.Field(at, _end);
            (uint number, int wire) = reader.ReadKey();
            reader.Skip(wire, number);
            if (number == 5 && wire == 2)
            {
                return reader.Offset;
            }

            at = reader.Offset;
        }
    }

    private DrmBo Made(ref ProtobufReader entry)
    {
        if (_d5377d5d2)
        {
            var d5377d5d2 = new FieldReader(_boValues, _boAt, CriuSchemas.DrmBoD5377d5d2.Required);
            DrmBo old = RenderNodeWire.ReadD5377d5d2Bo(ref entry, ref d5377d5d2, _ignored);
            _ignored.Clear();
            return old;
        }

        var bo = new FieldReader(_boValues, _boAt, CriuSchemas.DrmBoCriuDev.Required);
        var vm = new FieldReader(_vmValues, _vmAt, CriuSchemas.DrmVm.Required);
        DrmBo values = RenderNodeWire.ReadBo(ref entry, ref bo, ref vm, _vmList, _ignored);
        _ignored.Clear();
        if (_vmList.Count == 0)
        {
            return values;
        }

        if (_vms.Length - _vmsUsed < _vmList.Count)
        {
            _vms = new VmRecord[Math.Max(VmChunk, _vmList.Count)];
            _vmsUsed = 0;
        }

        _vmList.CopyTo(_vms, _vmsUsed);
        values = values.WithVms(_vms, _vmsUsed, _vmList.Count);
        _vmsUsed += _vmList.Count;
        return values;
    }
}
