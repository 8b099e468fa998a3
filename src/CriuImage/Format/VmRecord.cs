using System.Runtime.InteropServices;
using CriuImage.Abi;

namespace CriuImage.Format;

/// <summary>
/// One VM bucket as recorded: four 64-bit words laid out like both <see cref="CriuVmBucket"/> and
/// <see cref="GemVmEntry"/>. The first two words are <see cref="Start"/> and <see cref="Last"/> (GPU pages)
/// in criu-2025-06 and criu-v8 images, <see cref="Addr"/> and <see cref="Size"/> (bytes) in linux-6.18 ones.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct VmRecord
{
    private readonly ulong _first;
    private readonly ulong _second;

    /// <summary>Creates a record from its four words in image order.</summary>
    public VmRecord(ulong first, ulong second, ulong offset, ulong flags)
    {
        _first = first;
        _second = second;
        Offset = offset;
        Flags = flags;
    }

    /// <summary>First GPU page (criu-2025-06, criu-v8).</summary>
    public ulong Start => _first;

    /// <summary>Last GPU page, inclusive (criu-2025-06, criu-v8).</summary>
    public ulong Last => _second;

    /// <summary>GPU virtual address in bytes (linux-6.18).</summary>
    public ulong Addr => _first;

    /// <summary>Mapping size in bytes (linux-6.18).</summary>
    public ulong Size => _second;

    /// <summary>Byte offset of the mapping into its BO.</summary>
    public ulong Offset { get; }

    /// <summary>Mapping flags, uapi or PTE bits per <see cref="ImageHeader.MappingFlags"/>.</summary>
    public ulong Flags { get; }

    /// <summary>The first word: start page or address.</summary>
    public ulong First => _first;

    /// <summary>The second word: last page or size.</summary>
    public ulong Second => _second;
}
