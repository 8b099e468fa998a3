using CriuImage.Abi;
using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Format;
using CriuImage.IO;
using CriuImage.Kernel;
using CriuImage.Scanning;
using CriuImage.Verification;

namespace CriuImage.Restore;

/// <summary>
/// Makes the calls of <see cref="RestorePlan"/> from an image as a scan reads it, in one of two readings. The
/// survey (no receiver) runs the shared rules and counts the refused calls, with what the overlap sweep needs (a
/// page range per mapping, a handle and first call per BO, spilled to disk past a budget); the emitting reading
/// (a receiver) makes each call again, in the same order, runs the rules per record again for its refusals (the
/// survey holds none: an image whose every mapping breaks a rule would hold a finding per mapping), adds CRI105
/// and the overlaps the survey found, by call, and hands it over: no call outlives its hand-over. A plan of a
/// render node's held BOs keeps its refusals by call instead (<see cref="Survey.HoldsRefusals"/>), which the
/// replay reads without making the calls.
/// </summary>
internal sealed class PlanCallScan(KernelProfile? target, PlanCallScan.Survey survey, Action<PlannedCall>? receiver) : IImageScanHandler, IDiagnosticSink
{
    /// <summary>Where a BO's calls stand among its first three: create (or import), CHANGE_HANDLE, GEM_MMAP.</summary>
    private const int ChangeHandleAt = 1;
    private const int MmapAt = 2;
    internal const int BoCalls = 3;
    private const int FirstCallStride = 64;

    /// <summary>Where a refusal goes among a BO's calls: its first three, or its current mapping's GEM_VA.</summary>
    private const int VaSlot = 3;

    // The survey's alone over a render node's BOs; an image read from its file finds CRI105 once it is read.
    private readonly ImageWideRules? _wide = receiver is null && survey.Store is { } store ? new(store) : null;
    private readonly List<Diagnostic>?[] _own = new List<Diagnostic>?[VaSlot + 1];
    private IEnumerator<DuplicateHandle>? _duplicates;
    private RefusedCallCursor? _refused;
    private bool _duplicatesLeft;
    private int _refusedOfBo;
    private long _lastVaRefused = -1;
    private bool _handlesRise = true;
    private uint _lastHandle;
    private long? _stop;
    private int _boIndex = -1;
    private ImageHeader? _header;
    private VmRules? _vmRules;
    private BoRecord _bo;
    private long _firstCallOfBo;
    private ImageFormatException? _damage;
    private IEnumerator<OverlapRefusal>? _overlaps;
    private bool _overlapsStarted;
    private bool _overlapsLeft;

    /// <summary>What the survey learns: the counts and the refusals, by call index.</summary>
    internal sealed class Survey
    {
        /// <summary>With <see cref="HoldsRefusals"/>: the refusals of the rules per record, by call index.</summary>
        public Dictionary<long, List<Diagnostic>> Refusals { get; } = [];

        /// <summary>True for a plan of a render node's held BOs: its refusals are kept by call in <see cref="Refusals"/>; otherwise each reading runs the rules again.</summary>
        public bool HoldsRefusals => Store is not null;

        /// <summary>The calls with a refusal of the rules per record (CRI105 among them).</summary>
        public long RefusedByRules => HoldsRefusals ? Refusals.Count : RefusedByRecords;

        /// <summary>Without <see cref="HoldsRefusals"/>: the calls the rules per record refuse, counted.</summary>
        public long RefusedByRecords { get; set; }

        /// <summary>Without <see cref="HoldsRefusals"/>: the index of each call the rules per record refuse (CRI105's among them), so that a reading runs the rules again only on the records whose calls they refuse.</summary>
        public SpillBuffer<RefusedCall>? RefusedCalls { get; set; }

        /// <summary>Without <see cref="HoldsRefusals"/>, while the survey reads: each BO's handle and where it is, for CRI105.</summary>
        public SpillBuffer<HandleSeen>? Handles { get; set; }

        /// <summary>Without <see cref="HoldsRefusals"/>: CRI105 by BO, read in order as each reading makes the calls.</summary>
        public SpillBuffer<DuplicateHandle>? Duplicates { get; set; }

        /// <summary>The overlap refusals (CRI205) by call, made into findings as each call is handed over; null before the survey ends.</summary>
        public SpillBuffer<OverlapRefusal>? Overlaps { get; set; }

        /// <summary>The calls refused for overlaps alone (not in <see cref="Refusals"/>).</summary>
        public long OverlapOnlyCalls { get; set; }

        /// <summary>The mappings' page ranges for the overlap sweep; let go once the survey ends.</summary>
        public SpillBuffer<MappingRange>? Ranges { get; set; } = new(MappingRange.HeldAtMost);

        /// <summary>Per BO in image order: its saved handle and the index of its first call; let go once the survey ends.</summary>
        public ScratchArray<BoCall>? Bos { get; set; }

        /// <summary>A render node's BOs when the plan is made from their values: handles and first calls are read back from them, and <see cref="Bos"/> is null.</summary>
        public RenderNodeBos? Store { get; init; }

        /// <summary>With <see cref="Store"/>: the first call of every <see cref="FirstCallStride"/>-th BO, the rest counted on from it.</summary>
        public List<long> FirstCalls { get; } = [];

        public long BoCount { get; set; }

        /// <summary>The saved handle of the first BO, whose CHANGE_HANDLE is call 1.</summary>
        public uint? FirstHandle { get; set; }

        public long Calls { get; set; }

        /// <summary>The index of the first call a refusal makes fail, where CRIU's restore stops (<see cref="PlanStop"/>); null when none.</summary>
        public long? Stop { get; set; }

        public long Mappings { get; set; }

        public ImageHeader? Header { get; set; }

        /// <summary>The saved handle of BO <paramref name="bo"/> (its ordinal in the image).</summary>
        public uint HandleOf(int bo) => Store is { } store ? store.HandleAt(bo) : Bos![bo].Handle;

        /// <summary>A survey of an image read from its file: the BOs' handles and first calls held up to 4 MiB, the rest on disk.</summary>
        public static Survey OfFile() => new()
        {
            Bos = new(32),
            RefusedCalls = new(RefusedCall.HeldAtMost),
            Handles = new(HandleSeen.HeldAtMost),
        };

        /// <summary>The index of BO <paramref name="bo"/>'s first call: each BO before it makes <see cref="BoCalls"/> calls and a GEM_VA per mapping.</summary>
        public long FirstCallOf(int bo)
        {
            if (Store is not { } store)
            {
                return Bos![bo].FirstCall;
            }

            long call = FirstCalls[bo / FirstCallStride];
            for (int k = bo - (bo % FirstCallStride); k < bo; k++)
            {
                call += BoCalls + store.At(k).VmEntries.Length;
            }

            return call;
        }

        public KernelProfile? Target { get; set; }

        public void Refuse(long call, Diagnostic diagnostic)
        {
            if (!Refusals.TryGetValue(call, out List<Diagnostic>? list))
            {
                Refusals[call] = list = [];
            }

            list.Add(diagnostic);
        }
    }

    /// <summary>The number of calls made so far.</summary>
    public long Calls { get; private set; }

    public void OnHeader(Preamble preamble, ImageHeader header)
    {
        _header = header;
        _vmRules = new VmRules(header, target, fastPath: false);
    }

    public void OnBo(in BoRecord bo, long offset)
    {
        _bo = bo;
        _boIndex++;
        _firstCallOfBo = Calls;
        _refusedOfBo = 0;
        uint handle = bo.GemHandle;
        if (receiver is not null)
        {
            Array.Clear(_own);
            if (!survey.HoldsRefusals)
            {
                // The refusals the survey counted, made again: CRI105 first, then the rules', as the survey met them;
                // a record none of whose calls the survey found refused (the usual one) is not checked again.
                if (NextDuplicate() is { } duplicate)
                {
                    Add(ImageWideRules.Duplicate(duplicate.Handle, duplicate.FirstAt, duplicate.Offset));
                }

                _refused ??= new RefusedCallCursor(survey.RefusedCalls!);
                if (_refused.Has(Calls) | _refused.Has(Calls + ChangeHandleAt) | _refused.Has(Calls + MmapAt))
                {
                    BoRules.Check(bo, _header!, _vmRules!.Target, offset, this);
                }
            }

            MakeBo(bo);
            return;
        }

        // The survey counts the calls; their arguments are made only to be handed over.
        Calls += BoCalls;
        survey.FirstHandle ??= handle;
        if (survey.Store is null)
        {
            survey.Bos!.Add(new BoCall(handle, _firstCallOfBo));
            survey.Handles!.Add(new HandleSeen(handle, _boIndex, offset));
            _handlesRise &= _boIndex == 0 || handle > _lastHandle;
            _lastHandle = handle;
        }
        else
        {
            if (_boIndex % FirstCallStride == 0)
            {
                survey.FirstCalls.Add(_firstCallOfBo);
            }

            if (_wide!.CheckHandle(_boIndex) is { } duplicate)
            {
                Add(duplicate);
            }
        }

        BoRules.Check(bo, _header!, _vmRules!.Target, offset, this);
    }

    public void OnVm(in VmRecord vm, uint index, long offset)
    {
        if (receiver is not null)
        {
            _own[VaSlot] = null;
            if (!survey.HoldsRefusals && _refused!.Has(Calls))
            {
                _vmRules!.Check(vm, index, _bo, _boIndex, offset, this);
            }

            MakeVa(vm, index);
            return;
        }

        Calls++;
        survey.Mappings++;

        // The range names its BO by ordinal; its GEM_VA call is that BO's first call + 3 + the mapping's index.
        if (_vmRules!.Check(vm, index, _bo, _boIndex, offset, this) is { } range)
        {
            survey.Ranges!.Add(range);
        }
    }

    public void OnDamage(ImageDamage damage, long offset, uint? frame, string detail, bool fatal)
    {
        // A format 1.0 image's weak digest is no damage: every other reader reads it, and so does the restore.
        if (damage != ImageDamage.WeakDigest)
        {
            _damage ??= new ImageFormatException(offset, detail, frame);
        }
    }

    public void OnTrailer(Trailer trailer)
    {
    }

    /// <summary>Ends the survey: the damage found, else CRI105 (an image read from its file) and the overlaps (verify's CRI205, one refusal per overlapping pair).</summary>
    /// <exception cref="ImageFormatException">The image is damaged.</exception>
    public void FinishSurvey()
    {
        ThrowIfDamaged();
        Survey s = survey;
        s.Calls = Calls;
        s.Header = _header;
        s.Target = _vmRules!.Target;
        if (!s.HoldsRefusals)
        {
            FindDuplicates();
        }

        var overlaps = new SpillBuffer<OverlapRefusal>(OverlapRefusal.HeldAtMost);
        OverlapSweep.Pairs(
            s.Ranges!,
            (first, second) =>
            {
                // The sweep pairs in address order; the refusal goes on the GEM_VA CRIU makes later.
                (MappingRange range, MappingRange other) = ImageWideRules.MappedLater(first, second) ? (first, second) : (second, first);
                overlaps.Add(new OverlapRefusal(s.FirstCallOf(range.Bo) + BoCalls + range.Mapping, range, s.HandleOf(range.Bo), other, s.HandleOf(other.Bo), 0));
                return true;
            },
            OverlapRefusal.ListedPerCall,
            (range, more) => overlaps.Add(new OverlapRefusal(s.FirstCallOf(range.Bo) + BoCalls + range.Mapping, range, s.HandleOf(range.Bo), default, 0, more)));
        long last = -1;
        s.Stop = _stop;
        using RefusedCallCursor? own = s.HoldsRefusals ? null : new(s.RefusedCalls!);
        if (own is not null)
        {
            s.RefusedByRecords = RefusedCallCursor.Distinct(s.RefusedCalls!);
        }

        foreach (OverlapRefusal refusal in overlaps.Ordered())
        {
            // A CRI205 refusal is -EINVAL; the overlaps come in call order, so the first is the earliest.
            if (last < 0)
            {
                s.Stop = PlanStop.First(s.Stop, refusal.Call);
            }

            if (refusal.Call != last && !(own?.Has(refusal.Call) ?? s.Refusals.ContainsKey(refusal.Call)))
            {
                s.OverlapOnlyCalls++;
            }

            last = refusal.Call;
        }

        s.Overlaps = overlaps;
        s.BoCount = _boIndex + 1;
        s.Ranges!.Dispose();
        s.Ranges = null;
        s.Bos?.Dispose();
        s.Bos = null;
    }

    /// <summary>
    /// CRI105 of an image read from its file: the BOs' handles sorted (on disk past a budget), each after the first
    /// of its handle a duplicate, kept by BO for the readings that make the calls; its CHANGE_HANDLE is refused. Handles
    /// that rose through the image (the usual case) have none.
    /// </summary>
    private void FindDuplicates()
    {
        SpillBuffer<DuplicateHandle> duplicates = _handlesRise ? new(DuplicateHandle.HeldAtMost) : DuplicateHandles.Of(survey.Handles!);

        survey.Handles!.Dispose();
        survey.Handles = null;
        bool earliest = true;
        foreach (DuplicateHandle duplicate in duplicates.Ordered())
        {
            long call = survey.FirstCallOf(duplicate.Bo) + ChangeHandleAt;
            survey.RefusedCalls!.Add(new RefusedCall(call));
            if (earliest && PlanStop.Ends(ImageWideRules.Duplicate(duplicate.Handle, duplicate.FirstAt, duplicate.Offset)))
            {
                _stop = PlanStop.First(_stop, call);
            }

            earliest = false;
        }

        survey.Duplicates = duplicates;
    }

    /// <summary>Throws the first damage the scan met, or that it met no header.</summary>
    public void ThrowIfDamaged()
    {
        if (_damage is not null || _header is null)
        {
            throw _damage ?? new ImageFormatException(0, "no header");
        }
    }

    /// <summary>The emitting reading: a BO's create (or import), CHANGE_HANDLE and GEM_MMAP.</summary>
    private void MakeBo(in BoRecord bo)
    {
        uint handle = bo.GemHandle;
        if ((bo.Flags & (uint)BoFlags.IsImport) != 0)
        {
            Make(RestoreCall.PrimeImport, IoctlRequests.PrimeFdToHandle, handle, null, [], []);
        }
        else
        {
            ulong alignment = bo.Alignment ?? 4096;
            CallArgument[] repaired = bo.Alignment is > 1 ? [new("alignment", BoRules.AlignmentInBytes(bo))] : [];
            Make(RestoreCall.GemCreate, IoctlRequests.GemCreate, handle, null, [new("bo_size", bo.Size), new("alignment", alignment), new("domains", bo.PreferredDomains), new("domain_flags", bo.AllocFlags)], repaired);
        }

        Make(RestoreCall.ChangeHandle, IoctlRequests.GemChangeHandle, handle, null, [new("new_handle", handle)], []);
        Make(RestoreCall.GemMmap, IoctlRequests.GemMmap, handle, null, [new("handle", handle)], []);
    }

    /// <summary>The emitting reading: a mapping's GEM_VA, with what a restorer passes instead where it can repair it.</summary>
    private void MakeVa(in VmRecord vm, uint index)
    {
        (ulong? address, ulong? size) = _vmRules!.SavedArguments(vm);
        CallArgument[] repaired = [];
        if (_vmRules.Repair(vm) is { } repair)
        {
            repaired = [.. repair.Address != address ? [new CallArgument("va_address", repair.Address)] : Array.Empty<CallArgument>(), .. repair.Flags != vm.Flags ? [new CallArgument("flags", repair.Flags)] : Array.Empty<CallArgument>()];
        }

        Make(RestoreCall.GemVa, IoctlRequests.GemVa, _bo.GemHandle, index, [new("operation", GemVaArgs.OpMap), new("flags", vm.Flags), new("va_address", address ?? 0), new("offset_in_bo", vm.Offset), new("map_size", size ?? 0)], repaired);
    }

    private void Make(RestoreCall call, uint request, uint handle, uint? mapping, CallArgument[] arguments, CallArgument[] repaired)
    {
        long index = Calls++;
        IReadOnlyList<Diagnostic> own = survey.HoldsRefusals
            ? survey.Refusals.TryGetValue(index, out List<Diagnostic>? listed) ? listed : []
            : (IReadOnlyList<Diagnostic>?)_own[mapping is null ? (int)(index - _firstCallOfBo) : VaSlot] ?? [];
        receiver!(new PlannedCall
        {
            Call = call,
            Request = request,
            GemHandle = handle,
            Mapping = mapping,
            Arguments = arguments,
            Repaired = repaired,
            Refusals = RefusalsOf(index, own),
        });
    }

    /// <summary>The refusals of call <paramref name="index"/>: the rules' per record (<paramref name="refusals"/>), then the overlaps (read in call order as the calls are made).</summary>
    private IReadOnlyList<Diagnostic> RefusalsOf(long index, IReadOnlyList<Diagnostic> refusals)
    {
        _overlaps ??= survey.Overlaps!.Ordered().GetEnumerator();
        if (!_overlapsStarted)
        {
            _overlapsStarted = true;
            _overlapsLeft = _overlaps.MoveNext();
        }

        if (!_overlapsLeft || _overlaps.Current.Call != index)
        {
            return refusals;
        }

        List<Diagnostic> all = [.. refusals];
        while (_overlapsLeft && _overlaps.Current.Call == index)
        {
            all.Add(_overlaps.Current.ToDiagnostic());
            _overlapsLeft = _overlaps.MoveNext();
        }

        return all;
    }

    /// <summary>
    /// Puts an error of the restore family beside the call it breaks: the survey counts it (or, holding refusals,
    /// keeps it by call), the emitting reading lists it on the call it is about to make; other findings are verify's
    /// business.
    /// </summary>
    public void Add(Diagnostic diagnostic)
    {
        if (diagnostic.Call is not { } kind || diagnostic.Severity != Severity.Error)
        {
            return;
        }

        int slot = kind switch
        {
            RestoreCall.GemVa => VaSlot,
            RestoreCall.ChangeHandle => ChangeHandleAt,
            RestoreCall.GemMmap => MmapAt,
            RestoreCall.PrimeImport when (_bo.Flags & (uint)BoFlags.IsImport) != 0 => 0,
            RestoreCall.GemCreate when (_bo.Flags & (uint)BoFlags.IsImport) == 0 => 0,
            _ => throw new InvalidOperationException($"no {kind} call for BO {_bo.GemHandle}"),
        };
        if (receiver is not null)
        {
            (_own[slot] ??= []).Add(diagnostic);
            return;
        }

        long call = slot == VaSlot ? Calls - 1 : _firstCallOfBo + slot;
        if (PlanStop.Ends(diagnostic))
        {
            _stop = PlanStop.First(_stop, call);
        }

        if (survey.HoldsRefusals)
        {
            survey.Refuse(call, diagnostic);
            return;
        }

        // Counted once per call: a BO's calls by a bit each, a mapping's GEM_VA while it is the current one.
        if (slot == VaSlot ? call == _lastVaRefused : (_refusedOfBo & (1 << slot)) != 0)
        {
            return;
        }

        _lastVaRefused = slot == VaSlot ? call : _lastVaRefused;
        _refusedOfBo |= slot == VaSlot ? 0 : 1 << slot;
        survey.RefusedCalls!.Add(new RefusedCall(call));
    }

    /// <summary>The emitting reading: CRI105 of the current BO, when the survey found one.</summary>
    private DuplicateHandle? NextDuplicate()
    {
        if (_duplicates is null)
        {
            _duplicates = survey.Duplicates!.Ordered().GetEnumerator();
            _duplicatesLeft = _duplicates.MoveNext();
        }

        if (!_duplicatesLeft || _duplicates.Current.Bo != _boIndex)
        {
            return null;
        }

        DuplicateHandle duplicate = _duplicates.Current;
        _duplicatesLeft = _duplicates.MoveNext();
        return duplicate;
    }
}
