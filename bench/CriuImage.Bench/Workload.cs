using CriuImage.Abi;
using CriuImage.Tests.Support.Protobuf;

namespace CriuImage.Bench;

/// <summary>
/// A clean, realistic data set: BOs of 1000 mappings each, every mapping 16 GPU pages, disjoint, inside a
/// 48-bit VM and inside its BO; the same data as ioctl buffers, as a CRIU protobuf message, and as an image.
/// </summary>
internal sealed class Workload
{
    public const int MappingsPerBo = 1000;
    private const ulong PagesPerMapping = 16;

    /// <summary>Builds the data set; <paramref name="shuffled"/> scatters the mappings over the address space in random order.</summary>
    public Workload(int mappings, bool shuffled = false)
    {
        int boCount = Math.Max(1, (mappings + MappingsPerBo - 1) / MappingsPerBo);
        Bos = new CriuV8BoBucket[boCount];
        Mappings = new CriuVmBucket[boCount][];
        ulong page = 0x1000; // 16 MiB: above every reserved bottom
        int[] slots = Enumerable.Range(0, mappings).ToArray();
        if (shuffled)
        {
            new Random(mappings).Shuffle(slots);
        }

        int left = mappings;
        int next = 0;
        for (int b = 0; b < boCount; b++)
        {
            int count = Math.Min(left, MappingsPerBo);
            left -= count;
            Bos[b] = new CriuV8BoBucket
            {
                GemHandle = (uint)b + 1,
                Size = MappingsPerBo * PagesPerMapping * 4096,
                AllocFlags = (ulong)GemCreateFlags.VramCleared,
                PreferredDomains = (uint)GemDomains.Vram,
            };
            Mappings[b] = new CriuVmBucket[count];
            for (int m = 0; m < count; m++)
            {
                ulong start = page + ((ulong)slots[next++] * PagesPerMapping);
                Mappings[b][m] = new CriuVmBucket { Start = start, Last = start + PagesPerMapping - 1, Offset = (ulong)m * PagesPerMapping * 4096, Flags = (ulong)(VmFlags.PageReadable | VmFlags.PageWriteable | VmFlags.PageExecutable) };
            }
        }

        Count = mappings;
    }

    public int Count { get; }

    public CriuV8BoBucket[] Bos { get; }

    public CriuVmBucket[][] Mappings { get; }

    public static ImageHeader Header => new(AbiRevision.CriuV8) { Device = new DeviceInfo { RenderMinor = 128, GcIpVersion = new IpVersion(11, 0, 0) } };

    /// <summary>Writes every BO and its mappings: what a dumper does after the ioctls.</summary>
    public void WriteTo(ImageWriter writer)
    {
        for (int b = 0; b < Bos.Length; b++)
        {
            writer.WriteBo(Bos[b], 0x1_0000_0000 + ((ulong)b * Bos[b].Size), Mappings[b]);
        }
    }

    /// <summary>The same data as CRIU's plugin builds it: one message object per BO and per mapping.</summary>
    public criu_render_node ToProtobuf()
    {
        var node = new criu_render_node { GpuId = 1, Id = 1, DrmRenderMinor = 128, NumOfBos = (ulong)Bos.Length };
        for (int b = 0; b < Bos.Length; b++)
        {
            CriuV8BoBucket bo = Bos[b];
            var entry = new drm_bo_entry
            {
                Addr = 0,
                Size = bo.Size,
                Offset = 0x1_0000_0000 + ((ulong)b * bo.Size),
                AllocFlags = bo.AllocFlags,
                Alignment = 0,
                PreferredDomains = bo.PreferredDomains,
                Handle = bo.GemHandle,
                IsImport = bo.Flags & 1,
                NumOfVms = (uint)Mappings[b].Length,
            };
            foreach (CriuVmBucket vm in Mappings[b])
            {
                entry.VmEntries.Add(new drm_vm_entry { Addr = vm.Start * 4096, Size = (vm.Last - vm.Start + 1) * 4096, Offset = vm.Offset, Flags = vm.Flags });
            }

            node.BoEntries.Add(entry);
        }

        return node;
    }

    public byte[] ToImage()
    {
        using var stream = new MemoryStream();
        ImageWriter writer = ImageWriter.Create(stream, Header, leaveOpen: true);
        WriteTo(writer);
        writer.CompleteAsync().AsTask().GetAwaiter().GetResult();
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return stream.ToArray();
    }
}
