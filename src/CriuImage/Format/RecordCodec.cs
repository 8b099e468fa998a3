using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CriuImage.Abi;
using CriuImage.Diagnostics;
using CriuImage.MessagePack;

namespace CriuImage.Format;

/// <summary>Encodes and decodes the BO and VM records of FORMAT.md section 5.</summary>
internal static class RecordCodec
{
    /// <summary>Largest encoding of a BO record: array and tag, two 32-bit and four 64-bit uints, two optional 64-bit ones, the count.</summary>
    public const int MaxBoRecordLength = 1 + 1 + 5 + 9 + 9 + 9 + 9 + 5 + 9 + 5 + 9;

    /// <summary>Largest encoding of a VM record: array and tag, four 64-bit uints.</summary>
    public const int MaxVmRecordLength = 1 + 1 + (4 * MessagePackWriter.MaxUInt64Length);

    private const int BoArrayLength = 9;
    private const int VmArrayLength = 5;

    /// <summary>Encodes a BO record into <paramref name="destination"/> (at least <see cref="MaxBoRecordLength"/> bytes); returns its length.</summary>
    public static int WriteBo(Span<byte> destination, in BoRecord bo)
    {
        var writer = new MessagePackWriter(destination);
        writer.WriteArrayHeader(bo.Addr is null ? BoArrayLength : BoArrayLength + 1u);
        writer.WriteUInt64((ulong)RecordTag.Bo);
        writer.WriteUInt64(bo.GemHandle);
        writer.WriteUInt64(bo.Size);
        WriteOptional(ref writer, bo.Offset);
        writer.WriteUInt64(bo.AllocFlags);
        writer.WriteUInt64(bo.PreferredDomains);
        writer.WriteUInt64(bo.Flags);
        WriteOptional(ref writer, bo.Alignment);
        writer.WriteUInt64(bo.MappingCount);
        if (bo.Addr is { } addr)
        {
            writer.WriteUInt64(addr);
        }

        return writer.Written;
    }

    /// <summary>Encodes a VM record into <paramref name="destination"/> (at least <see cref="MaxVmRecordLength"/> bytes); returns its length.</summary>
    public static int WriteVm(Span<byte> destination, in VmRecord vm)
    {
        // The hot path of a dumper: one capacity check here, then unchecked stores.
        _ = destination[MaxVmRecordLength - 1];
        ref byte start = ref MemoryMarshal.GetReference(destination);
        start = MessagePackCode.MinFixArray + VmArrayLength;
        Unsafe.Add(ref start, 1) = (byte)RecordTag.Vm;
        int length = 2;
        length += MessagePackWriter.WriteUInt64Unchecked(ref Unsafe.Add(ref start, length), vm.First);
        length += MessagePackWriter.WriteUInt64Unchecked(ref Unsafe.Add(ref start, length), vm.Second);
        length += MessagePackWriter.WriteUInt64Unchecked(ref Unsafe.Add(ref start, length), vm.Offset);
        length += MessagePackWriter.WriteUInt64Unchecked(ref Unsafe.Add(ref start, length), vm.Flags);
        return length;
    }

    /// <summary>Decodes the next record: fills <paramref name="bo"/> or <paramref name="vm"/> and returns which.</summary>
    /// <param name="reader">Positioned at the record.</param>
    /// <param name="abi">The image's revision.</param>
    /// <param name="withAddr">A format 1.1 image, whose BO records may carry a tenth element, <c>addr</c>.</param>
    /// <param name="bo">The BO record, when one was read.</param>
    /// <param name="vm">The VM record, when one was read.</param>
    /// <exception cref="ImageFormatException">The record is malformed or breaks a rule of <paramref name="abi"/>.</exception>
    public static RecordTag Read(ref MessagePackReader reader, AbiRevision abi, bool withAddr, out BoRecord bo, out VmRecord vm)
    {
        if (TryReadVmFast(reader.Remaining, out vm, out int consumed))
        {
            reader.Advance(consumed);
            bo = default;
            return RecordTag.Vm;
        }

        long start = reader.Offset;
        int length = reader.ReadArrayHeader("a record");
        if (length == 0)
        {
            throw reader.ErrorAt(start, "expected a record array with a tag, found an empty array");
        }

        long tagOffset = reader.Offset;
        ulong tag = reader.ReadUInt64("the record tag");
        bo = default;
        vm = default;
        switch (tag)
        {
            case (ulong)RecordTag.Bo:
                if (!(withAddr && length == BoArrayLength + 1))
                {
                    ExpectLength(ref reader, start, length, BoArrayLength, "BO");
                }

                bo = ReadBo(ref reader, abi);
                if (length > BoArrayLength)
                {
                    bo = bo with { Addr = reader.ReadUInt64("addr") };
                }

                return RecordTag.Bo;
            case (ulong)RecordTag.Vm:
                ExpectLength(ref reader, start, length, VmArrayLength, "VM");
                vm = new VmRecord(
                    reader.ReadUInt64(abi.MappingsInBytes() ? "addr" : "start"),
                    reader.ReadUInt64(abi.MappingsInBytes() ? "size" : "last"),
                    reader.ReadUInt64("offset"),
                    reader.ReadUInt64("flags"));
                return RecordTag.Vm;
            default:
                throw reader.ErrorAt(tagOffset, $"unknown record tag {tag} (expected 0 for a BO record or 1 for a VM record)");
        }
    }

    /// <summary>
    /// Decodes a VM record in the forms writers use (fixarray of 5, tag 1, uints in fixint or uint 8..64
    /// form) straight from the bytes; anything else, or fewer bytes than the longest VM record, is left to
    /// the general path, which also produces the errors.
    /// </summary>
    private static bool TryReadVmFast(ReadOnlySpan<byte> source, out VmRecord vm, out int consumed)
    {
        vm = default;
        consumed = 0;
        if (source.Length < MaxVmRecordLength || source[0] != MessagePackCode.MinFixArray + VmArrayLength || source[1] != (byte)RecordTag.Vm)
        {
            return false;
        }

        int position = 2;
        if (!TryReadUInt(source, ref position, out ulong first) || !TryReadUInt(source, ref position, out ulong second)
            || !TryReadUInt(source, ref position, out ulong offset) || !TryReadUInt(source, ref position, out ulong flags))
        {
            return false;
        }

        vm = new VmRecord(first, second, offset, flags);
        consumed = position;
        return true;
    }

    /// <summary>An unsigned integer in fixint or uint form; the caller guarantees 9 readable bytes.</summary>
    private static bool TryReadUInt(ReadOnlySpan<byte> source, ref int position, out ulong value)
    {
        byte code = source[position];
        ReadOnlySpan<byte> body = source[(position + 1)..];
        switch (code)
        {
            case <= MessagePackCode.MaxPositiveFixInt:
                value = code;
                position += 1;
                return true;
            case MessagePackCode.UInt8:
                value = body[0];
                position += 2;
                return true;
            case MessagePackCode.UInt16:
                value = BinaryPrimitives.ReadUInt16BigEndian(body);
                position += 3;
                return true;
            case MessagePackCode.UInt32:
                value = BinaryPrimitives.ReadUInt32BigEndian(body);
                position += 5;
                return true;
            case MessagePackCode.UInt64:
                value = BinaryPrimitives.ReadUInt64BigEndian(body);
                position += 9;
                return true;
            default:
                value = 0;
                return false;
        }
    }

    private static BoRecord ReadBo(ref MessagePackReader reader, AbiRevision abi)
    {
        uint handle = reader.ReadUInt32("gem_handle");
        ulong size = reader.ReadUInt64("size");
        long offsetAt = reader.Offset;
        ulong? offset = reader.TryReadNil() ? null : reader.ReadUInt64("offset");
        if (offset is null && abi == AbiRevision.Criu2025_06)
        {
            throw reader.ErrorAt(offsetAt, "expected offset as an unsigned integer: criu-2025-06 BO buckets always carry the mmap offset, found nil");
        }

        ulong allocFlags = reader.ReadUInt64("alloc_flags");
        ulong domains = abi == AbiRevision.Linux6_18 ? reader.ReadUInt64("preferred_domains") : reader.ReadUInt32("preferred_domains");
        uint flags = reader.ReadUInt32("flags");
        long alignmentAt = reader.Offset;
        bool noAlignment = reader.TryReadNil();
        ulong? alignment = null;
        if (abi == AbiRevision.Linux6_18)
        {
            alignment = noAlignment
                ? throw reader.ErrorAt(alignmentAt, "expected alignment as an unsigned integer: linux-6.18 BO entries always carry it, found nil")
                : reader.ReadUInt64("alignment");
        }
        else if (!noAlignment)
        {
            throw reader.ErrorAt(alignmentAt, $"expected nil for alignment: {abi.ToId()} BO buckets have no alignment");
        }

        uint mappingCount = reader.ReadUInt32("mapping_count");
        return new BoRecord(handle, size, offset, allocFlags, domains, flags, alignment, mappingCount);
    }

    private static void ExpectLength(ref MessagePackReader reader, long start, int actual, int expected, string kind)
    {
        if (actual != expected)
        {
            throw reader.ErrorAt(start, $"expected a {kind} record array of {expected} elements, found {actual}");
        }
    }

    private static void WriteOptional(ref MessagePackWriter writer, ulong? value)
    {
        if (value is { } v)
        {
            writer.WriteUInt64(v);
        }
        else
        {
            writer.WriteNil();
        }
    }
}
