using CriuImage.Abi;
using CriuImage.Diagnostics;
using CriuImage.Format;
using CriuImage.Kernel;
using CriuImage.Scanning;
using CriuImage.Verification;

namespace CriuImage.Restore;

/// <summary>
/// The exact calls a restorer following CRIU's amdgpu plugin makes for an image: per BO GEM_CREATE (or the
/// import from its exporter's dma-buf), CHANGE_HANDLE to the saved handle, GEM_MMAP, then GEM_VA MAP per
/// mapping, each marked with the errors the target kernel would refuse it for. The refusals are the findings
/// of the restore family that <see cref="ImageVerifier"/> reports: both come from the same rules.
/// </summary>
public sealed record RestorePlan
{
    /// <summary>The image as the caller named it.</summary>
    public required string Path { get; init; }

    /// <summary>The kernel interface revision that produced the image.</summary>
    public required AbiRevision Revision { get; init; }

    /// <summary>The kernel the plan restores on.</summary>
    public required KernelProfile Target { get; init; }

    /// <summary>The calls, in the order CRIU makes them.</summary>
    public required IReadOnlyList<PlannedCall> Calls { get; init; }

    /// <summary>Plans the restore of the image at <paramref name="path"/> on <paramref name="target"/> (null: the generation that produced the image's revision).</summary>
    /// <exception cref="ImageFormatException">The image is damaged: verify it for the details.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static RestorePlan Create(string path, string displayPath, KernelProfile? target = null)
    {
        var builder = new Builder(target);
        ImageScanner.Scan(path, builder);
        return builder.Finish(displayPath);
    }

    /// <summary>Plans the restore of an image held in memory on <paramref name="target"/> (null: the generation that produced the image's revision).</summary>
    /// <exception cref="ImageFormatException">The image is damaged: verify it for the details.</exception>
    public static RestorePlan Create(ReadOnlyMemory<byte> image, string displayPath, KernelProfile? target = null)
    {
        var builder = new Builder(target);
        ImageScanner.Scan(image, builder);
        return builder.Finish(displayPath);
    }

    /// <summary>Collects the calls as the scanner reads the image, and the findings of the shared rules beside them.</summary>
    private sealed class Builder(KernelProfile? target) : IImageScanHandler, IDiagnosticSink
    {
        private readonly List<Draft> _calls = [];
        private readonly ImageWideRules _wide = new();
        private readonly RangeBuffer _ranges = new();
        private readonly List<int> _vaCalls = [];
        private ImageHeader? _header;
        private VmRules? _vmRules;
        private BoRecord _bo;
        private int _firstCallOfBo;
        private ImageFormatException? _damage;

        public void OnHeader(Preamble preamble, ImageHeader header)
        {
            _header = header;
            _vmRules = new VmRules(header, target, fastPath: false);
        }

        public void OnBo(in BoRecord bo, long offset)
        {
            _bo = bo;
            _firstCallOfBo = _calls.Count;
            uint handle = bo.GemHandle;
            if ((bo.Flags & (uint)BoFlags.IsImport) != 0)
            {
                _calls.Add(new Draft(RestoreCall.PrimeImport, IoctlRequests.PrimeFdToHandle, handle, null, []));
            }
            else
            {
                ulong alignment = bo.Alignment ?? 4096;
                var create = new Draft(RestoreCall.GemCreate, IoctlRequests.GemCreate, handle, null, [new("bo_size", bo.Size), new("alignment", alignment), new("domains", bo.PreferredDomains), new("domain_flags", bo.AllocFlags)]);
                if (bo.Alignment is > 1)
                {
                    create.Repaired = [new("alignment", BoRules.AlignmentInBytes(bo))];
                }

                _calls.Add(create);
            }

            _calls.Add(new Draft(RestoreCall.ChangeHandle, IoctlRequests.GemChangeHandle, handle, null, [new("new_handle", handle)]));
            _calls.Add(new Draft(RestoreCall.GemMmap, IoctlRequests.GemMmap, handle, null, [new("handle", handle)]));
            if (_wide.CheckHandle(handle, offset) is { } duplicate)
            {
                Add(duplicate);
            }

            BoRules.Check(bo, _header!, _vmRules!.Target, offset, this);
        }

        public void OnVm(in VmRecord vm, uint index, long offset)
        {
            (ulong? address, ulong? size) = _vmRules!.SavedArguments(vm);
            var call = new Draft(RestoreCall.GemVa, IoctlRequests.GemVa, _bo.GemHandle, index, [new("operation", GemVaArgs.OpMap), new("flags", vm.Flags), new("va_address", address ?? 0), new("offset_in_bo", vm.Offset), new("map_size", size ?? 0)]);
            if (_vmRules.Repair(vm) is { } repair)
            {
                call.Repaired = [.. repair.Address != address ? [new CallArgument("va_address", repair.Address)] : Array.Empty<CallArgument>(), .. repair.Flags != vm.Flags ? [new CallArgument("flags", repair.Flags)] : Array.Empty<CallArgument>()];
            }

            _calls.Add(call);
            _vaCalls.Add(_calls.Count - 1);
            if (_vmRules.Check(vm, index, _bo, _vaCalls.Count - 1, offset, this) is { } range)
            {
                _ranges.Add(range);
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

        public RestorePlan Finish(string path)
        {
            if (_damage is not null || _header is null)
            {
                throw _damage ?? new ImageFormatException(0, "no header");
            }

            // Verify's CRI205, one refusal per overlapping pair; the range's Bo field holds the index of its GEM_VA call here.
            ImageWideRules.CheckOverlaps(_ranges, call => _calls[_vaCalls[call]].Handle, () => true, (range, finding) => _calls[_vaCalls[range.Bo]].Refusals.Add(finding));
            return new RestorePlan { Path = path, Revision = _header.Abi, Target = _vmRules!.Target, Calls = _calls.Select(d => d.Freeze()).ToArray() };
        }

        /// <summary>Puts an error of the restore family beside the call it breaks; other findings are verify's business.</summary>
        public void Add(Diagnostic diagnostic)
        {
            if (diagnostic.Call is not { } kind || diagnostic.Severity != Severity.Error)
            {
                return;
            }

            Draft call = kind == RestoreCall.GemVa
                ? _calls[^1]
                : _calls.Skip(_firstCallOfBo).First(c => c.Call == kind);
            call.Refusals.Add(diagnostic);
        }
    }

    private sealed class Draft(RestoreCall call, uint request, uint handle, uint? mapping, CallArgument[] arguments)
    {
        public RestoreCall Call => call;

        public uint Handle => handle;

        public List<Diagnostic> Refusals { get; } = [];

        public CallArgument[] Repaired { get; set; } = [];

        public PlannedCall Freeze() => new()
        {
            Call = call,
            Request = request,
            GemHandle = handle,
            Mapping = mapping,
            Arguments = arguments,
            Repaired = Repaired,
            Refusals = Refusals,
        };
    }
}
