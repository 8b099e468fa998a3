using System.Globalization;
using System.Text;
using CriuImage.Abi;

namespace CriuImage.Tests.Support;

/// <summary>
/// The model behind tests/capture-fake/fake_render_node.c: a render-node file's BOs (those present from the
/// start, those the process creates during the capture, the one it closes) and their mappings, written in the
/// fake's model format, and the image a capture of it must give, made here with our writer.
/// </summary>
internal sealed class FakeRenderNode
{
    private readonly List<(string Kind, GemListHandlesEntry Bo, GemVmEntry[] Mappings)> _bos = [];

    /// <summary>
    /// A model of <paramref name="present"/> BOs (handles 1 and up, one of them closing), then <paramref name="late"/>
    /// more the process creates later. Past 64 BOs the first LIST_HANDLES call is too small, and BO 5 has 40
    /// mappings, past the 16 of the first GET_MAPPING_INFO call: both count protocols run more than once.
    /// BO <paramref name="noCpuAccess"/> (none when 0) is created with NO_CPU_ACCESS: GEM_MMAP refuses it.
    /// </summary>
    public static FakeRenderNode Create(int present, int late, uint closing = 35, uint noCpuAccess = 0)
    {
        var node = new FakeRenderNode();
        for (uint handle = 1; handle <= present + late; handle++)
        {
            uint pages = handle == 5 ? 40u : 1 + (handle % 8);
            int mappings = handle == 5 ? 40 : (int)(handle % 3);
            var bo = new GemListHandlesEntry
            {
                GemHandle = handle,
                Flags = handle % 10 == 0 ? 1u : 0u,
                Size = pages * 4096UL,
                PreferredDomains = handle % 2 == 0 ? 0x4u : 0x2u,
                AllocFlags = 0x8 | (handle % 4 == 0 ? 0x1u : 0u) | (handle == noCpuAccess ? (ulong)GemCreateFlags.NoCpuAccess : 0),
                Alignment = handle % 6 == 0 ? 512u : 1u,
            };

            // Each BO's mappings in a 16 MiB window of its own above 4 GiB: page-aligned, inside the BO, disjoint.
            ulong window = 0x1_0000_0000UL + (handle * 0x100_0000UL);
            GemVmEntry[] vms = [.. Enumerable.Range(0, mappings).Select(k => new GemVmEntry
            {
                Addr = window + ((ulong)k * 0x2000),
                Size = 4096,
                Offset = (ulong)(k % pages) * 4096,
                Flags = k % 2 == 0 ? 0x6u : 0xEu,
            })];
            string kind = handle > present ? "late" : handle == closing ? "closing" : "bo";
            node._bos.Add((kind, bo, vms));
        }

        return node;
    }

    /// <summary>Writes the model file the fake reads.</summary>
    public void Write(string path)
    {
        var text = new StringBuilder();
        foreach ((string kind, GemListHandlesEntry bo, GemVmEntry[] mappings) in _bos)
        {
            text.Append(CultureInfo.InvariantCulture, $"{kind} {bo.GemHandle} {bo.Flags} {bo.Size} {bo.PreferredDomains} {bo.AllocFlags} {bo.Alignment}\n");
            foreach (GemVmEntry m in mappings)
            {
                text.Append(CultureInfo.InvariantCulture, $"map {m.Addr} {m.Size} {m.Offset} {m.Flags}\n");
            }
        }

        File.WriteAllText(path, text.ToString());
    }

    /// <summary>
    /// The image our writer makes, under <paramref name="header"/> (the capture's own: its id, time, pid and revision), from
    /// the BOs open when the capture ended: those present from the start, the first <paramref name="appeared"/>
    /// late ones, without the closing one when <paramref name="closed"/>.
    /// </summary>
    public async Task<byte[]> ExpectedImageAsync(ImageHeader header, int appeared, bool closed)
    {
        using var bytes = new MemoryStream();
        await using (ImageWriter writer = ImageWriter.Create(bytes, header, leaveOpen: true))
        {
            int lateSeen = 0;
            foreach ((string kind, GemListHandlesEntry bo, GemVmEntry[] mappings) in _bos)
            {
                bool open = kind switch
                {
                    "late" => lateSeen++ < appeared,
                    "closing" => !closed,
                    _ => true,
                };
                // GEM_MMAP gives no offset for a BO without CPU access (-EPERM): the image leaves it out.
                ulong? mmapOffset = (bo.AllocFlags & (ulong)GemCreateFlags.NoCpuAccess) != 0 ? null : MmapOffset(bo.GemHandle);
                if (open && header.Abi == AbiRevision.Criu2025_06)
                {
                    writer.WriteBo(AsPosting(bo), [.. mappings.Select(m => InPages(m, m.Flags))]);
                }
                else if (open && header.Abi == AbiRevision.CriuV8)
                {
                    var bucket = new CriuV8BoBucket { Size = bo.Size, AllocFlags = bo.AllocFlags, PreferredDomains = (uint)bo.PreferredDomains, Flags = bo.Flags, GemHandle = bo.GemHandle };
                    writer.WriteBo(bucket, mmapOffset, [.. mappings.Select(m => InPages(m, PteBits(m.Flags)))]);
                }
                else if (open)
                {
                    writer.WriteBo(bo, mmapOffset, mappings);
                }
            }

            await writer.CompleteAsync();
        }

        return bytes.ToArray();
    }

    /// <summary>A mapping as the postings report it: in GPU pages, <c>last</c> inclusive, with <paramref name="flags"/>.</summary>
    private static CriuVmBucket InPages(GemVmEntry m, ulong flags) =>
        new() { Start = m.Addr / 4096, Last = ((m.Addr + m.Size) / 4096) - 1, Offset = m.Offset, Flags = flags };

    /// <summary>
    /// The hardware PTE bits a pre-6.18 kernel stored for uapi mapping flags (amdgpu_gem_va_map_flags; GFX9, whose
    /// default MTYPE is 0), which criu-v8 copies out unchanged.
    /// </summary>
    private static ulong PteBits(ulong flags) =>
        ((flags & (ulong)VmFlags.PageExecutable) != 0 ? (ulong)PteFlags.Executable : 0)
        | ((flags & (ulong)VmFlags.PageReadable) != 0 ? (ulong)PteFlags.Readable : 0)
        | ((flags & (ulong)VmFlags.PageWriteable) != 0 ? (ulong)PteFlags.Writeable : 0)
        | ((flags & (ulong)VmFlags.PageNoalloc) != 0 ? (ulong)PteFlags.NoAlloc : 0);

    /// <summary>The fake's mmap offset of a BO (fake_render_node.c, mmap_offset).</summary>
    private static ulong MmapOffset(uint handle) => 0x1_0000_0000UL + ((ulong)handle * 0x10_0000);

    /// <summary>The criu-2025-06 posting's bucket of the BO, its mmap offset as the fake models it.</summary>
    private static Criu202506BoBucket AsPosting(GemListHandlesEntry bo) => new()
    {
        Size = bo.Size,
        Offset = MmapOffset(bo.GemHandle),
        AllocFlags = bo.AllocFlags,
        PreferredDomains = (uint)bo.PreferredDomains,
        Flags = bo.Flags,
        GemHandle = bo.GemHandle,
    };

    /// <summary>
    /// The fake's notes on the target's tree (MODEL.freeze): "answered-frozen", "answered-running", "threads",
    /// "processes", "node-grew", "outsider" by their numbers, and "after running" 1 when the tree ran untraced after.
    /// </summary>
    public static Dictionary<string, int> Freeze(string model)
    {
        var freeze = new Dictionary<string, int>();
        foreach (string line in File.ReadAllLines(model + ".freeze"))
        {
            string[] parts = line.Split(' ');
            freeze[parts[0] == "after" ? line : parts[0]] = parts[0] == "after" ? 1 : int.Parse(parts[1], CultureInfo.InvariantCulture);
        }

        freeze.TryAdd("after running", 0);
        return freeze;
    }

    /// <summary>The fake, compiled by gcc into <paramref name="folder"/>.</summary>
    public static string Compile(string folder)
    {
        string program = Path.Combine(folder, "fake_render_node");
        var (code, output, error) = NativeArtifacts.Run("gcc", folder, ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-o", program, Path.Combine(RepoPaths.Root, "tests", "capture-fake", "fake_render_node.c")]);
        Assert.True(code == 0, $"gcc could not build the fake render node (scripts/test.sh installs gcc and libc6-dev):\n{output}{error}");
        return program;
    }
}
