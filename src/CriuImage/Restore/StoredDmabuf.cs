using CriuImage.Abi;
using CriuImage.Criu;

namespace CriuImage.Restore;

/// <summary>
/// What store_dmabuf_fd (amdgpu_plugin.c:1078-1099 at 2cf8f13) keeps for one handle number in the replay: the file
/// that stored it, and where that BO's contents were saved. The contents file's name is made when asked, not held:
/// a name per BO was about 90 MB of strings in a render node of 10^6 BOs.
/// </summary>
internal readonly struct StoredDmabuf
{
    private readonly ContentsIn _where;
    private readonly long _id;
    private readonly uint _second;
    private readonly ulong _at;

    private StoredDmabuf(string file, ContentsIn where, long id, uint second, ulong at)
    {
        File = file;
        _where = where;
        _id = id;
        _second = second;
        _at = at;
    }

    private enum ContentsIn : byte
    {
        Nowhere,
        KfdPages,
        DrmPages,
    }

    /// <summary>The name of the CRIU file whose restore stored the fd.</summary>
    public string File { get; }

    /// <summary>Where the BO's contents were saved; null when they were not.</summary>
    public SavedContents? Contents => _where switch
    {
        ContentsIn.KfdPages => new SavedContents(CriuFileName.KfdPages(_id, _second), _at),
        ContentsIn.DrmPages => new SavedContents(CriuFileName.DrmPages(_id, _second, _at), RestorePathConstants.ImageSizeHeader),
        _ => null,
    };

    /// <summary>A KFD BO stored by <paramref name="file"/>, its contents (if saved) in the GPU's pages file from byte <paramref name="at"/>.</summary>
    public static StoredDmabuf Kfd(string file, bool saved, long id, uint gpuId, ulong at) =>
        new(file, saved ? ContentsIn.KfdPages : ContentsIn.Nowhere, id, gpuId, at);

    /// <summary>Render-node BO <paramref name="index"/> stored by <paramref name="file"/>, its contents in its own drm-pages file.</summary>
    public static StoredDmabuf Drm(string file, uint id, uint minor, int index) =>
        new(file, ContentsIn.DrmPages, id, minor, (ulong)index);
}
