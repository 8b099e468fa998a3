namespace CriuImage.Kernel;

/// <summary>The calls CRIU's amdgpu plugin makes to restore one render-node file, in the order it makes them per BO.</summary>
public enum RestoreCall
{
    /// <summary><c>DRM_IOCTL_AMDGPU_GEM_CREATE</c> with the saved size, alignment, domains and flags.</summary>
    GemCreate,

    /// <summary>An imported BO comes back from its exporter's dma-buf (<c>drmPrimeFDToHandle</c>), not GEM_CREATE.</summary>
    PrimeImport,

    /// <summary><c>DRM_IOCTL_GEM_CHANGE_HANDLE</c> to the saved handle.</summary>
    ChangeHandle,

    /// <summary><c>DRM_IOCTL_AMDGPU_GEM_MMAP</c> for the BO's fake mmap offset.</summary>
    GemMmap,

    /// <summary><c>DRM_IOCTL_AMDGPU_GEM_VA</c> MAP with the saved address, offset, size and flags.</summary>
    GemVa,
}

/// <summary>The names the plan and the documentation give the calls.</summary>
public static class RestoreCallNames
{
    /// <summary>The ioctl's name: <c>GEM_CREATE</c>, <c>PRIME_FD_TO_HANDLE</c>, <c>CHANGE_HANDLE</c>, <c>GEM_MMAP</c>, <c>GEM_VA</c>.</summary>
    public static string Name(this RestoreCall call) => call switch
    {
        RestoreCall.GemCreate => "GEM_CREATE",
        RestoreCall.PrimeImport => "PRIME_FD_TO_HANDLE",
        RestoreCall.ChangeHandle => "CHANGE_HANDLE",
        RestoreCall.GemMmap => "GEM_MMAP",
        _ => "GEM_VA",
    };
}
