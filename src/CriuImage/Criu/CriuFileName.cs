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
    /// How reports name a file of a dump: by its base name where that is CRIU's name for it (its folder is the
    /// dump's), else as it was given (<c>-</c>, <c>/dev/fd/63</c>, a file under another name), as the line naming it
    /// says it: the base name of <c>/dev/fd/63</c> is <c>63</c>, which names nothing.
    /// </summary>
    internal static string Said(string path) =>
        Path.GetFileName(path) is var name && Parse(name) is not null ? name : path;

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
