namespace CriuImage.Abi;

/// <summary>What the flags word of a VM bucket holds.</summary>
public enum MappingFlagsKind
{
    /// <summary>uapi <c>AMDGPU_VM_*</c> bits, as given to GEM_VA (see <see cref="VmFlags"/>).</summary>
    Uapi,

    /// <summary>Raw, GC-IP-specific hardware PTE bits (see <see cref="PteFlags"/>), as pre-6.18 kernels stored them.</summary>
    Pte,
}
