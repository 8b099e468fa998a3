using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CriuImage.Abi;
using CriuImage.Format;

namespace CriuImage.Native;

/// <summary>
/// What a <c>criu_image_writer *</c> stands for: an <see cref="ImageFileWriter"/> and the BO whose mappings
/// are still coming. The C API hands a BO and its mappings over in separate calls (as the ioctls return
/// them), while <see cref="ImageWriter"/> takes them together, so the mappings of the one open BO are held
/// here; memory is what the caller passed, never what a count promised.
/// </summary>
internal sealed class NativeWriter
{
    private readonly ImageFileWriter _file;
    private readonly AbiRevision _abi;
    private BoRecord _bo;
    private uint _expected;
    private VmRecord[] _mappings = new VmRecord[16];
    private int _received;
    private bool _open;
    private string? _failure;

    private NativeWriter(ImageFileWriter file, AbiRevision abi)
    {
        _file = file;
        _abi = abi;
    }

    /// <summary>The BO buckets' size in this revision: 40, 32 or 40 bytes.</summary>
    public int BoBucketSize => _abi switch
    {
        AbiRevision.Criu2025_06 => Unsafe.SizeOf<Criu202506BoBucket>(),
        AbiRevision.CriuV8 => Unsafe.SizeOf<CriuV8BoBucket>(),
        _ => Unsafe.SizeOf<GemListHandlesEntry>(),
    };

    /// <summary>Starts an image at <paramref name="path"/>: nothing is there under that name before <see cref="Commit"/>.</summary>
    public static NativeWriter Open(string path, AbiRevision abi)
    {
        // What each revision's mapping flags hold: criu-2025-06 converted them to uapi bits, criu-v8 copied
        // the hardware PTE bits, linux-6.18 reports the flags given to GEM_VA.
        var header = new ImageHeader(abi, abi == AbiRevision.CriuV8 ? MappingFlagsKind.Pte : MappingFlagsKind.Uapi)
        {
            Capture = new CaptureInfo
            {
                TimeNs = (ulong)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000),
                Tool = $"libcriuimage {Reporting.ToolInfo.Version}",
            },
        };
        return new NativeWriter(ImageFileWriter.Create(path, header), abi);
    }

    /// <summary>Takes the BO bucket at <paramref name="bucket"/> (this revision's layout), whose mappings follow.</summary>
    public unsafe void BeginBo(void* bucket, uint mappingCount, ulong? mmapOffset)
    {
        CheckUsable();
        if (_open)
        {
            throw new InvalidOperationException($"BO {_bo.GemHandle} still waits for {_expected - _received} of its {_expected} mappings");
        }

        _bo = _abi switch
        {
            AbiRevision.Criu2025_06 when mmapOffset is not null => throw new ArgumentException("a criu-2025-06 bucket carries its mmap offset; write it with criu_image_write_bo"),
            AbiRevision.Criu2025_06 => BoRecord.From(Unsafe.ReadUnaligned<Criu202506BoBucket>(bucket), mappingCount),
            AbiRevision.CriuV8 => BoRecord.From(Unsafe.ReadUnaligned<CriuV8BoBucket>(bucket), mmapOffset, mappingCount),
            _ => BoRecord.From(Unsafe.ReadUnaligned<GemListHandlesEntry>(bucket), mmapOffset, mappingCount),
        };
        _expected = mappingCount;
        _received = 0;
        _open = true;
        if (mappingCount == 0)
        {
            WriteOpenBo();
        }
    }

    /// <summary>Takes <paramref name="count"/> VM buckets of the open BO (32 bytes each in every revision).</summary>
    public unsafe void AddMappings(void* buckets, nuint count)
    {
        CheckUsable();
        if (!_open)
        {
            throw new InvalidOperationException("no BO waits for mappings: write its bucket with criu_image_write_bo first");
        }

        if (count > _expected - (uint)_received)
        {
            throw new ArgumentException($"BO {_bo.GemHandle} has {_expected} mappings; {_received} were given and {count} more is too many");
        }

        if (count > (nuint)(Array.MaxLength - _received))
        {
            throw new ArgumentException($"BO {_bo.GemHandle}: {count} mappings at once is more than one process can hold; give them in parts");
        }

        int adding = (int)count;
        if (_received + adding > _mappings.Length)
        {
            Array.Resize(ref _mappings, (int)Math.Min(_expected, Math.Max((uint)(_received + adding), (uint)_mappings.Length * 2)));
        }

        new ReadOnlySpan<VmRecord>(buckets, adding).CopyTo(_mappings.AsSpan(_received));
        _received += adding;
        if (_received == _expected)
        {
            WriteOpenBo();
        }
    }

    /// <summary>Writes the trailer and moves the image to its name, durably.</summary>
    public void Commit()
    {
        CheckUsable();
        if (_open)
        {
            throw new InvalidOperationException($"BO {_bo.GemHandle} still waits for {_expected - _received} of its {_expected} mappings; nothing was committed");
        }

        _file.CommitAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Releases the file; an image that was not committed leaves nothing behind.</summary>
    public void Close() => _file.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Remembers that a call failed: the image is incomplete, and every later call says so.</summary>
    public void Failed(string message) => _failure ??= message;

    private void WriteOpenBo()
    {
        ImageWriter writer = _file.Writer;
        writer.WriteBo(_bo, _mappings.AsSpan(0, _received));
        _open = false;
        if (writer.UnflushedBytes >= ImageWriter.FlushThreshold)
        {
            writer.FlushAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private void CheckUsable()
    {
        if (_failure is not null)
        {
            throw new InvalidOperationException($"an earlier call failed ({_failure}); the image is incomplete and can only be aborted");
        }
    }
}
