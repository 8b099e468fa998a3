using System.Globalization;
using System.Text.RegularExpressions;

namespace CriuImage.Criu;

/// <summary>
/// A file name as CRIU's amdgpu plugin prints it (amdgpu_plugin_util.h): its kind and the numbers in it.
/// The ids are printed with <c>%d</c>, gpu_id and BO index with <c>%04x</c> (at least four hex digits).
/// </summary>
/// <param name="Kind">Which of the five files.</param>
/// <param name="Id">The id CRIU gave the plugin for the file (the ext-file id).</param>
/// <param name="GpuId">KFD pages: the GPU's gpu_id.</param>
/// <param name="Minor">drm pages: the render minor.</param>
/// <param name="Index">drm pages: the BO's index in the render node's list.</param>
public sealed partial record CriuFileName(CriuFileKind Kind, long Id, uint? GpuId = null, long? Minor = null, uint? Index = null)
{
    /// <summary>
    /// The name CRIU gives the KFD pages file of <paramref name="gpuId"/> beside the KFD image of file id
    /// <paramref name="id"/> (amdgpu_plugin_util.h); a file read without its name (standard input) has no id (-1),
    /// and its pages file is said with <c>&lt;id&gt;</c> where the id goes, never a name CRIU would not write.
    /// </summary>
    internal static string KfdPages(long id, uint gpuId) =>
        string.Create(CultureInfo.InvariantCulture, $"amdgpu-pages-{IdText(id)}-{gpuId:x4}.img");

    /// <summary>The name CRIU gives the drm-pages file of BO <paramref name="index"/> of a render node (amdgpu_plugin_drm.c:210); an unknown id (-1) is said as in <see cref="KfdPages"/>.</summary>
    internal static string DrmPages(long id, long minor, ulong index) =>
        string.Create(CultureInfo.InvariantCulture, $"amdgpu-drm-pages-{IdText(id)}-{minor}-{index:x4}.img");

    private static string IdText(long id) => id >= 0 ? id.ToString(CultureInfo.InvariantCulture) : "<id>";

    /// <summary>Recognises <paramref name="fileName"/> (no folder part); null for any other name.</summary>
    public static CriuFileName? Parse(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        Match m = Pattern().Match(fileName);
        if (!m.Success || !long.TryParse(m.Groups["id"].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long id))
        {
            return null;
        }

        bool bare = m.Groups["a"].Value.Length == 0 && m.Groups["b"].Value.Length == 0;
        return m.Groups["kind"].Value switch
        {
            "kfd-" when bare => new CriuFileName(CriuFileKind.KfdImage, id),
            "renderD-" when bare => new CriuFileName(CriuFileKind.RenderNode, id),
            "dmabuf_" when bare => new CriuFileName(CriuFileKind.DmaBuf, id),
            "pages-" when Hex(m.Groups["a"].Value) is { } gpu && m.Groups["b"].Value.Length == 0 => new CriuFileName(CriuFileKind.KfdPages, id, GpuId: gpu),
            "drm-pages-" when long.TryParse(m.Groups["a"].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long minor) && Hex(m.Groups["b"].Value) is { } index
                => new CriuFileName(CriuFileKind.DrmPages, id, Minor: minor, Index: index),
            _ => null,
        };
    }

    private static uint? Hex(string digits) =>
        digits.Length >= 4 && uint.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint value) ? value : null;

    [GeneratedRegex(@"^amdgpu-(?<kind>kfd-|renderD-|dmabuf_|pages-|drm-pages-)(?<id>-?[0-9]+)(?:-(?<a>-?[0-9a-f]+))?(?:-(?<b>[0-9a-f]+))?\.img$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
