namespace CriuImage.Criu;

/// <summary>
/// Which fields each revision's writer puts in each message (criu-amdgpu.proto at v3.17..v4.2, at
/// d5377d5d2 and at criu-dev; proto2, every scalar <c>required</c>, so protobuf-c always packs it), for
/// telling revisions apart by the fields on the wire.
/// </summary>
internal static class CriuSchemas
{
    /// <summary>A message's required and repeated field numbers in one revision.</summary>
    internal sealed record Shape(string Name, uint[] Required, uint[] Repeated)
    {
        public bool Knows(uint number) => Array.IndexOf(Required, number) >= 0 || Array.IndexOf(Repeated, number) >= 0;
    }

    private static uint[] Range(uint first, uint last) => [.. Enumerable.Range((int)first, (int)(last - first + 1)).Select(i => (uint)i)];

    public static readonly Shape KfdReleased = new("criu_kfd", [1, 2, 3, 5, 7, 8, 9, 10], [4, 6]);
    public static readonly Shape DeviceEntry = new("kfd_device_entry", Range(1, 31), [32]);
    public static readonly Shape Iolink = new("dev_iolink", [1, 2], []);

    public static Shape KfdBo(CriuRevisions revision) => revision switch
    {
        CriuRevisions.Released => new("kfd_bo_entry", Range(1, 5), []),
        CriuRevisions.CriuDev => new("kfd_bo_entry", Range(1, 6), []),
        _ => new("kfd_bo_entry", Range(1, 7), []),
    };

    public static Shape RenderNode(CriuRevisions revision) => revision switch
    {
        CriuRevisions.Released => new("criu_render_node", [1], []),
        CriuRevisions.CriuDev => new("criu_render_node", [1, 2, 3, 4], [5]),
        _ => new("criu_render_node", [1, 2, 3, 4, 6, 7], [5]),
    };

    public static Shape DrmBo(CriuRevisions revision) => revision == CriuRevisions.CriuDev
        ? new("drm_bo_entry", Range(1, 9), [10])
        : new("drm_bo_entry", Range(1, 7), []);

    public static readonly Shape DrmVm = new("drm_vm_entry", [1, 2, 3, 4], []);
    public static readonly Shape Dmabuf = new("criu_dmabuf_node", [1], []);

    public static readonly CriuRevisions[] Each = [CriuRevisions.Released, CriuRevisions.CriuDev, CriuRevisions.D5377d5d2];

    /// <summary>Whether a writer of <paramref name="shape"/> could have produced <paramref name="message"/>: every required field there, no field it never writes among <paramref name="known"/>.</summary>
    public static bool Fits(RawMessage message, Shape shape, uint[] known)
    {
        foreach (uint number in shape.Required)
        {
            if (!message.Has(number))
            {
                return false;
            }
        }

        foreach (RawField field in message.Fields)
        {
            if (Array.IndexOf(known, field.Number) >= 0 && !shape.Knows(field.Number))
            {
                return false;
            }
        }

        return true;
    }
}
