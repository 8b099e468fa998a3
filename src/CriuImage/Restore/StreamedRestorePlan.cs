using CriuImage.Abi;
using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Format;
using CriuImage.Kernel;
using CriuImage.Scanning;
using CriuImage.Verification;
using Microsoft.Win32.SafeHandles;

namespace CriuImage.Restore;

/// <summary>
/// The calls of <see cref="RestorePlan"/> made as they are read, for images too large to hold one object per
/// call: <see cref="Create(string, string, KernelProfile?)"/> reads the image once for the counts and the
/// refusals; each <see cref="ForEachCall"/> reads it again and hands the calls over one at a time, in CRIU's
/// order. What is held is bounded: page ranges, BOs' handles and first calls and the refused calls up to a budget
/// each, the rest in scratch files; the refusals are made again as the calls are (a plan of a render node's BOs, whose
/// values are held, keeps them).
/// </summary>
public sealed class StreamedRestorePlan
{
    private readonly Action<IImageScanHandler> _scan;
    private readonly PlanCallScan.Survey _survey;
    private (ReadOnlyMemory<byte> Header, RenderNodeBos Bos)? _records;

    private StreamedRestorePlan(Action<IImageScanHandler> scan, PlanCallScan.Survey survey, string path)
    {
        _scan = scan;
        _survey = survey;
        Path = path;
    }

    /// <summary>The image as the caller named it.</summary>
    public string Path { get; }

    /// <summary>The kernel interface revision that produced the image.</summary>
    public AbiRevision Revision => _survey.Header!.Abi;

    /// <summary>The kernel the plan restores on.</summary>
    public KernelProfile Target => _survey.Target!;

    /// <summary>The BOs: each one's calls begin with its GEM_CREATE or its import.</summary>
    public long Bos => _survey.BoCount;

    /// <summary>The mappings: one GEM_VA each.</summary>
    public long Mappings => _survey.Mappings;

    /// <summary>The calls <see cref="ForEachCall"/> hands over.</summary>
    public long Calls => _survey.Calls;

    /// <summary>The calls with at least one refusal.</summary>
    public long RefusedCalls => _survey.RefusedByRules + _survey.OverlapOnlyCalls;

    /// <summary>The index of the call whose refusal stops CRIU's restore (<see cref="PlanStop"/>): the calls after it are not made; null when none does.</summary>
    internal long? Stop => _survey.Stop;

    /// <summary>Plans the restore of the image at <paramref name="path"/> on <paramref name="target"/> (null: the generation that produced the image's revision).</summary>
    /// <exception cref="ImageFormatException">The image is damaged: verify it for the details.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static StreamedRestorePlan Create(string path, string displayPath, KernelProfile? target = null) =>
        Create(handler => ImageScanner.Scan(path, handler), displayPath, target);

    /// <summary>Plans the restore of an image held in memory on <paramref name="target"/> (null: the generation that produced the image's revision).</summary>
    /// <exception cref="ImageFormatException">The image is damaged: verify it for the details.</exception>
    public static StreamedRestorePlan Create(ReadOnlyMemory<byte> image, string displayPath, KernelProfile? target = null) =>
        Create(handler => ImageScanner.Scan(image, handler), displayPath, target);

    /// <summary>
    /// Plans the restore of the image in the open file <paramref name="image"/> (read by position, so a spooled copy
    /// of a stream serves; the caller keeps it open while the plan is used) on <paramref name="target"/>.
    /// </summary>
    /// <exception cref="ImageFormatException">The image is damaged: verify it for the details.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static StreamedRestorePlan Create(SafeFileHandle image, string displayPath, KernelProfile? target = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Create(handler => ImageScanner.Scan(image, handler), displayPath, target);
    }

    /// <summary>
    /// Plans the restore of records handed over after the header of <paramref name="headerImage"/> (a CRIU render
    /// node's BOs as <c>import</c> converts them, located at their byte offsets in the CRIU file); <see cref="Held"/>
    /// then makes the calls a BO at a time as they are enumerated.
    /// </summary>
    internal static StreamedRestorePlan Create(ReadOnlyMemory<byte> headerImage, RenderNodeBos bos, string displayPath, KernelProfile? target)
    {
        StreamedRestorePlan plan = Create(
            handler =>
            {
                ImageScanner.Scan(headerImage, handler);
                foreach (ref readonly DrmBo bo in bos.Values)
                {
                    Hand(handler, bo);
                }
            },
            displayPath,
            target,
            bos);
        plan._records = (headerImage, bos);
        return plan;
    }

    /// <summary>Reads the image again and hands each call to <paramref name="call"/>, in CRIU's order.</summary>
    /// <exception cref="ImageFormatException">The image is damaged now, or no longer has the calls the first reading found.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public void ForEachCall(Action<PlannedCall> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var emit = new PlanCallScan(_survey.Target, _survey, call);
        _scan(emit);
        emit.ThrowIfDamaged();
        if (emit.Calls != Calls)
        {
            throw new ImageFormatException(0, $"the image changed while it was read: {emit.Calls} calls now, {Calls} before");
        }
    }

    /// <summary>Every call held in one list, as <see cref="RestorePlan"/> holds them.</summary>
    public RestorePlan ToPlan()
    {
        var calls = new List<PlannedCall>((int)Math.Min(Calls, Array.MaxLength));
        ForEachCall(calls.Add);
        return new RestorePlan { Path = Path, Revision = Revision, Target = Target, Calls = calls };
    }

    /// <summary>
    /// A plan of a render node's BOs (whose refusals are held by call): refuses the first CHANGE_HANDLE with the refusal <paramref name="refusal"/> makes of the first BO's handle,
    /// before that call's own refusals. False when there is no BO.
    /// </summary>
    internal bool RefuseFirstChangeHandle(Func<uint, Diagnostic> refusal)
    {
        if (_survey.FirstHandle is not { } handle)
        {
            return false;
        }

        // The first BO's calls are the first three: its create or import, then its CHANGE_HANDLE.
        const long at = 1;
        if (!_survey.Refusals.TryGetValue(at, out List<Diagnostic>? refusals))
        {
            _survey.Refusals[at] = refusals = [];
        }

        Diagnostic first = refusal(handle);
        refusals.Insert(0, first);
        if (PlanStop.Ends(first))
        {
            _survey.Stop = PlanStop.First(_survey.Stop, at);
        }

        return true;
    }

    /// <summary>
    /// A plan of a render node's BOs (whose refusals are held by call): adds to the GEM_VA call of each (BO handle, mapping index) of <paramref name="refusals"/> its refusal, after the
    /// call's own; the first that fails its call stops the restore there.
    /// </summary>
    internal void RefuseGemVa(IReadOnlyList<(uint Handle, uint Mapping, Diagnostic Refusal)> refusals)
    {
        if (refusals.Count == 0)
        {
            return;
        }

        // The calls' indexes are found in one walk; the refusals are added after it, which reads them.
        var found = new List<(long At, Diagnostic Refusal, bool OverlapOnly)>();
        long index = 0;
        ForEachCall(call =>
        {
            foreach ((uint handle, uint mapping, Diagnostic refusal) in refusals)
            {
                if (call.Call == RestoreCall.GemVa && call.GemHandle == handle && call.Mapping == mapping)
                {
                    found.Add((index, refusal, call.Refusals.Count > 0 && !_survey.Refusals.ContainsKey(index)));
                }
            }

            index++;
        });
        foreach ((long at, Diagnostic refusal, bool overlapOnly) in found)
        {
            if (!_survey.Refusals.TryGetValue(at, out List<Diagnostic>? listed))
            {
                _survey.Refusals[at] = listed = [];
                // A call refused for overlaps alone was counted apart: it is counted once, among the refused.
                _survey.OverlapOnlyCalls -= overlapOnly ? 1 : 0;
            }

            listed.Add(refusal);
            if (PlanStop.Ends(refusal))
            {
                _survey.Stop = PlanStop.First(_survey.Stop, at);
            }
        }
    }

    /// <summary>
    /// A <see cref="RestorePlan"/> over a plan of records whose calls are made again, a BO at a time, each time
    /// they are enumerated: nothing per call is held (an index walks to its call).
    /// </summary>
    internal RestorePlan Held() => new() { Path = Path, Revision = Revision, Target = Target, Calls = new RecordCalls(this), KnownRefusedCalls = RefusedCalls, KnownStop = Stop, Records = this };

    /// <summary>The first refusal of each call, read in call order without making the calls.</summary>
    internal CallRefusals FirstRefusals() => new(_survey);

    private IEnumerable<PlannedCall> CallsOfRecords()
    {
        (ReadOnlyMemory<byte> header, RenderNodeBos bos) = _records!.Value;
        var made = new List<PlannedCall>();
        var emit = new PlanCallScan(_survey.Target, _survey, made.Add);
        ImageScanner.Scan(header, emit);
        for (int i = 0; i < bos.Count; i++)
        {
            Hand(emit, bos.At(i));
            foreach (PlannedCall call in made)
            {
                yield return call;
            }

            made.Clear();
        }
    }

    /// <summary>A render-node entry as import converts it, located at its byte offset in the CRIU file.</summary>
    private static void Hand(IImageScanHandler handler, in DrmBo bo)
    {
        handler.OnBo(CriuImport.ToBoRecord(bo), bo.ByteOffset);
        ReadOnlySpan<VmRecord> vms = bo.VmEntries;
        for (int i = 0; i < vms.Length; i++)
        {
            handler.OnVm(vms[i], (uint)i, bo.ByteOffset);
        }
    }

    /// <summary>The calls of a records plan as a list made on demand.</summary>
    private sealed class RecordCalls(StreamedRestorePlan plan) : IReadOnlyList<PlannedCall>
    {
        public int Count => (int)plan.Calls;

        public PlannedCall this[int index] => index >= 0 && index < Count ? plan.CallsOfRecords().ElementAt(index) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<PlannedCall> GetEnumerator() => plan.CallsOfRecords().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private static StreamedRestorePlan Create(Action<IImageScanHandler> scan, string displayPath, KernelProfile? target, RenderNodeBos? store = null)
    {
        var survey = store is null ? PlanCallScan.Survey.OfFile() : new PlanCallScan.Survey { Store = store, Ranges = new(MappingRange.HeldBesideBos) };
        var surveying = new PlanCallScan(target, survey, null);
        scan(surveying);
        surveying.FinishSurvey();
        return new StreamedRestorePlan(scan, survey, displayPath);
    }
}
