/*
 * The kernel's argument structs of the three criu-image revisions and of CRIU's restore path, written out
 * from the ABI facts (include/uapi/drm/amdgpu_drm.h, include/uapi/drm/drm.h, the CRIU postings), for gcc to
 * lay out on this machine. AbiLayoutCTests compiles and runs it and compares every line with the C# structs
 * and request numbers. Output: "size NAME N", "offset NAME.FIELD N", "request NAME 0xN", "value NAME N" (the
 * enum values and constants of CRIU's restore path, written as CRIU's copies of the uapi headers define them:
 * plugins/amdgpu/kfd_ioctl.h, amdgpu_drm.h, amdgpu_plugin_util.h at criu-dev 2cf8f13).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#if __has_include(<linux/ioctl.h>)
#include <linux/ioctl.h> /* the kernel's own _IOWR when the headers are installed */
#else
#define _IOC(dir, type, nr, size) (((dir) << 30) | ((size) << 16) | ((type) << 8) | (nr))
#define _IOW(type, nr, t) _IOC(1U, (type), (nr), sizeof(t))
#define _IOR(type, nr, t) _IOC(2U, (type), (nr), sizeof(t))
#define _IOWR(type, nr, t) _IOC(3U, (type), (nr), sizeof(t))
#endif

#define DRM_IOCTL_BASE 'd'
#define DRM_IOW(nr, type) _IOW(DRM_IOCTL_BASE, nr, type)
#define DRM_IOWR(nr, type) _IOWR(DRM_IOCTL_BASE, nr, type)
#define DRM_COMMAND_BASE 0x40

typedef uint32_t __u32;
typedef int32_t __s32;
typedef uint64_t __u64;

/* criu-2025-06 (dri-devel, 13 June 2025) */
struct drm_amdgpu_criu_bo_bucket_2025_06 { __u64 size; __u64 offset; __u64 alloc_flags; __u32 preferred_domains; __u32 flags; __u32 gem_handle; };
struct drm_amdgpu_criu_bo_info_args { __u32 num_bos; __u64 bo_buckets; };
struct drm_amdgpu_criu_mapping_info_args { __u32 gem_handle; __u32 num_mappings; __u64 vm_buckets; };
struct drm_amdgpu_criu_vm_bucket { __u64 start; __u64 last; __u64 offset; __u64 flags; };
/* criu-v8 (dri-devel, July 2025): the BO bucket loses offset */
struct drm_amdgpu_criu_bo_bucket_v8 { __u64 size; __u64 alloc_flags; __u32 preferred_domains; __u32 flags; __u32 gem_handle; };
/* linux-6.18 */
struct drm_amdgpu_gem_list_handles { __u64 entries; __u32 num_entries; __u32 padding; };
struct drm_amdgpu_gem_list_handles_entry { __u32 gem_handle; __u32 flags; __u64 size; __u64 preferred_domains; __u64 alloc_flags; __u64 alignment; };
struct drm_amdgpu_gem_op { __u32 handle; __u32 op; __u64 value; __u32 num_entries; __u32 padding; };
struct drm_amdgpu_gem_vm_entry { __u64 addr; __u64 size; __u64 offset; __u64 flags; };
/* CRIU's restore path */
struct drm_amdgpu_gem_create_in { __u64 bo_size; __u64 alignment; __u64 domains; __u64 domain_flags; };
struct drm_amdgpu_gem_create_out { __u32 handle; __u32 _pad; };
union drm_amdgpu_gem_create { struct drm_amdgpu_gem_create_in in; struct drm_amdgpu_gem_create_out out; };
struct drm_amdgpu_gem_mmap_in { __u32 handle; __u32 _pad; };
struct drm_amdgpu_gem_mmap_out { __u64 addr_ptr; };
union drm_amdgpu_gem_mmap { struct drm_amdgpu_gem_mmap_in in; struct drm_amdgpu_gem_mmap_out out; };
struct drm_gem_change_handle { __u32 handle; __u32 new_handle; };
struct drm_prime_handle { __u32 handle; __u32 flags; __s32 fd; };
struct drm_amdgpu_gem_va {
	__u32 handle; __u32 _pad; __u32 operation; __u32 flags; __u64 va_address; __u64 offset_in_bo; __u64 map_size;
	__u64 vm_timeline_point; __u32 vm_timeline_syncobj_out; __u32 num_syncobj_handles; __u64 input_fence_syncobj_handles;
};
/* KFD (include/uapi/linux/kfd_ioctl.h): CRIU's restore of /dev/kfd */
#define AMDKFD_IOCTL_BASE 'K'
struct kfd_ioctl_get_version_args { __u32 major_version; __u32 minor_version; };
struct kfd_ioctl_criu_args { __u64 devices; __u64 bos; __u64 priv_data; __u64 priv_data_size; __u32 num_devices; __u32 num_bos; __u32 num_objects; __u32 pid; __u32 op; };
/* enum kfd_criu_op (kfd_ioctl.h:491-497 at CRIU 2cf8f13): the values come from the enum's order */
enum kfd_criu_op { KFD_CRIU_OP_PROCESS_INFO, KFD_CRIU_OP_CHECKPOINT, KFD_CRIU_OP_UNPAUSE, KFD_CRIU_OP_RESTORE, KFD_CRIU_OP_RESUME };
#define KFD_IOCTL_MAJOR_VERSION 1 /* amdgpu_plugin_util.h:44 */
#define MIN_KFD_IOCTL_MINOR_VERSION 8 /* amdgpu_plugin_util.h:45 */
#define KFD_IOC_ALLOC_MEM_FLAGS_VRAM (1 << 0) /* kfd_ioctl.h:346-350 */
#define KFD_IOC_ALLOC_MEM_FLAGS_GTT (1 << 1)
#define KFD_IOC_ALLOC_MEM_FLAGS_DOORBELL (1 << 3)
#define KFD_IOC_ALLOC_MEM_FLAGS_MMIO_REMAP (1 << 4)
#define KFD_INVALID_FD 0xffffffff /* kfd_ioctl.h:200 */
#define AMDGPU_GEM_DOMAIN_GTT 0x2 /* amdgpu_drm.h:122-123 */
#define AMDGPU_GEM_DOMAIN_VRAM 0x4
#define AMDGPU_VA_OP_MAP 1 /* amdgpu_drm.h:932 */
/* GEM_VA as userspace built it before the vm timeline fields (Linux 6.15 and older headers) */
struct drm_amdgpu_gem_va_40 { __u32 handle; __u32 _pad; __u32 operation; __u32 flags; __u64 va_address; __u64 offset_in_bo; __u64 map_size; };

#define SIZE(t) printf("size %s %zu\n", #t, sizeof(struct t))
#define OFFSET(t, f) printf("offset %s.%s %zu\n", #t, #f, offsetof(struct t, f))
#define VALUE(name, value) printf("value %s %llu\n", name, (unsigned long long)(value))
#define REQUEST(name, value) printf("request %s 0x%08x\n", name, (unsigned)(value))

int main(void)
{
	SIZE(drm_amdgpu_criu_bo_bucket_2025_06);
	OFFSET(drm_amdgpu_criu_bo_bucket_2025_06, size); OFFSET(drm_amdgpu_criu_bo_bucket_2025_06, offset);
	OFFSET(drm_amdgpu_criu_bo_bucket_2025_06, alloc_flags); OFFSET(drm_amdgpu_criu_bo_bucket_2025_06, preferred_domains);
	OFFSET(drm_amdgpu_criu_bo_bucket_2025_06, flags); OFFSET(drm_amdgpu_criu_bo_bucket_2025_06, gem_handle);
	SIZE(drm_amdgpu_criu_bo_info_args);
	OFFSET(drm_amdgpu_criu_bo_info_args, num_bos); OFFSET(drm_amdgpu_criu_bo_info_args, bo_buckets);
	SIZE(drm_amdgpu_criu_mapping_info_args);
	OFFSET(drm_amdgpu_criu_mapping_info_args, gem_handle); OFFSET(drm_amdgpu_criu_mapping_info_args, num_mappings);
	OFFSET(drm_amdgpu_criu_mapping_info_args, vm_buckets);
	SIZE(drm_amdgpu_criu_vm_bucket);
	OFFSET(drm_amdgpu_criu_vm_bucket, start); OFFSET(drm_amdgpu_criu_vm_bucket, last);
	OFFSET(drm_amdgpu_criu_vm_bucket, offset); OFFSET(drm_amdgpu_criu_vm_bucket, flags);
	SIZE(drm_amdgpu_criu_bo_bucket_v8);
	OFFSET(drm_amdgpu_criu_bo_bucket_v8, size); OFFSET(drm_amdgpu_criu_bo_bucket_v8, alloc_flags);
	OFFSET(drm_amdgpu_criu_bo_bucket_v8, preferred_domains); OFFSET(drm_amdgpu_criu_bo_bucket_v8, flags);
	OFFSET(drm_amdgpu_criu_bo_bucket_v8, gem_handle);
	SIZE(drm_amdgpu_gem_list_handles);
	OFFSET(drm_amdgpu_gem_list_handles, entries); OFFSET(drm_amdgpu_gem_list_handles, num_entries);
	OFFSET(drm_amdgpu_gem_list_handles, padding);
	SIZE(drm_amdgpu_gem_list_handles_entry);
	OFFSET(drm_amdgpu_gem_list_handles_entry, gem_handle); OFFSET(drm_amdgpu_gem_list_handles_entry, flags);
	OFFSET(drm_amdgpu_gem_list_handles_entry, size); OFFSET(drm_amdgpu_gem_list_handles_entry, preferred_domains);
	OFFSET(drm_amdgpu_gem_list_handles_entry, alloc_flags); OFFSET(drm_amdgpu_gem_list_handles_entry, alignment);
	SIZE(drm_amdgpu_gem_op);
	OFFSET(drm_amdgpu_gem_op, handle); OFFSET(drm_amdgpu_gem_op, op); OFFSET(drm_amdgpu_gem_op, value);
	OFFSET(drm_amdgpu_gem_op, num_entries); OFFSET(drm_amdgpu_gem_op, padding);
	SIZE(drm_amdgpu_gem_vm_entry);
	OFFSET(drm_amdgpu_gem_vm_entry, addr); OFFSET(drm_amdgpu_gem_vm_entry, size);
	OFFSET(drm_amdgpu_gem_vm_entry, offset); OFFSET(drm_amdgpu_gem_vm_entry, flags);
	printf("size drm_amdgpu_gem_create %zu\n", sizeof(union drm_amdgpu_gem_create));
	OFFSET(drm_amdgpu_gem_create_in, bo_size); OFFSET(drm_amdgpu_gem_create_in, alignment);
	OFFSET(drm_amdgpu_gem_create_in, domains); OFFSET(drm_amdgpu_gem_create_in, domain_flags);
	printf("size drm_amdgpu_gem_mmap %zu\n", sizeof(union drm_amdgpu_gem_mmap));
	SIZE(drm_gem_change_handle);
	OFFSET(drm_gem_change_handle, handle); OFFSET(drm_gem_change_handle, new_handle);
	SIZE(drm_amdgpu_gem_va);
	OFFSET(drm_amdgpu_gem_va, handle); OFFSET(drm_amdgpu_gem_va, _pad); OFFSET(drm_amdgpu_gem_va, operation);
	OFFSET(drm_amdgpu_gem_va, flags); OFFSET(drm_amdgpu_gem_va, va_address); OFFSET(drm_amdgpu_gem_va, offset_in_bo);
	OFFSET(drm_amdgpu_gem_va, map_size); OFFSET(drm_amdgpu_gem_va, vm_timeline_point);
	OFFSET(drm_amdgpu_gem_va, vm_timeline_syncobj_out); OFFSET(drm_amdgpu_gem_va, num_syncobj_handles);
	OFFSET(drm_amdgpu_gem_va, input_fence_syncobj_handles);

	REQUEST("Criu2025_06BoInfo", DRM_IOWR(DRM_COMMAND_BASE + 0x20, struct drm_amdgpu_criu_bo_info_args));
	REQUEST("Criu2025_06MappingInfo", DRM_IOWR(DRM_COMMAND_BASE + 0x21, struct drm_amdgpu_criu_mapping_info_args));
	REQUEST("CriuV8BoInfo", DRM_IOWR(DRM_COMMAND_BASE + 0x19, struct drm_amdgpu_criu_bo_info_args));
	REQUEST("CriuV8MappingInfo", DRM_IOWR(DRM_COMMAND_BASE + 0x20, struct drm_amdgpu_criu_mapping_info_args));
	REQUEST("Linux6_18GemListHandles", DRM_IOWR(DRM_COMMAND_BASE + 0x19, struct drm_amdgpu_gem_list_handles));
	REQUEST("Linux6_18GemOp", DRM_IOWR(DRM_COMMAND_BASE + 0x10, struct drm_amdgpu_gem_op));
	REQUEST("GemCreate", DRM_IOWR(DRM_COMMAND_BASE + 0x00, union drm_amdgpu_gem_create));
	REQUEST("GemMmap", DRM_IOWR(DRM_COMMAND_BASE + 0x01, union drm_amdgpu_gem_mmap));
	REQUEST("GemVa", DRM_IOW(DRM_COMMAND_BASE + 0x08, struct drm_amdgpu_gem_va));
	REQUEST("GemVa40", DRM_IOW(DRM_COMMAND_BASE + 0x08, struct drm_amdgpu_gem_va_40));
	REQUEST("GemChangeHandle", DRM_IOWR(0xD2, struct drm_gem_change_handle));
	REQUEST("PrimeFdToHandle", DRM_IOWR(0x2e, struct drm_prime_handle));
	REQUEST("PrimeHandleToFd", DRM_IOWR(0x2d, struct drm_prime_handle));
	REQUEST("KfdGetVersion", _IOR(AMDKFD_IOCTL_BASE, 0x01, struct kfd_ioctl_get_version_args));
	REQUEST("KfdCriuOp", _IOWR(AMDKFD_IOCTL_BASE, 0x22, struct kfd_ioctl_criu_args));

	VALUE("KfdCriuOp.ProcessInfo", KFD_CRIU_OP_PROCESS_INFO);
	VALUE("KfdCriuOp.Checkpoint", KFD_CRIU_OP_CHECKPOINT);
	VALUE("KfdCriuOp.Unpause", KFD_CRIU_OP_UNPAUSE);
	VALUE("KfdCriuOp.Restore", KFD_CRIU_OP_RESTORE);
	VALUE("KfdCriuOp.Resume", KFD_CRIU_OP_RESUME);
	VALUE("RestorePathConstants.KfdIoctlMajorVersion", KFD_IOCTL_MAJOR_VERSION);
	VALUE("RestorePathConstants.MinKfdIoctlMinorVersion", MIN_KFD_IOCTL_MINOR_VERSION);
	VALUE("RestorePathConstants.KfdAllocVram", KFD_IOC_ALLOC_MEM_FLAGS_VRAM);
	VALUE("RestorePathConstants.KfdAllocGtt", KFD_IOC_ALLOC_MEM_FLAGS_GTT);
	VALUE("RestorePathConstants.KfdAllocDoorbell", KFD_IOC_ALLOC_MEM_FLAGS_DOORBELL);
	VALUE("RestorePathConstants.KfdAllocMmioRemap", KFD_IOC_ALLOC_MEM_FLAGS_MMIO_REMAP);
	VALUE("RestorePathConstants.KfdInvalidFd", KFD_INVALID_FD);
	VALUE("RestorePathConstants.ImageSizeHeader", sizeof(size_t)); /* open_img_file reads a size_t */
	VALUE("GemDomains.Gtt", AMDGPU_GEM_DOMAIN_GTT);
	VALUE("GemDomains.Vram", AMDGPU_GEM_DOMAIN_VRAM);
	VALUE("GemVaArgs.OpMap", AMDGPU_VA_OP_MAP);
	return 0;
}
