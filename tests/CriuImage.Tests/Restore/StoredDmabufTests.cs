using CriuImage.Abi;
using CriuImage.Criu;
using CriuImage.Restore;

namespace CriuImage.Tests;

/// <summary>
/// The replay keeps, per stored handle, where the BO's contents were saved without the contents file's name (a
/// string per BO); the name made on request is the one the dump writes.
/// </summary>
public sealed class StoredDmabufTests
{
    [Fact]
    public void ARenderNodeBo_IsInItsOwnDrmPagesFile_AfterTheHeader()
    {
        StoredDmabuf stored = StoredDmabuf.Drm("amdgpu-renderD-7.img", 7, 128, 0x1f);

        Assert.Equal("amdgpu-renderD-7.img", stored.File);
        Assert.Equal(new SavedContents("amdgpu-drm-pages-7-128-001f.img", RestorePathConstants.ImageSizeHeader), stored.Contents);
        Assert.Equal("amdgpu-drm-pages-7-128-12345.img", StoredDmabuf.Drm("x", 7, 128, 0x12345).Contents!.Value.Pages);
    }

    [Fact]
    public void AKfdBo_IsInItsGpusPagesFile_AtItsOffset_OrNowhere()
    {
        Assert.Equal(new SavedContents("amdgpu-pages-5-beef.img", 8 + 4096), StoredDmabuf.Kfd("amdgpu-kfd-5.img", saved: true, 5, 0xbeef, 8 + 4096).Contents);
        Assert.Equal("amdgpu-pages-5-000a.img", CriuFileName.KfdPages(5, 0xa));
        Assert.Null(StoredDmabuf.Kfd("amdgpu-kfd-5.img", saved: false, 5, 0xbeef, 8).Contents);
    }

    [Fact]
    public void AContentsFile_OfAFileReadWithoutItsName_SaysItsIdIsUnknown()
    {
        // Standard input has no file id (-1): "amdgpu-pages--1-c0de.img" is a name CRIU never writes.
        Assert.Equal("amdgpu-pages-<id>-c0de.img", StoredDmabuf.Kfd("-", saved: true, -1, 0xc0de, 8).Contents!.Value.Pages);
        Assert.Equal("amdgpu-drm-pages-<id>-128-0001.img", CriuFileName.DrmPages(-1, 128, 1));
    }
}
