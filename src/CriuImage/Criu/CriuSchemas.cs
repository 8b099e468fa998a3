namespace CriuImage.Criu;

/// <summary>
/// Which fields each revision's writer puts in each message (criu-amdgpu.proto at v3.17..v4.2, at
/// d5377d5d2 and at criu-dev; proto2, every scalar <c>required</c>, so protobuf-c always packs it), for
/// telling revisions apart by the fields on the wire. Field sets are bit masks (bit n: field n), built
/// once: a message is matched against a revision with two mask operations.
/// </summary>
internal static class CriuSchemas
{
    /// <summary>A message's fields in one revision.</summary>
    /// <param name="Name">The message's .proto name.</param>
    /// <param name="Names">The fields' .proto names, index = field number (0 unused).</param>
    /// <param name="Required">Required fields.</param>
    /// <param name="Repeated">Repeated fields.</param>
    /// <param name="Uint32">Scalar fields of type uint32 (protobuf-c keeps their low 32 bits).</param>
    internal sealed record Shape(string Name, string[] Names, ulong Required, ulong Repeated, ulong Uint32)
    {
        /// <summary>Fields this revision writes.</summary>
        public ulong Known => Required | Repeated;

        /// <summary>The .proto name of field <paramref name="number"/>.</summary>
        public string NameOf(uint number) => number < Names.Length ? Names[number] : $"field {number}";
    }

    /// <summary>Bits <paramref name="first"/>..<paramref name="last"/>.</summary>
    internal static ulong Bits(int first, int last) => (ulong.MaxValue >> (63 - last)) & ~((1UL << first) - 1);

    internal static ulong Bit(int number) => 1UL << number;

    private static readonly string[] KfdBoNames = ["", "addr", "size", "offset", "alloc_flags", "gpu_id", "handle", "is_import"];
    private static readonly string[] KfdNames = ["", "pid", "num_of_gpus", "num_of_cpus", "device_entries", "num_of_bos", "bo_entries", "num_of_objects", "shared_mem_size", "shared_mem_magic", "priv_data"];
    private static readonly string[] DrmBoNames = ["", "addr", "size", "offset", "alloc_flags", "alignment", "preferred_domains", "handle", "is_import", "num_of_vms", "vm_entries"];
    private static readonly string[] D5377BoNames = ["", "addr", "size", "offset", "alloc_flags", "preferred_domains", "handle", "is_import"];
    private static readonly string[] NodeNames = ["", "gpu_id", "id", "drm_render_minor", "num_of_bos", "bo_entries", "num_of_objects", "priv_data"];
    private static readonly string[] D5377NodeNames = ["", "gpu_id", "pid", "drm_render_minor", "num_of_bos", "bo_entries", "num_of_objects", "priv_data"];

    public static readonly Shape Kfd = new("criu_kfd", KfdNames, Bit(1) | Bit(2) | Bit(3) | Bit(5) | Bit(7) | Bit(8) | Bit(9) | Bit(10), Bit(4) | Bit(6), Bit(1) | Bit(2) | Bit(3) | Bit(7) | Bit(9));
    public static readonly Shape DeviceEntry = new("kfd_device_entry", ["", .. KfdDeviceEntry.FieldNames, "iolinks"], Bits(1, 31), Bit(32), Bits(1, 31) & ~Bit(22) & ~Bit(31));
    public static readonly Shape Iolink = new("dev_iolink", ["", "type", "node_to_id"], Bits(1, 2), 0, Bits(1, 2));

    /// <summary>kfd_bo_entry's fields 1..5 are the same in every revision; 6 (handle) and 7 (is_import) came later.</summary>
    public static readonly Shape KfdBoReleased = new("kfd_bo_entry", KfdBoNames, Bits(1, 5), 0, Bits(4, 7));
    public static readonly Shape KfdBoCriuDev = KfdBoReleased with { Required = Bits(1, 6) };
    public static readonly Shape KfdBoD5377d5d2 = KfdBoReleased with { Required = Bits(1, 7) };

    public static readonly Shape NodeReleased = new("criu_render_node", NodeNames, Bit(1), 0, Bit(1) | Bit(2) | Bit(3) | Bit(6));
    public static readonly Shape NodeCriuDev = NodeReleased with { Required = Bits(1, 4), Repeated = Bit(5) };
    public static readonly Shape NodeD5377d5d2 = NodeReleased with { Names = D5377NodeNames, Required = Bits(1, 4) | Bits(6, 7), Repeated = Bit(5) };

    public static readonly Shape DrmBoCriuDev = new("drm_bo_entry", DrmBoNames, Bits(1, 9), Bit(10), Bits(6, 9));
    public static readonly Shape DrmBoD5377d5d2 = new("drm_bo_entry", D5377BoNames, Bits(1, 7), 0, Bits(5, 7));
    public static readonly Shape DrmVm = new("drm_vm_entry", ["", "addr", "size", "offset", "flags"], Bits(1, 4), 0, 0);
    public static readonly Shape Dmabuf = new("criu_dmabuf_node", ["", "gem_handle"], Bit(1), 0, Bit(1));

    public static readonly CriuRevisions[] Each = [CriuRevisions.Released, CriuRevisions.CriuDev, CriuRevisions.D5377d5d2];

    public static Shape KfdBo(CriuRevisions revision) => revision switch
    {
        CriuRevisions.Released => KfdBoReleased,
        CriuRevisions.CriuDev => KfdBoCriuDev,
        _ => KfdBoD5377d5d2,
    };

    public static Shape RenderNode(CriuRevisions revision) => revision switch
    {
        CriuRevisions.Released => NodeReleased,
        CriuRevisions.CriuDev => NodeCriuDev,
        _ => NodeD5377d5d2,
    };

    /// <summary>The drm_bo_entry of a revision (a released render node has none; its entries would be criu-dev's).</summary>
    public static Shape DrmBo(CriuRevisions revision) => revision == CriuRevisions.D5377d5d2 ? DrmBoD5377d5d2 : DrmBoCriuDev;

    /// <summary>
    /// Whether a writer of <paramref name="shape"/> could have produced a message whose fields are
    /// <paramref name="present"/>: every required field there, no field it never writes among <paramref name="known"/>.
    /// </summary>
    public static bool Fits(ulong present, Shape shape, ulong known) =>
        (shape.Required & ~present) == 0 && (present & known & ~shape.Known) == 0;

    /// <summary>The revisions among <see cref="Each"/> whose <paramref name="shapeOf"/> fits <paramref name="present"/>.</summary>
    public static CriuRevisions FitsAny(ulong present, Func<CriuRevisions, Shape> shapeOf, ulong known)
    {
        CriuRevisions fits = CriuRevisions.None;
        foreach (CriuRevisions revision in Each)
        {
            if (Fits(present, shapeOf(revision), known))
            {
                fits |= revision;
            }
        }

        return fits;
    }
}
