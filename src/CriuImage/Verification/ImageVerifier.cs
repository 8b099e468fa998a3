using CriuImage.Criu;
using CriuImage.Diagnostics;
using CriuImage.Format;
using CriuImage.Kernel;
using CriuImage.Scanning;

namespace CriuImage.Verification;

/// <summary>
/// Verifies one image as <see cref="ImageScanner"/> reads it: damage to the file, each BO and VM bucket
/// on its own, then what needs the whole file (duplicate handles, colliding mmap offsets, overlapping
/// mappings). Memory: 24 bytes per mapping for the overlap sweep up to a budget (40 while sorting mappings
/// that do not come in address order), past which the ranges go to a scratch file in sorted runs
/// (<see cref="SpillBuffer{T}"/>), plus a little per BO.
/// </summary>
public sealed class ImageVerifier : IImageScanHandler
{
    /// <summary>Findings listed per code by default before the rest are only counted.</summary>
    public const int CapPerCode = 100;

    private readonly DiagnosticBag _bag;
    private readonly BoTable _bos = new();
    /// <summary>CRI105 over a render node's values; a criu-image's is its <see cref="BoTable"/>.</summary>
    private readonly ImageWideRules? _wide;
    /// <summary>A render node's BOs when they are verified from its values: the BO table then, nothing kept per BO.</summary>
    private readonly RenderNodeBos? _store;
    private int _boCount;
    private readonly SpillBuffer<MappingRange> _ranges;
    /// <summary>A render node's BOs' mmap ranges, gathered in the walk of its values (they are read again from the file otherwise).</summary>
    private readonly SpillBuffer<MappingRange>? _mmaps;
    /// <summary>The render node's BOs whose mmap range runs beyond 64 bits, said after the mapping overlaps as a held image's are.</summary>
    private readonly List<int> _mmapsBeyond = [];
    private readonly KernelProfile? _target;
    private ImageHeader? _header;
    private VmRules? _vmRules;
    private BoRecord _bo;
    private bool _fatal;

    /// <summary>True once an error of the file's own bytes was met (a checksum, a frame, a record; not a note such as CRI016).</summary>
    private bool _damaged;
    private ulong _mappings;

    private ImageVerifier(VerifyOptions? options, RenderNodeBos? store = null)
    {
        _store = store;
        _ranges = new(store is null ? MappingRange.HeldAtMost : MappingRange.HeldBesideBos);
        _wide = store is null ? null : new ImageWideRules(store);
        _mmaps = store is null ? null : new(MappingRange.HeldBesideBos);
        options ??= VerifyOptions.Default;
        _target = options.Target;
        _bag = new DiagnosticBag(options.MaxFindingsPerCode, options.Listed);
    }

    /// <summary>Runs the analysis of the image at <paramref name="path"/>.</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="displayPath">The name the report gives it.</param>
    /// <param name="options">The restore target and the findings listed; null: <see cref="VerifyOptions.Default"/>.</param>
    public static FileReport Verify(string path, string displayPath, VerifyOptions? options = null)
    {
        // A file that is not an image is said to be what it is, whether its finding is held or handed over.
        if (options?.Listed is { } listed)
        {
            options = options with { Listed = d => listed(Described(d, path, options.Words)) };
        }

        var analysis = new ImageVerifier(options);
        try
        {
            ImageScanner.Scan(path, analysis, options?.BytesRead);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new FileReport(displayPath, FileStatus.Unreadable, [new Diagnostic(Descriptors.NotAnImage, $"cannot read the file: {e.Message}")], 0);
        }

        FileReport report = analysis.Finish(displayPath);
        return report.Diagnostics is [{ ByteOffset: 0 } first] && first.Descriptor == Descriptors.NotAnImage
            ? report with { Diagnostics = [Described(first, path, (options ?? VerifyOptions.Default).Words)] }
            : report;
    }

    /// <summary>A finding that the file at byte 0 is no image, with the kind of file it is where that is known.</summary>
    private static Diagnostic Described(Diagnostic d, string path, RemedyWords words) =>
        d is { ByteOffset: 0 } && d.Descriptor == Descriptors.NotAnImage && IO.FileKinds.Describe(path, words) is { } kind
            ? d with { Message = $"{d.Message} ({kind})" }
            : d;

    /// <summary>Runs the analysis of an image held in memory.</summary>
    /// <param name="image">The image's bytes.</param>
    /// <param name="displayPath">The name the report gives it.</param>
    /// <param name="options">The restore target and the findings listed; null: <see cref="VerifyOptions.Default"/>.</param>
    public static FileReport Verify(ReadOnlyMemory<byte> image, string displayPath, VerifyOptions? options = null)
    {
        var analysis = new ImageVerifier(options);
        ImageScanner.Scan(image, analysis);
        return analysis.Finish(displayPath);
    }

    /// <summary>
    /// Runs the analysis on BOs handed over one by one after the header of <paramref name="headerImage"/> (an
    /// image without records, read as any image is): a CRIU render node's BOs are checked as <c>import</c>
    /// converts them, without an image of them in memory.
    /// </summary>
    internal static FileReport Verify(ReadOnlyMemory<byte> headerImage, RenderNodeBos bos, string displayPath, VerifyOptions? options)
    {
        var analysis = new ImageVerifier(options, bos);
        ImageScanner.Scan(headerImage, analysis);

        // Direct calls, one record at a time, as import converts each entry: no interface call per BO or mapping.
        foreach (ref readonly DrmBo entry in bos.Values)
        {
            analysis.TakeBo(CriuImport.ToBoRecord(entry), entry.ByteOffset);
            ReadOnlySpan<VmRecord> vms = entry.VmEntries;
            for (int i = 0; i < vms.Length; i++)
            {
                analysis.TakeVm(vms[i], (uint)i, entry.ByteOffset);
            }
        }

        return analysis.Finish(displayPath);
    }

    void IImageScanHandler.OnHeader(Preamble preamble, ImageHeader header)
    {
        _header = header;
        _vmRules = new VmRules(header, _target);
        if (_vmRules.PteUnchecked)
        {
            _bag.Add(new Diagnostic(Descriptors.PteUnchecked, "mapping flags are raw PTE bits, but the header gives no GC IP version to decode them: their bits were not checked"));
        }

        if (_vmRules.PteFlagsFromUapiKernel)
        {
            _bag.Add(new Diagnostic(Descriptors.PteFlagsFrom6_18, "the header says linux-6.18 with raw PTE mapping flags, but that kernel's GET_MAPPING_INFO reports the uapi flags given to GEM_VA"));
        }
    }

    void IImageScanHandler.OnBo(in BoRecord bo, long offset) => TakeBo(bo, offset);

    void IImageScanHandler.OnVm(in VmRecord vm, uint index, long offset) => TakeVm(vm, index, offset);

    private void TakeBo(in BoRecord bo, long offset)
    {
        _bo = bo;
        if (_store is null)
        {
            if (_bos.Add(new BoInfo(bo.GemHandle, bo.Size, bo.Offset, offset), out long firstAt) >= 0)
            {
                _bag.Add(ImageWideRules.Duplicate(bo.GemHandle, firstAt, offset));
            }
        }
        else
        {
            if (_wide!.CheckHandle(_boCount) is { } duplicate)
            {
                _bag.Add(duplicate);
            }

            if (MmapRange(new BoInfo(bo.GemHandle, bo.Size, bo.Offset, offset), _boCount) is { } range)
            {
                _mmaps!.Add(range);
            }
        }

        _boCount++;
        BoRules.Check(bo, _header!, _vmRules!.Target, offset, _bag);
    }

    private void TakeVm(in VmRecord vm, uint index, long offset)
    {
        _mappings++;
        if (_vmRules!.Check(vm, index, _bo, _boCount - 1, offset, _bag) is { } range)
        {
            _ranges.Add(range);
        }
    }

    void IImageScanHandler.OnDamage(ImageDamage damage, long offset, uint? frame, string detail, bool fatal)
    {
        _fatal |= fatal;
        DiagnosticDescriptor code = ImageDamageDescriptors.For(damage);
        _damaged |= code.Severity == Severity.Error;
        string where = frame is { } f ? $" (frame {f})" : "";
        _bag.Add(new Diagnostic(code, detail + where) { ByteOffset = offset });
    }

    void IImageScanHandler.OnTrailer(Trailer trailer)
    {
    }

    private FileReport Finish(string path)
    {
        _bos.LateDuplicates(d => _bag.Add(ImageWideRules.Duplicate(d.Handle, d.FirstAt, d.Offset)));
        ImageWideRules.CheckOverlaps(_ranges, bo => _store is null ? _bos[bo].Handle : _store.HandleAt(bo), _ => _bag);
        _ranges.Dispose();
        CheckMmapCollisions();
        _bos.Dispose();
        FindingSummary summary = _bag.Summary();
        // A damaged image is one no other command reads (info, show, decode, plan, stats stop at the damage, exit 2): it is
        // unreadable here too, exit 2, though the recovering scan still lists what it found past the damage.
        FileStatus status = _fatal || _damaged || _header is null ? FileStatus.Unreadable : summary.Total == 0 ? FileStatus.Ok : FileStatus.Findings;
        return new FileReport(path, status, _bag.Listed, _mappings) { Summary = summary, NotListed = _bag.NotListed() };
    }

    private void CheckMmapCollisions()
    {
        using SpillBuffer<MappingRange> ranges = _mmaps ?? new SpillBuffer<MappingRange>(MappingRange.HeldAtMost);
        if (_mmaps is null)
        {
            for (int i = 0; i < _boCount; i++)
            {
                if (MmapRange(_bos[i], i) is { } range)
                {
                    ranges.Add(range);
                }
            }
        }
        else
        {
            // The render node's ranges were gathered in its walk; those beyond 64 bits are said now, in the same order.
            foreach (int i in _mmapsBeyond)
            {
                BoInfo bo = BoAt(i);
                _bag.Add(Beyond64Bits(bo, bo.MmapOffset!.Value));
            }
        }

        OverlapSweep.Run(ranges, (range, other) =>
        {
            BoInfo bo = BoAt(range.Bo);
            BoInfo otherBo = BoAt(other.Bo);
            _bag.Add(new Diagnostic(Descriptors.MmapOffsetCollision, $"BO {bo.Handle}'s mmap range 0x{range.First:x}-0x{range.Last:x} collides with BO {otherBo.Handle}'s 0x{other.First:x}-0x{other.Last:x}: fake offsets are disjoint per BO")
            {
                GemHandle = bo.Handle,
                ByteOffset = bo.ByteOffset,
                Related = [new RelatedLocation(otherBo.Handle, null)],
            });
        });
    }

    /// <summary>
    /// BO <paramref name="index"/>'s fake mmap range, or null: none recorded, empty, or beyond 64 bits (said at once for a held
    /// image; noted for a render node's, whose ranges are gathered while its values are walked).
    /// </summary>
    private MappingRange? MmapRange(in BoInfo bo, int index)
    {
        if (bo.MmapOffset is not { } offset || bo.Size == 0)
        {
            return null;
        }

        UInt128 end = (UInt128)offset + bo.Size;
        if (end > (UInt128)ulong.MaxValue + 1)
        {
            if (_store is null)
            {
                _bag.Add(Beyond64Bits(bo, offset));
            }
            else
            {
                _mmapsBeyond.Add(index);
            }

            return null;
        }

        return new MappingRange(offset, (ulong)(end - 1), index, 0);
    }

    private static Diagnostic Beyond64Bits(in BoInfo bo, ulong offset) =>
        new(Descriptors.MmapOffsetCollision, $"BO {bo.Handle}'s mmap range 0x{offset:x} + 0x{bo.Size:x} runs beyond 64 bits") { GemHandle = bo.Handle, ByteOffset = bo.ByteOffset };

    /// <summary>BO <paramref name="index"/> as the rules over the whole image need it: held, or read back from the render node's values.</summary>
    private BoInfo BoAt(int index)
    {
        if (_store is null)
        {
            return _bos[index];
        }

        DrmBo bo = _store.At(index);
        BoRecord record = CriuImport.ToBoRecord(bo);
        return new BoInfo(record.GemHandle, record.Size, record.Offset, bo.ByteOffset);
    }

}
