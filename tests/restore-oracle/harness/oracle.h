/* Shared state of the restore oracle: the recording and the fake kernel's objects. Our own code; CRIU's
 * plugin is compiled beside it unmodified (see ../run-oracle.sh). */
#ifndef ORACLE_H
#define ORACLE_H
#include <stdint.h>
#include <stdio.h>
#include <stdbool.h>

/* One JSON line per event; written with write(2) at once so that a crash keeps every line before it. */
void rec_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Records one call: name, ioctl request as the caller passed it (0: none), the device it went to, JSON
 * arguments (without braces), and the return (0 or -errno). */
void rec_call(const char *call, unsigned long request, const char *dev, const char *args, long ret);
/* The libdrm function the current thread is in (NULL: CRIU's own code), said as "via" in each record. */
extern __thread const char *oracle_via;

enum obj_kind { OBJ_NONE, OBJ_KFD, OBJ_RENDER, OBJ_DMABUF };
struct fake_bo;
/* What an fd names in the fake kernel (looked up by the inode of the memfd that stands for it). */
struct fake_file;
enum obj_kind fk_kind_of_fd(int fd, int *minor);
/* The fake kernel's answer to ioctl(2): 0 or -errno, with the arguments read and written as the kernel does. */
long fk_ioctl(int fd, unsigned long req, void *arg);
/* open(2) of /dev/kfd or /dev/dri/renderD<minor>: a memfd standing for a new open file; -1 when not ours. */
int fk_open_device(const char *path, int flags);
/* The BO's recorded name ("kfd:GPU:INDEX", "gem:renderDMINOR:N", "userptr:N") for a dma-buf fd, or NULL. */
const char *fk_dmabuf_name(int fd);
/* fread provenance: bytes at p came from FILE at OFFSET. */
void fk_note_fill(const void *p, size_t n, const char *file, long offset);

/* The target kernel: what it refuses, and how its KFD restore differs by release (restore-facts.json
 * kernel.kfd_release_facts; fake_kernel.c lists the kernels a run can name). */
struct oracle_kernel {
	const char *name;
	int change_handle_errno; /* -EINVAL since 7.1-rc7, 7.0.13, 6.18.36 (drm_invalid_op) and before 6.18 */
	bool queue_buffers;      /* kfd_criu_restore_queue looks the queue's buffers up (d3f670cfb535) */
	bool mes_queue_check;    /* init_user_queue refuses a MES GPU's queue without a write pointer BO (its partial revert) */
	bool without_diq;        /* KFD_QUEUE_TYPE_DIQ removed: SDMA_XGMI 3, SDMA_BY_ENG_ID 4, KFD_QUEUE_TYPE_MAX 5 */
	bool gfx12_restore_mqd;  /* the GFX 12 MQD managers have restore_mqd */
};
extern struct oracle_kernel oracle_target;
/* Sets oracle_target to the kernel NAME names; nonzero for a name it does not know. */
int oracle_select_kernel(const char *name);
/* A return of the fake kernel's ioctl that is no errno: the kernel oopses in the call (a NULL dereference), and the
 * calling task dies by SIGKILL (page_fault_oops, arch/x86/mm/fault.c:710, :717 at 6.12.118: sig = SIGKILL, oops_end;
 * arch/x86/kernel/dumpstack.c:410 rewind_stack_and_make_dead; a host with panic_on_oops panics instead, :400-401). */
#define ORACLE_OOPS (-100000L)
extern bool oracle_serial; /* the restored root task has children: CRIU's serial path */
/* The pid of the task whose file the driver restores: a KFD image's saved pid while it is restored (the kernel's
 * CRIU_OP RESTORE makes the calling task a KFD process, and RESUME finds only those). */
extern int oracle_current_pid;
/* The saved handle (kfd_bo_entry.handle, criu-dev) of BO INDEX of the Nth KFD image restored, or -1: the
 * recording names a KFD exporter by it, as CRIU's amdgpu_id_for_handle does. */
long oracle_kfd_handle(int image, unsigned index);
/* The kernel's checks of CRIU_OP RESTORE's private data (fake_kfd_priv.c): 0, or a negative errno with the
 * check that refused it in *check. */
struct kfd_ioctl_criu_args;
/* The target host's GPUs as its topology says them (the dump's own, written by the driver): what the kernel's
 * queue checks derive from a node's properties. */
struct oracle_gpu {
	uint32_t gpu_id, device_id, simd_count, simd_per_cu, array_count, simd_arrays_per_engine;
	uint32_t num_sdma_engines, num_sdma_xgmi_engines, num_sdma_queues_per_engine;
	uint32_t lds_size_in_kb; /* GC 9.5.0 saves it per CU in the CWSR area */
};
extern struct oracle_gpu oracle_gpus[64];
extern int oracle_n_gpus;
long oracle_kfd_priv_walk(const struct kfd_ioctl_criu_args *a, const char **check);
/* mapped_gpuids[SLOT] of BO's private record (0 past the last), in private data the walk took. */
uint32_t oracle_kfd_bo_mapped_gpu(const struct kfd_ioctl_criu_args *a, uint32_t bo, uint32_t slot);
/* The fdstore in a socket made before the tasks' processes fork, shared by them (fake_core.c). */
void oracle_fdstore_shared(void);
#endif
