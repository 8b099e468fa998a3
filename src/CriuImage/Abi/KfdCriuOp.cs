namespace CriuImage.Abi;

/// <summary>
/// <c>enum kfd_criu_op</c> of include/uapi/linux/kfd_ioctl.h: the <c>op</c> of <c>AMDKFD_IOC_CRIU_OP</c>
/// (CRIU's copy: plugins/amdgpu/kfd_ioctl.h:491-497 at 2cf8f13, :488-494 at v4.2). tests/abi/layout.c holds
/// every value against gcc.
/// </summary>
public enum KfdCriuOp : uint
{
    /// <summary><c>KFD_CRIU_OP_PROCESS_INFO</c>: the dump's first call, counts of devices, BOs and objects.</summary>
    ProcessInfo = 0,

    /// <summary><c>KFD_CRIU_OP_CHECKPOINT</c>.</summary>
    Checkpoint = 1,

    /// <summary><c>KFD_CRIU_OP_UNPAUSE</c>: after a dump that leaves the process running.</summary>
    Unpause = 2,

    /// <summary><c>KFD_CRIU_OP_RESTORE</c>: the restore of one KFD image (amdgpu_plugin.c:2009 at 2cf8f13).</summary>
    Restore = 3,

    /// <summary><c>KFD_CRIU_OP_RESUME</c>: the resume hook (amdgpu_plugin.c:2159 at 2cf8f13).</summary>
    Resume = 4,
}
