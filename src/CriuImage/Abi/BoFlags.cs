namespace CriuImage.Abi;

/// <summary>The BO flags word: <c>AMDGPU_CRIU_BO_FLAG_*</c>, or <c>AMDGPU_GEM_LIST_HANDLES_FLAG_*</c> in linux-6.18.</summary>
[Flags]
public enum BoFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary><c>IS_IMPORT</c>: the BO was imported from a dma-buf.</summary>
    IsImport = 1u << 0,
}
