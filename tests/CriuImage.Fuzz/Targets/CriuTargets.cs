using CriuImage.Diagnostics;
using CriuImage.Criu;
using CriuImage.Format;

namespace CriuImage.Fuzz.Targets;

/// <summary>
/// Targets of CRIU's amdgpu files, one per kind: the file's own reader (which refuses wire damage with
/// <see cref="ImageFormatException"/>), then the file in place of its namesake in an intact criu-dev dump, through
/// everything the commands do with a dump (<see cref="DumpPipeline"/>), where damage is a finding and nothing throws.
/// </summary>
internal static class CriuTargets
{
    /// <summary>amdgpu-kfd-&lt;id&gt;.img (criu_kfd).</summary>
    public static FuzzTarget KfdImage { get; } = Message("criu-kfd", "CriuFileReader.Lax.ReadKfd, then the dump rules, summary, decode, restore plan and host check", "amdgpu-kfd-5.img",
        input => CriuFileReader.Lax.ReadKfd(input));

    /// <summary>amdgpu-pages-&lt;id&gt;-&lt;gpu&gt;.img: its header (a byte count) and its length against the KFD image's BOs.</summary>
    public static FuzzTarget KfdPages { get; } = new("criu-kfd-pages", "a KFD pages file's header and length in a dump (the dump rules and restore plan)", "none (damage is a finding)", input =>
        DumpPipeline.RunFolder(Companions.With("amdgpu-pages-5-1a2b.img", input)));

    /// <summary>amdgpu-renderD-&lt;minor&gt;.img (criu_render_node), read lax and strict; what the import's reader accepts is imported.</summary>
    public static FuzzTarget RenderNode { get; } = Message("criu-render-node", "CriuFileReader.Lax.ReadRenderNode and CriuFileReader.Strict.ReadRenderNode (import), then the dump pipeline", "amdgpu-renderD-7.img",
        input => CriuFileReader.Lax.ReadRenderNode(input),
        input =>
        {
            CriuRenderNode node = CriuFileReader.Strict.ReadRenderNode(input).Message;
            Import(node, CriuImport.HeaderFor(node));
            return node;
        });

    /// <summary>amdgpu-drm-pages-&lt;id&gt;-&lt;minor&gt;-&lt;index&gt;.img: an untrusted header and one BO's contents.</summary>
    public static FuzzTarget DrmPages { get; } = new("criu-drm-pages", "a drm-pages file's header and length in a dump (the dump rules and restore plan)", "none (damage is a finding)", input =>
        DumpPipeline.RunFolder(Companions.With("amdgpu-drm-pages-7-128-0000.img", input)));

    /// <summary>amdgpu-dmabuf_&lt;id&gt;.img (criu_dmabuf_node).</summary>
    public static FuzzTarget Dmabuf { get; } = Message("criu-dmabuf", "CriuFileReader.Lax.ReadDmabuf, then the dump pipeline", "amdgpu-dmabuf_9.img",
        input => CriuFileReader.Lax.ReadDmabuf(input));

    /// <summary>Imports <paramref name="node"/> into an image, which must read back: import never writes a damaged image.</summary>
    public static void Import(CriuRenderNode node, ImageHeader header)
    {
        using var image = new MemoryStream();
        FormatTargets.Wait(async () =>
        {
            await using ImageWriter writer = ImageWriter.Create(image, header, leaveOpen: true);
            CriuImport.WriteBos(node, writer);
            await writer.CompleteAsync();
        });
        try
        {
            FormatTargets.ReadAll(image.ToArray());
        }
        catch (ImageFormatException e)
        {
            throw new InvalidOperationException($"the imported image does not read back: {e.Message}", e);
        }
    }

    /// <summary>
    /// A message file's target: each of <paramref name="readers"/> reads the input or refuses it with
    /// <see cref="ImageFormatException"/>; then the input takes <paramref name="companion"/>'s place in the dump.
    /// </summary>
    private static FuzzTarget Message(string name, string parser, string companion, params Func<ReadOnlyMemory<byte>, object?>[] readers) =>
        new(name, parser, nameof(ImageFormatException), input =>
        {
            foreach (Func<ReadOnlyMemory<byte>, object?> read in readers)
            {
                try
                {
                    _ = read(input);
                }
                catch (ImageFormatException)
                {
                }
            }

            DumpPipeline.RunFolder(Companions.With(companion, input));
        });
}
