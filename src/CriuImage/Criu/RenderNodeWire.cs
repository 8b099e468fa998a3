using System.Runtime.InteropServices;
using CriuImage.Format;

namespace CriuImage.Criu;

/// <summary>
/// One walk of a <c>criu_render_node</c>'s wire (and of a <c>criu_dmabuf_node</c>'s). A drm_bo_entry's
/// fields mean different things in criu-dev and d5377d5d2 (field 5 is alignment in one, preferred_domains
/// in the other), and which one wrote the file is known only at the end of the walk: the entries are read
/// as criu-dev's, and the walk is done again as d5377d5d2's in the rare file that turns out to be one.
/// </summary>
internal static class RenderNodeWire
{
    private const ulong NodeFields = (1UL << 8) - 2;
    private const ulong BoFields = (1UL << 11) - 2;
    private const CriuRevisions WithBos = CriuRevisions.CriuDev | CriuRevisions.D5377d5d2;

    public static CriuMessageFile<CriuRenderNode> Read(WireWindow file, (ulong Length, long Stale) header)
    {
        CriuMessageFile<CriuRenderNode>? read = Walk(file, header, d5377d5d2: false);
        return read ?? Walk(file, header, d5377d5d2: true)!;
    }

    public static CriuMessageFile<CriuDmabufNode> ReadDmabuf(ReadOnlyMemory<byte> file, (ulong Length, long Stale) header)
    {
        var problems = new List<CriuProblem>();
        Span<ulong> values = new ulong[2];
        Span<long> at = new long[2];
        var fields = new FieldReader(values, at, CriuSchemas.Bit(1));
        var reader = new ProtobufReader(file.Span.Slice(CriuHeader.Size, (int)header.Length), CriuHeader.Size);
        fields.ReadAll(ref reader);

        fields.Finish(CriuSchemas.Dmabuf, problems);
        CriuRevisions revisions = CriuSchemas.Fits(fields.Present, CriuSchemas.Dmabuf, CriuSchemas.Bit(1)) ? CriuRevisions.CriuDev : CriuRevisions.None;
        return new CriuMessageFile<CriuDmabufNode>(new CriuDmabufNode(fields.U32(1)), revisions, header.Length, header.Stale, CriuFileReader.Sorted(problems));
    }

    /// <summary>The node with its entries read as <paramref name="d5377d5d2"/> says, or null when the file turns out to be of the other kind.</summary>
    private static CriuMessageFile<CriuRenderNode>? Walk(WireWindow file, (ulong Length, long Stale) header, bool d5377d5d2)
    {
        var problems = new List<CriuProblem>();
        Span<ulong> topValues = new ulong[8];
        Span<long> topAt = new long[8];
        Span<ulong> boValues = new ulong[11];
        Span<long> boAt = new long[11];
        Span<ulong> vmValues = new ulong[5];
        Span<long> vmAt = new long[5];
        var top = new FieldReader(topValues, topAt, CriuSchemas.NodeReleased.Uint32 | CriuSchemas.Bit(4));
        var bo = new FieldReader(boValues, boAt, d5377d5d2 ? CriuSchemas.DrmBoD5377d5d2.Required : CriuSchemas.DrmBoCriuDev.Required);
        var vm = new FieldReader(vmValues, vmAt, CriuSchemas.DrmVm.Required);
        top.Begin(CriuHeader.Size);
        long end = CriuHeader.Size + (long)header.Length;
        // Past a budget, the entries' values are read again from the file on each pass, not held (RenderNodeBos).
        var bos = RenderNodeBos.Over(file, end, d5377d5d2);
        var vms = new List<VmRecord>();
        ReadOnlyMemory<byte> privData = ReadOnlyMemory<byte>.Empty;
        CriuRevisions boRevisions = CriuRevisions.Released | WithBos;
        bool d5377d5d2Entry = false;
        (ulong Present, CriuRevisions Fits) last = (ulong.MaxValue, CriuRevisions.None);
        for (long at = CriuHeader.Size; at < end;)
        {
            // One top-level field at a time, each whole in the window: the file is never held whole.
            ProtobufReader reader = file.Field(at, end);
            (uint number, int wire) = reader.ReadKey();
            switch (number)
            {
                case 5 when wire == 2:
                    top.Mark(5);
                    ProtobufReader entry = reader.ReadMessage(5, "bo_entries");
                    if (d5377d5d2)
                    {
                        bos.Add(ReadD5377d5d2Bo(ref entry, ref bo, problems), [], at);
                    }
                    else
                    {
                        bos.Add(ReadBo(ref entry, ref bo, ref vm, vms, problems), CollectionsMarshal.AsSpan(vms), at);
                    }

                    d5377d5d2Entry |= bo.Has(5) && !bo.Has(8);
                    if (bo.Present != last.Present)
                    {
                        last = (bo.Present, CriuSchemas.FitsAny(bo.Present, CriuSchemas.DrmBo, BoFields) & WithBos);
                    }

                    boRevisions &= last.Fits;
                    break;
                case 7 when wire == 2:
                    top.Mark(7);
                    ProtobufReader bytes = reader.ReadMessage(7, "priv_data");
                    privData = file.Slice(bytes.Offset, (int)(reader.Offset - bytes.Offset));
                    break;
                case 5 or 7:
                    top.Mark(number);
                    top.Wrong(number, at, number == 7 ? FieldReader.WireMismatch.Bytes : FieldReader.WireMismatch.Message);
                    reader.Skip(wire, number);
                    break;
                default:
                    top.Take(ref reader, number, wire, at);
                    break;
            }

            at = reader.Offset;
        }

        CriuRevisions revisions = CriuSchemas.FitsAny(top.Present, CriuSchemas.RenderNode, NodeFields) & boRevisions;
        CriuRevisions shapeOf = CriuFileReader.Pick(revisions,
            top.Has(6) || top.Has(7) || d5377d5d2Entry ? CriuRevisions.D5377d5d2
            : top.Has(2) || top.Has(3) || top.Has(4) || top.Has(5) ? CriuRevisions.CriuDev
            : CriuRevisions.Released);
        if ((shapeOf == CriuRevisions.D5377d5d2) != d5377d5d2)
        {
            return null;
        }

        top.Finish(CriuSchemas.RenderNode(shapeOf), problems);
        var node = new CriuRenderNode(top.U32(1), top.U32(2), top.U32(3), top.U64(4), bos)
        {
            NumOfObjects = d5377d5d2 ? top.U32(6) : null,
            PrivData = d5377d5d2 ? privData : null,
            NumOfBosOffset = top.OffsetOf(4),
        };
        return new CriuMessageFile<CriuRenderNode>(node, revisions, header.Length, header.Stale, CriuFileReader.Sorted(problems));
    }

    /// <summary>The entry's values; its mappings are left in <paramref name="vms"/>.</summary>
    internal static DrmBo ReadBo(ref ProtobufReader reader, ref FieldReader bo, ref FieldReader vm, List<VmRecord> vms, List<CriuProblem> problems)
    {
        bo.Begin(reader.Offset);
        vms.Clear();
        while (bo.NextNested(ref reader, 10))
        {
            ProtobufReader inner = reader.ReadMessage(10, "vm_entries");
            vm.ReadAll(ref inner);
            vm.Finish(CriuSchemas.DrmVm, problems);
            vms.Add(new VmRecord(vm.U64(1), vm.U64(2), vm.U64(3), vm.U64(4)));
        }

        bo.Finish(CriuSchemas.DrmBoCriuDev, problems);
        return new DrmBo
        {
            Addr = bo.U64(1),
            Size = bo.U64(2),
            Offset = bo.U64(3),
            AllocFlags = bo.U64(4),
            Alignment = bo.U64(5),
            PreferredDomains = bo.U32(6),
            Handle = bo.U32(7),
            IsImport = bo.U32(8),
            NumOfVms = bo.U32(9),
            ByteOffset = bo.Offset,
        };
    }

    internal static DrmBo ReadD5377d5d2Bo(ref ProtobufReader reader, ref FieldReader bo, List<CriuProblem> problems)
    {
        bo.ReadAll(ref reader);
        bo.Finish(CriuSchemas.DrmBoD5377d5d2, problems);
        return new DrmBo
        {
            Addr = bo.U64(1),
            Size = bo.U64(2),
            Offset = bo.U64(3),
            AllocFlags = bo.U64(4),
            PreferredDomains = bo.U32(5),
            Handle = bo.U32(6),
            IsImport = bo.U32(7),
            ByteOffset = bo.Offset,
        };
    }
}
