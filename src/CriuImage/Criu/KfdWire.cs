namespace CriuImage.Criu;

/// <summary>
/// One walk of a <c>criu_kfd</c>'s wire: device entries and BO entries are read as they come, each BO into
/// its entry at once (the meaning of kfd_bo_entry's fields is the same in every revision; only which are
/// required differs, settled after the walk).
/// </summary>
internal static class KfdWire
{
    private const ulong BoFields = (1UL << 8) - 2;

    /// <summary>The top-level fields <see cref="Read"/> takes as varints.</summary>
    private static readonly ulong TopVarints = CriuSchemas.Kfd.Uint32 | CriuSchemas.Bit(5) | CriuSchemas.Bit(8);

    /// <summary>
    /// True when a top-level field has a wire type other than the one <see cref="Read"/> takes (a render node's
    /// bo_entries are field 5, a KFD image's num_of_bos): the read would report it as a problem, so a file of
    /// another kind is told without reading its entries (and a problem for each of them), nor any field's bytes.
    /// </summary>
    public static bool TopMisfits(WireWindow file, (ulong Length, long Stale) header)
    {
        long end = CriuHeader.Size + (long)header.Length;
        for (long at = CriuHeader.Size; at < end;)
        {
            ProtobufReader reader = file.FieldHead(at, end);
            (uint number, int wire) = reader.ReadKey();
            bool message = number is 4 or 6 or 10;
            bool varint = number < 64 && (TopVarints & (1UL << (int)number)) != 0;
            if ((message && wire != 2) || (varint && wire != 0))
            {
                return true;
            }

            at = Past(ref reader, number, wire);
        }

        return false;
    }

    /// <summary>
    /// Reads the image a top-level field at a time (<see cref="WireWindow.Field"/>): each device and BO entry whole in
    /// the window, the private data never read here but kept as where it lies (<see cref="CriuKfd.Private"/>), so an
    /// image read from a descriptor is never held whole.
    /// </summary>
    public static CriuMessageFile<CriuKfd> Read(WireWindow file, (ulong Length, long Stale) header)
    {
        var problems = new List<CriuProblem>();
        Span<ulong> topValues = new ulong[11];
        Span<long> topAt = new long[11];
        Span<ulong> boValues = new ulong[8];
        Span<long> boAt = new long[8];
        var top = new FieldReader(topValues, topAt, TopVarints);
        var bo = new FieldReader(boValues, boAt, BoFields);
        top.Begin(CriuHeader.Size);
        KfdBoList bos = KfdBoList.ForReader();
        var devices = new List<KfdDeviceEntry>();
        KfdPrivateBytes privData = KfdPrivateBytes.Empty;
        CriuRevisions revisions = CriuRevisions.Released | CriuRevisions.CriuDev | CriuRevisions.D5377d5d2;
        ulong seen = 0;
        (ulong Present, CriuRevisions Fits) last = (ulong.MaxValue, CriuRevisions.None);
        long end = CriuHeader.Size + (long)header.Length;
        for (long at = CriuHeader.Size; at < end;)
        {
            ProtobufReader head = file.FieldHead(at, end);
            (uint number, int wire) = head.ReadKey();
            if (number == 10 && wire == 2)
            {
                top.Mark(10);
                (long bytesAt, ulong length) = head.ReadLength(10, "priv_data");
                privData = file.Later(bytesAt, (long)length);
                at = bytesAt + (long)length;
                continue;
            }

            ProtobufReader reader = file.Field(at, end);
            reader.ReadKey();
            switch (number)
            {
                case 6 when wire == 2:
                    top.Mark(6);
                    ProtobufReader entry = reader.ReadMessage(6, "bo_entries");
                    bos.Add(ReadBo(ref entry, ref bo, problems));
                    seen |= bo.Present;
                    if (bo.Present != last.Present)
                    {
                        last = (bo.Present, CriuSchemas.FitsAny(bo.Present, CriuSchemas.KfdBo, BoFields));
                    }

                    revisions &= last.Fits;
                    break;
                case 4 when wire == 2:
                    top.Mark(4);
                    ProtobufReader device = reader.ReadMessage(4, "device_entries");
                    devices.Add(ReadDevice(ref device, problems));
                    break;
                case 4 or 6 or 10:
                    top.Mark(number);
                    top.Wrong(number, at, number == 10 ? FieldReader.WireMismatch.Bytes : FieldReader.WireMismatch.Message);
                    reader.Skip(wire, number);
                    break;
                default:
                    top.Take(ref reader, number, wire, at);
                    break;
            }

            at = reader.Offset;
        }

        top.Finish(CriuSchemas.Kfd, problems);
        CriuRevisions shapeOf = CriuFileReader.Pick(revisions, (seen & CriuSchemas.Bit(7)) != 0 ? CriuRevisions.D5377d5d2 : (seen & CriuSchemas.Bit(6)) != 0 ? CriuRevisions.CriuDev : CriuRevisions.Released);
        Require(bos, CriuSchemas.KfdBo(shapeOf), problems);
        var kfd = new CriuKfd(top.U32(1), top.U32(2), top.U32(3), devices, top.U64(5), bos, top.U32(7), top.U64(8), top.U32(9), ReadOnlyMemory<byte>.Empty)
        {
            Private = privData,
            NumOfBosOffset = top.OffsetOf(5),
            NumOfGpusOffset = top.OffsetOf(2),
        };
        return new CriuMessageFile<CriuKfd>(kfd, revisions, header.Length, header.Stale, CriuFileReader.Sorted(problems));
    }

    /// <summary>Where the field whose key <paramref name="reader"/> (a <see cref="WireWindow.FieldHead"/>) just read ends, its bytes not read.</summary>
    private static long Past(ref ProtobufReader reader, uint number, int wire)
    {
        if (wire != 2)
        {
            reader.Skip(wire, number);
            return reader.Offset;
        }

        (long bytesAt, ulong length) = reader.ReadLength(number, null);
        return bytesAt + (long)length;
    }

    private static KfdBo ReadBo(ref ProtobufReader reader, ref FieldReader bo, List<CriuProblem> problems)
    {
        bo.ReadAll(ref reader);

        // Fields 1..5 are required in every revision; 6 and 7 only in the later ones (Require).
        bo.Finish(CriuSchemas.KfdBoReleased, problems);
        return new KfdBo(bo.U64(1), bo.U64(2), bo.U64(3), bo.U32(4), bo.U32(5), bo.Has(6) ? bo.U32(6) : null, bo.Has(7) ? bo.U32(7) : null, bo.Offset);
    }

    /// <summary>A handle (criu-dev, d5377d5d2) or is_import (d5377d5d2) the revision requires and an entry lacks: protobuf-c refuses it; the value reads 0.</summary>
    private static void Require(KfdBoList bos, CriuSchemas.Shape shape, List<CriuProblem> problems)
    {
        bool handle = (shape.Required & CriuSchemas.Bit(6)) != 0;
        bool isImport = (shape.Required & CriuSchemas.Bit(7)) != 0;
        if (!handle && !isImport)
        {
            return;
        }

        foreach (KfdBo entry in bos.Values)
        {
            if ((handle && entry.Handle is null) || (isImport && entry.IsImport is null))
            {
                foreach ((bool required, uint? value, uint number) in new[] { (handle, entry.Handle, 6u), (isImport, entry.IsImport, 7u) })
                {
                    if (required && value is null)
                    {
                        problems.Add(new CriuProblem(CriuProblemKind.Unpack, entry.ByteOffset, $"{shape.Name} lacks its required field {shape.NameOf(number)} ({number}): protobuf-c's unpack fails"));
                    }
                }
            }
        }

        bos.FillRequired(handle, isImport);
    }

    private static KfdDeviceEntry ReadDevice(ref ProtobufReader reader, List<CriuProblem> problems)
    {
        Span<ulong> values = new ulong[32];
        Span<long> at = new long[32];
        Span<ulong> linkValues = new ulong[3];
        Span<long> linkAt = new long[3];
        var device = new FieldReader(values, at, CriuSchemas.DeviceEntry.Required);
        var link = new FieldReader(linkValues, linkAt, CriuSchemas.Iolink.Required);
        device.Begin(reader.Offset);
        var links = new List<DevIolink>();
        while (device.NextNested(ref reader, 32))
        {
            ProtobufReader inner = reader.ReadMessage(32, "iolinks");
            link.ReadAll(ref inner);
            link.Finish(CriuSchemas.Iolink, problems);
            links.Add(new DevIolink(link.U32(1), link.U32(2)));
        }

        device.Finish(CriuSchemas.DeviceEntry, problems);
        var scalars = new ulong[KfdDeviceEntry.FieldNames.Count];
        for (int i = 0; i < scalars.Length; i++)
        {
            // uint32 fields as protobuf-c keeps them: the low 32 bits.
            scalars[i] = (CriuSchemas.DeviceEntry.Uint32 & CriuSchemas.Bit(i + 1)) != 0 ? device.U32((uint)i + 1) : device.U64((uint)i + 1);
        }
        return new KfdDeviceEntry(scalars, links) { ByteOffset = device.Offset };
    }
}
