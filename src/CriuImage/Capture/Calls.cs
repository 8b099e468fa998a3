using CriuImage.Diagnostics;

namespace CriuImage.Capture;

/// <summary>The listing calls by name, their limits, and what capture says when the kernel refuses one.</summary>
internal static class Calls
{
    public const string ListHandles = "DRM_IOCTL_AMDGPU_GEM_LIST_HANDLES";
    public const string GetMappingInfo = "DRM_IOCTL_AMDGPU_GEM_OP GET_MAPPING_INFO";
    public const string Mmap = "DRM_IOCTL_AMDGPU_GEM_MMAP";
    public const string BoInfo = "DRM_IOCTL_AMDGPU_CRIU_BO_INFO";
    public const string MappingInfo = "DRM_IOCTL_AMDGPU_CRIU_MAPPING_INFO";

    /// <summary>
    /// The most mapping entries one GET_MAPPING_INFO call may ask for: kernels with "drm/amdgpu: check
    /// num_entries in GEM_OP GET_MAPPING_INFO" (a1ba4594232c, also in the 7.0 stable series) refuse
    /// <c>num_entries &gt; INT_MAX / sizeof(struct drm_amdgpu_gem_vm_entry)</c> with -EINVAL; 6.18 itself passes any
    /// count to kvcalloc, which warns and fails past INT_MAX bytes. The postings' buckets are 32 bytes too.
    /// </summary>
    public const uint MaxMappingEntries = int.MaxValue / 32;

    /// <summary>Why <see cref="MaxMappingEntries"/>, for the message.</summary>
    public const string MappingLimit = "kernels with a1ba4594232c refuse a larger array with EINVAL";

    /// <summary>Why <see cref="MaxBoEntries"/>, for the message.</summary>
    public const string BoLimit = "the kernel cannot allocate more than INT_MAX bytes of entries";

    /// <summary>The most BO entries one call can fill: the kernel's kvcalloc of the counted BOs fails past INT_MAX bytes.</summary>
    public static uint MaxBoEntries(int entrySize) => (uint)(int.MaxValue / entrySize);

    /// <summary>Throws the one line for <paramref name="errno"/> from <paramref name="call"/> (on BO <paramref name="handle"/>); nothing when 0.</summary>
    public static void ThrowIfFailed(int errno, string call, uint? handle)
    {
        if (errno == 0)
        {
            return;
        }

        string where = handle is { } h ? $"BO {h}: {call}" : call;
        (string What, string Hint, Remedy? Remedy) refusal = errno switch
        {
            // drm_ioctl answers an ioctl number the driver does not have with -EINVAL; a file that is not a
            // DRM device answers -ENOTTY.
            Syscalls.Einval when handle is null => ("the driver has no such call", ": not an amdgpu render node of a kernel with this revision", Remedy.OtherAbi),
            Syscalls.Enotty => ("the descriptor is not a DRM device", "", null),
            Syscalls.Ebadf => ("the descriptor is not open", "", null),

            // amdgpu_gem_op_ioctl: -EINVAL for padding, an unknown op, or (a1ba4594232c) too large a num_entries.
            Syscalls.Einval when call == GetMappingInfo => ("the kernel refused the arguments", ": a kernel without GET_MAPPING_INFO, or one that caps num_entries lower", null),
            Syscalls.Einval => ("the kernel refused the arguments", "", null),

            // copy_to_user of the filled array failed: the kernel could not write where capture pointed it. On
            // the list call that is also what a kernel of another revision gives: 6.18's GEM_LIST_HANDLES and
            // criu-v8's CRIU_BO_INFO share a request number with the count and the pointer swapped, so each reads
            // the other's count as the array's address.
            Syscalls.Efault when handle is null => ("the kernel could not write the entries into capture's array", ": the running kernel may be of another revision, which reads the count as the array's address", Remedy.OtherAbi),
            Syscalls.Efault => ("the kernel could not write the entries into capture's array", "", null),
            Syscalls.Enomem => ("the kernel could not allocate room for the entries", "", null),
            _ => ("the kernel refused the call", "", null),
        };
        string message = $"{where}: {refusal.What} ({Errno.Describe(errno)}){refusal.Hint}";
        throw refusal.Remedy is { } remedy ? new CaptureException(message, errno, remedy) : new CaptureException(message, errno);
    }
}
