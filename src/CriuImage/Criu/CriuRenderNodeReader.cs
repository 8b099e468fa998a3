using System.Buffers.Binary;
using CriuImage.Diagnostics;
using CriuImage.Format;

namespace CriuImage.Criu;

/// <summary>
/// Reads CRIU's <c>amdgpu-renderD-&lt;id&gt;.img</c>: an 8-byte little-endian length (the plugin writes a
/// native size_t), then a packed proto2 <c>criu_render_node</c>. Stricter than CRIU itself: required fields
/// must be present, uint32 fields must fit, and the recorded counts must match the lists. Every problem is
/// an <see cref="ImageFormatException"/> with the byte offset.
/// </summary>
public static class CriuRenderNodeReader
{
    /// <summary>Size of the length prefix.</summary>
    public const int PrefixSize = 8;

    /// <summary>Parses a whole render-node image.</summary>
    /// <exception cref="ImageFormatException">The file is not such an image, or breaks the schema.</exception>
    public static CriuRenderNode Read(ReadOnlySpan<byte> file)
    {
        if (file.Length < PrefixSize)
        {
            throw new ImageFormatException(file.Length, $"a CRIU amdgpu image starts with an 8-byte length, but the file has {file.Length} bytes");
        }

        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (length != (ulong)(file.Length - PrefixSize))
        {
            throw new ImageFormatException(0, $"the 8-byte header says the message has {length} bytes, but {file.Length - PrefixSize} follow it");
        }

        var reader = new ProtobufReader(file[PrefixSize..], PrefixSize);
        return ReadNode(ref reader);
    }

    private static CriuRenderNode ReadNode(ref ProtobufReader reader)
    {
        long start = reader.Offset;
        uint? gpuId = null, id = null, minor = null;
        ulong? numOfBos = null;
        long numOfBosAt = start;
        var bos = new List<CriuBoEntry>();
        while (!reader.End)
        {
            long at = reader.Offset;
            (uint field, int wire) = reader.ReadKey();
            switch (field)
            {
                case 1: gpuId = UInt32(ref reader, wire, field, "gpu_id"); break;
                case 2: id = UInt32(ref reader, wire, field, "id"); break;
                case 3: minor = UInt32(ref reader, wire, field, "drm_render_minor"); break;
                case 4: numOfBosAt = at; numOfBos = Varint(ref reader, wire, field, "num_of_bos"); break;
                case 5:
                    ExpectWire(at, wire, 2, field, "bo_entries");
                    ProtobufReader entry = reader.ReadMessage("a bo_entries message");
                    bos.Add(ReadBo(ref entry));
                    break;
                default: reader.Skip(wire, field); break;
            }
        }

        Require(start, "criu_render_node", ("gpu_id", gpuId is not null), ("id", id is not null), ("drm_render_minor", minor is not null), ("num_of_bos", numOfBos is not null));
        if (numOfBos != (ulong)bos.Count)
        {
            throw new ImageFormatException(numOfBosAt, $"num_of_bos says {numOfBos}, but the message holds {bos.Count} bo_entries");
        }

        return new CriuRenderNode(gpuId!.Value, id!.Value, minor!.Value, numOfBos.Value, bos);
    }

    private static CriuBoEntry ReadBo(ref ProtobufReader reader)
    {
        long start = reader.Offset;
        ulong? addr = null, size = null, offset = null, allocFlags = null, alignment = null;
        uint? domains = null, handle = null, isImport = null, numOfVms = null;
        long numOfVmsAt = start;
        var vms = new List<VmRecord>();
        while (!reader.End)
        {
            long at = reader.Offset;
            (uint field, int wire) = reader.ReadKey();
            switch (field)
            {
                case 1: addr = Varint(ref reader, wire, field, "addr"); break;
                case 2: size = Varint(ref reader, wire, field, "size"); break;
                case 3: offset = Varint(ref reader, wire, field, "offset"); break;
                case 4: allocFlags = Varint(ref reader, wire, field, "alloc_flags"); break;
                case 5: alignment = Varint(ref reader, wire, field, "alignment"); break;
                case 6: domains = UInt32(ref reader, wire, field, "preferred_domains"); break;
                case 7: handle = UInt32(ref reader, wire, field, "handle"); break;
                case 8: isImport = UInt32(ref reader, wire, field, "is_import"); break;
                case 9: numOfVmsAt = at; numOfVms = UInt32(ref reader, wire, field, "num_of_vms"); break;
                case 10:
                    ExpectWire(at, wire, 2, field, "vm_entries");
                    ProtobufReader vm = reader.ReadMessage("a vm_entries message");
                    vms.Add(ReadVm(ref vm));
                    break;
                default: reader.Skip(wire, field); break;
            }
        }

        Require(start, "drm_bo_entry", ("addr", addr is not null), ("size", size is not null), ("offset", offset is not null), ("alloc_flags", allocFlags is not null),
            ("alignment", alignment is not null), ("preferred_domains", domains is not null), ("handle", handle is not null), ("is_import", isImport is not null), ("num_of_vms", numOfVms is not null));
        if (numOfVms != (uint)vms.Count)
        {
            throw new ImageFormatException(numOfVmsAt, $"num_of_vms of BO {handle} says {numOfVms}, but the entry holds {vms.Count} vm_entries");
        }

        return new CriuBoEntry(addr!.Value, size!.Value, offset!.Value, allocFlags!.Value, alignment!.Value, domains!.Value, handle!.Value, isImport!.Value, numOfVms.Value, [.. vms]);
    }

    private static VmRecord ReadVm(ref ProtobufReader reader)
    {
        long start = reader.Offset;
        ulong? addr = null, size = null, offset = null, flags = null;
        while (!reader.End)
        {
            (uint field, int wire) = reader.ReadKey();
            switch (field)
            {
                case 1: addr = Varint(ref reader, wire, field, "addr"); break;
                case 2: size = Varint(ref reader, wire, field, "size"); break;
                case 3: offset = Varint(ref reader, wire, field, "offset"); break;
                case 4: flags = Varint(ref reader, wire, field, "flags"); break;
                default: reader.Skip(wire, field); break;
            }
        }

        Require(start, "drm_vm_entry", ("addr", addr is not null), ("size", size is not null), ("offset", offset is not null), ("flags", flags is not null));
        return new VmRecord(addr!.Value, size!.Value, offset!.Value, flags!.Value);
    }

    private static ulong Varint(ref ProtobufReader reader, int wire, uint field, string name)
    {
        ExpectWire(reader.Offset, wire, 0, field, name);
        return reader.ReadVarint(name);
    }

    private static uint UInt32(ref ProtobufReader reader, int wire, uint field, string name)
    {
        long at = reader.Offset;
        ulong value = Varint(ref reader, wire, field, name);
        return value <= uint.MaxValue ? (uint)value : throw new ImageFormatException(at, $"{name} is {value}, more than a uint32 holds");
    }

    private static void ExpectWire(long at, int actual, int expected, uint field, string name)
    {
        if (actual != expected)
        {
            string[] names = ["varint", "64-bit", "length-delimited", "group start", "group end", "32-bit", "wire type 6", "wire type 7"];
            throw new ImageFormatException(at, $"field {field} ({name}) is {names[actual]} where the November 2025 schema has {names[expected]}: an image of another plugin revision?");
        }
    }

    private static void Require(long at, string message, params (string Name, bool Present)[] fields)
    {
        foreach ((string name, bool present) in fields)
        {
            if (!present)
            {
                throw new ImageFormatException(at, $"the {message} message lacks its required field {name}");
            }
        }
    }
}
