using CriuImage.Diagnostics;
using CriuImage.Format;

namespace CriuImage.Criu;

/// <summary>
/// Reads CRIU's amdgpu message files (KFD image, render node, dma-buf node) of every schema revision:
/// the 8-byte header, then the protobuf. The revision is told from the fields on the wire
/// (<see cref="CriuRevisions"/>), never assumed. Lenient where CRIU is (stale bytes after the message,
/// counts that disagree with lists): those are for the verifier to judge. A file too short for its header,
/// a header past the end, or wire damage is an <see cref="ImageFormatException"/> with the offset.
/// </summary>
public static class CriuFileReader
{
    private static readonly uint[] KfdBoKnown = [1, 2, 3, 4, 5, 6, 7];
    private static readonly uint[] NodeKnown = [1, 2, 3, 4, 5, 6, 7];
    private static readonly uint[] DrmBoKnown = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    /// <summary>Reads an <c>amdgpu-kfd-&lt;id&gt;.img</c>.</summary>
    /// <exception cref="ImageFormatException">The header or the wire is damaged.</exception>
    public static CriuMessageFile<CriuKfd> ReadKfd(ReadOnlyMemory<byte> file)
    {
        (RawMessage raw, ulong length, long stale) = Open(file);
        var problems = new List<CriuProblem>();
        var top = new FieldReader(raw, CriuSchemas.KfdReleased, problems);
        List<RawMessage> rawBos = [.. top.Repeated(6, "bo_entries")];
        CriuRevisions revisions = CriuRevisions.Released | CriuRevisions.CriuDev | CriuRevisions.D5377d5d2;
        foreach (RawMessage bo in rawBos)
        {
            revisions &= FitsAny(bo, CriuSchemas.KfdBo, KfdBoKnown);
        }

        CriuRevisions shapeOf = Pick(revisions, rawBos.Any(b => b.Has(7)) ? CriuRevisions.D5377d5d2 : rawBos.Any(b => b.Has(6)) ? CriuRevisions.CriuDev : CriuRevisions.Released);
        var devices = new List<KfdDeviceEntry>();
        foreach (RawMessage d in top.Repeated(4, "device_entries"))
        {
            devices.Add(ReadDevice(d, problems));
        }

        var bos = new List<KfdBoEntry>(rawBos.Count);
        foreach (RawMessage b in rawBos)
        {
            var f = new FieldReader(b, CriuSchemas.KfdBo(shapeOf), problems);
            bos.Add(new KfdBoEntry(f.U64(1, "addr"), f.U64(2, "size"), f.U64(3, "offset"), f.U32(4, "alloc_flags"), f.U32(5, "gpu_id"), f.OptionalU32(6, "handle"), f.OptionalU32(7, "is_import"))
            {
                ByteOffset = b.Offset,
            });
        }

        var kfd = new CriuKfd(top.U32(1, "pid"), top.U32(2, "num_of_gpus"), top.U32(3, "num_of_cpus"), devices, top.U64(5, "num_of_bos"), bos,
            top.U32(7, "num_of_objects"), top.U64(8, "shared_mem_size"), top.U32(9, "shared_mem_magic"), top.Bytes(10, "priv_data"))
        {
            NumOfBosOffset = top.OffsetOf(5),
            NumOfGpusOffset = top.OffsetOf(2),
        };
        return new CriuMessageFile<CriuKfd>(kfd, revisions, length, stale, Sorted(problems));
    }

    /// <summary>Reads an <c>amdgpu-renderD-&lt;id&gt;.img</c> of any revision (released: gpu_id alone).</summary>
    /// <exception cref="ImageFormatException">The header or the wire is damaged.</exception>
    public static CriuMessageFile<CriuRenderNode> ReadRenderNode(ReadOnlyMemory<byte> file)
    {
        (RawMessage raw, ulong length, long stale) = Open(file);
        var problems = new List<CriuProblem>();
        CriuRevisions revisions = FitsAny(raw, CriuSchemas.RenderNode, NodeKnown);
        var probe = new FieldReader(raw, CriuSchemas.RenderNode(CriuRevisions.Released), []);
        List<RawMessage> rawBos = [.. probe.Repeated(5, "bo_entries")];
        foreach (RawMessage bo in rawBos)
        {
            revisions &= FitsAny(bo, CriuSchemas.DrmBo, DrmBoKnown) & (CriuRevisions.CriuDev | CriuRevisions.D5377d5d2);
        }

        CriuRevisions shapeOf = Pick(revisions,
            raw.Has(6) || raw.Has(7) || rawBos.Any(b => b.Has(5) && !b.Has(8)) ? CriuRevisions.D5377d5d2
            : raw.Has(2) || raw.Has(3) || raw.Has(4) || raw.Has(5) ? CriuRevisions.CriuDev
            : CriuRevisions.Released);
        var top = new FieldReader(raw, CriuSchemas.RenderNode(shapeOf), problems);
        var bos = new List<CriuBoEntry>(rawBos.Count);
        foreach (RawMessage b in top.Repeated(5, "bo_entries"))
        {
            bos.Add(shapeOf == CriuRevisions.D5377d5d2 ? ReadD5377Bo(b, problems) : ReadBo(b, problems));
        }

        var node = new CriuRenderNode(top.U32(1, "gpu_id"), top.U32(2, shapeOf == CriuRevisions.D5377d5d2 ? "pid" : "id"), top.U32(3, "drm_render_minor"), top.U64(4, "num_of_bos"), bos)
        {
            NumOfObjects = shapeOf == CriuRevisions.D5377d5d2 ? top.U32(6, "num_of_objects") : null,
            PrivData = shapeOf == CriuRevisions.D5377d5d2 ? top.Bytes(7, "priv_data") : null,
            NumOfBosOffset = top.OffsetOf(4),
        };
        return new CriuMessageFile<CriuRenderNode>(node, revisions, length, stale, Sorted(problems));
    }

    /// <summary>Reads an <c>amdgpu-dmabuf_&lt;id&gt;.img</c> (criu-dev only).</summary>
    /// <exception cref="ImageFormatException">The header or the wire is damaged.</exception>
    public static CriuMessageFile<CriuDmabufNode> ReadDmabuf(ReadOnlyMemory<byte> file)
    {
        (RawMessage raw, ulong length, long stale) = Open(file);
        var problems = new List<CriuProblem>();
        CriuRevisions revisions = CriuSchemas.Fits(raw, CriuSchemas.Dmabuf, [1]) ? CriuRevisions.CriuDev : CriuRevisions.None;
        var f = new FieldReader(raw, CriuSchemas.Dmabuf, problems);
        return new CriuMessageFile<CriuDmabufNode>(new CriuDmabufNode(f.U32(1, "gem_handle")), revisions, length, stale, Sorted(problems));
    }

    private static (RawMessage Raw, ulong Length, long Stale) Open(ReadOnlyMemory<byte> file)
    {
        if (CriuHeader.Read(file.Span) is not { } length)
        {
            throw new ImageFormatException(file.Length, $"the file ends after {file.Length} bytes, inside the 8-byte header that CRIU writes first");
        }

        long available = file.Length - CriuHeader.Size;
        if (length > (ulong)available)
        {
            throw new ImageFormatException(file.Length, $"the header says the message has {length} bytes, but only {available} follow it: the file is truncated");
        }

        RawMessage raw = RawMessage.Parse(file.Slice(CriuHeader.Size, (int)length), CriuHeader.Size);
        return (raw, length, available - (long)length);
    }

    private static CriuRevisions FitsAny(RawMessage message, Func<CriuRevisions, CriuSchemas.Shape> shapeOf, uint[] known)
    {
        CriuRevisions fits = CriuRevisions.None;
        foreach (CriuRevisions revision in CriuSchemas.Each)
        {
            if (CriuSchemas.Fits(message, shapeOf(revision), known))
            {
                fits |= revision;
            }
        }

        return fits;
    }

    /// <summary>The revision whose field meanings are used: the one detected, else the one the fields point to most.</summary>
    private static CriuRevisions Pick(CriuRevisions detected, CriuRevisions hint)
    {
        if (detected.HasFlag(hint) || detected == CriuRevisions.None)
        {
            return hint;
        }

        foreach (CriuRevisions revision in CriuSchemas.Each)
        {
            if (detected.HasFlag(revision))
            {
                return revision;
            }
        }

        return hint;
    }

    private static KfdDeviceEntry ReadDevice(RawMessage d, List<CriuProblem> problems)
    {
        var f = new FieldReader(d, CriuSchemas.DeviceEntry, problems);
        var values = new ulong[KfdDeviceEntry.FieldNames.Count];
        for (int i = 0; i < values.Length; i++)
        {
            string name = KfdDeviceEntry.FieldNames[i];
            values[i] = name is "hive_id" or "vram_size" ? f.U64((uint)i + 1, name) : f.U32((uint)i + 1, name);
        }

        var links = new List<DevIolink>();
        foreach (RawMessage l in f.Repeated(32, "iolinks"))
        {
            var link = new FieldReader(l, CriuSchemas.Iolink, problems);
            links.Add(new DevIolink(link.U32(1, "type"), link.U32(2, "node_to_id")));
        }

        return new KfdDeviceEntry(values, links) { ByteOffset = d.Offset };
    }

    private static CriuBoEntry ReadBo(RawMessage b, List<CriuProblem> problems)
    {
        var f = new FieldReader(b, CriuSchemas.DrmBo(CriuRevisions.CriuDev), problems);
        var vms = new List<VmRecord>();
        foreach (RawMessage v in f.Repeated(10, "vm_entries"))
        {
            var vm = new FieldReader(v, CriuSchemas.DrmVm, problems);
            vms.Add(new VmRecord(vm.U64(1, "addr"), vm.U64(2, "size"), vm.U64(3, "offset"), vm.U64(4, "flags")));
        }

        return new CriuBoEntry(f.U64(1, "addr"), f.U64(2, "size"), f.U64(3, "offset"), f.U64(4, "alloc_flags"), f.U64(5, "alignment"),
            f.U32(6, "preferred_domains"), f.U32(7, "handle"), f.U32(8, "is_import"), f.U32(9, "num_of_vms"), [.. vms])
        {
            ByteOffset = b.Offset,
        };
    }

    private static CriuBoEntry ReadD5377Bo(RawMessage b, List<CriuProblem> problems)
    {
        var f = new FieldReader(b, CriuSchemas.DrmBo(CriuRevisions.D5377d5d2), problems);
        return new CriuBoEntry(f.U64(1, "addr"), f.U64(2, "size"), f.U64(3, "offset"), f.U64(4, "alloc_flags"), 0,
            f.U32(5, "preferred_domains"), f.U32(6, "handle"), f.U32(7, "is_import"), 0, [])
        {
            ByteOffset = b.Offset,
        };
    }

    private static List<CriuProblem> Sorted(List<CriuProblem> problems) => [.. problems.OrderBy(p => p.ByteOffset)];
}
