/*
 * criu_image.h: the C API of libcriuimage, for dumpers and restorers written in C (CRIU's amdgpu plugin,
 * tools built on libdrm). It writes criu-image files (FORMAT.md) straight from the buffers the amdgpu
 * ioctls fill, and verifies or plans the restore of an image, a CRIU amdgpu dump or a container checkpoint
 * as `criu-image verify` and `criu-image plan` do.
 *
 * Build against it with pkg-config: cc prog.c $(pkg-config --cflags --libs criu-image)
 * (scripts/publish.sh writes libcriuimage.so, this header and criu-image.pc under artifacts/).
 *
 * Errors: functions that return int give 0 (or, for verify and plan, the CLI's exit status 0, 1 or 2) on
 * success and a negative errno value on failure (-EINVAL for a bad argument, -EFAULT for a NULL buffer,
 * -EBADFD for a call out of order or on a writer that failed, -ENOENT, -EACCES, -ENOSPC, -EIO ... from the
 * file system). criu_image_last_error() gives the message of the calling thread's last failure. No call
 * raises a signal, aborts, or leaves memory behind when it fails.
 *
 * Threads: any thread may call any function; the library starts its runtime on first use. One writer must
 * be used by one thread at a time (calls on the same writer must not overlap); distinct writers, and
 * criu_image_capture, criu_image_verify and criu_image_plan, may run on many threads at once (a test runs
 * captures and verifies from several threads together); criu_image_capture_pid says what it asks of the
 * caller's other threads. The last error is per thread.
 *
 * The library is built by .NET NativeAOT: its first call starts a garbage-collected runtime in the process,
 * which reserves address space, runs a few threads of its own and installs signal handlers (for faults in
 * its own code and for suspending its threads). No function is async-signal-safe.
 */
#ifndef CRIU_IMAGE_H
#define CRIU_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The kernel interface revision whose structs the writer takes (the image records it). */
/* criu-2025-06 posting: BO buckets struct drm_amdgpu_criu_bo_bucket (40 bytes, with the mmap offset),
 * VM buckets struct drm_amdgpu_criu_vm_bucket (32 bytes: start, last GPU page, offset, flags in uapi bits). */
#define CRIU_IMAGE_ABI_CRIU_2025_06 0
/* criu-v8 posting: BO buckets struct drm_amdgpu_criu_bo_bucket (32 bytes, no offset), VM buckets
 * struct drm_amdgpu_criu_vm_bucket (flags as the hardware PTE bits the kernel copied). */
#define CRIU_IMAGE_ABI_CRIU_V8 1
/* Linux 6.18: BO buckets struct drm_amdgpu_gem_list_handles_entry (40 bytes, DRM_IOCTL_AMDGPU_GEM_LIST_HANDLES),
 * VM buckets struct drm_amdgpu_gem_vm_entry (32 bytes: addr, size in bytes, offset, flags; GEM_OP
 * AMDGPU_GEM_OP_GET_MAPPING_INFO). */
#define CRIU_IMAGE_ABI_LINUX_6_18 2

/* An image being written. Opaque. */
typedef struct criu_image_writer criu_image_writer;

/*
 * Starts an image that will appear at `path` when committed: it is written to an unnamed temporary file in
 * the same folder and renamed over `path` at commit, so `path` is never half-written, and a file already
 * there is untouched until then. `abi` is a CRIU_IMAGE_ABI_* value. Returns NULL on failure, with the reason
 * in `err` (NUL-terminated, cut to `errlen` bytes; `err` may be NULL) and in criu_image_last_error().
 */
criu_image_writer *criu_image_writer_open(const char *path, int abi, char *err, size_t errlen);

/*
 * Adds one BO: `bucket` points at one BO bucket of the writer's revision exactly as the ioctl filled it
 * (struct drm_amdgpu_criu_bo_bucket or struct drm_amdgpu_gem_list_handles_entry), and `mapping_count` is how
 * many VM buckets the mapping ioctl returned for it. Those follow through criu_image_write_mappings, in one
 * call or several, before the next BO; with mapping_count 0 the BO is complete at once.
 */
int criu_image_write_bo(criu_image_writer *w, const void *bucket, uint32_t mapping_count);

/*
 * As criu_image_write_bo, with the BO's DRM fake mmap offset from DRM_IOCTL_AMDGPU_GEM_MMAP, which the
 * criu-v8 and linux-6.18 buckets lack (a restorer uses it to find the BO's contents). -EINVAL for a
 * criu-2025-06 writer, whose bucket carries the offset.
 */
int criu_image_write_bo_mmap(criu_image_writer *w, const void *bucket, uint32_t mapping_count, uint64_t mmap_offset);

/*
 * Adds `count` VM buckets of the current BO: `vm_buckets` points at an array of the revision's VM bucket
 * (struct drm_amdgpu_criu_vm_bucket or struct drm_amdgpu_gem_vm_entry, 32 bytes each) as the ioctl filled it.
 * More than the BO's mapping_count in all is -EINVAL.
 */
int criu_image_write_mappings(criu_image_writer *w, const void *vm_buckets, size_t count);

/*
 * Finishes the image (trailer, fsync, rename over the path, fsync of the folder) and frees the writer,
 * whatever the result: 0 when the image is at its path, a negative errno when nothing was written there
 * (a BO still waiting for mappings, an earlier failure, a full disk).
 */
int criu_image_writer_commit(criu_image_writer *w);

/* Frees the writer without writing the image: `path` stays as it was and no temporary file is left. NULL is ignored. */
void criu_image_writer_abort(criu_image_writer *w);

/*
 * Captures the render-node file open as `drm_fd` (the caller's own descriptor, or one taken from another
 * process with pidfd_getfd) into an image at `out_path`, which appears atomically, never half-written. The
 * BOs and their mappings are read with the ioctls of `abi` (a CRIU_IMAGE_ABI_* value; LINUX_6_18 uses
 * DRM_IOCTL_AMDGPU_GEM_LIST_HANDLES and DRM_IOCTL_AMDGPU_GEM_OP GET_MAPPING_INFO) and written unchanged; the
 * counts are asked again while they grow, a bounded number of times, and the whole pass starts again when a
 * handle closes under it. Returns 0, or a negative errno with one line in `err` (cut to `errlen` bytes; `err`
 * may be NULL): the kernel's errno for a refused call (the line names the call and the BO), -EAGAIN when the
 * process's buffer objects never held still, -EOVERFLOW for a count past what one call may ask for, or the
 * file system's errno for `out_path`. Only reads: nothing of the render-node file changes. It does not stop
 * the processes that use the file (it is given a descriptor, not a process): a dumper calls it with them
 * already stopped, as CRIU's plugin runs; criu_image_capture_pid below stops them itself. On success `err`
 * is the empty string.
 */
int criu_image_capture(int drm_fd, const char *out_path, int abi, char *err, size_t errlen);

/* criu_image_capture_pid's flags. */
/* Read without stopping the process tree (a state that may change between the calls). */
#define CRIU_IMAGE_CAPTURE_NO_FREEZE 1u

/*
 * Captures descriptor `fd` of process `pid` (or, with `fd` -1, its one descriptor open on /dev/dri/renderD*)
 * as `criu-image capture --pid PID [--fd FD]` does: the descriptor is taken into this process with pidfd_open
 * and pidfd_getfd (Linux 5.6), and while the calls read, every thread of `pid` and of all its descendants is
 * stopped with PTRACE_SEIZE and PTRACE_INTERRUPT, as CRIU stops the tree it dumps (forks that inherited the
 * file share its BOs), then let go before the image is written, on every path; a thread stopped for a signal
 * gets it back. The calling process itself is never stopped. `flags` is 0 or CRIU_IMAGE_CAPTURE_NO_FREEZE.
 * Returns what criu_image_capture returns, and -EPERM with the rights named when ptrace or pidfd_getfd is not
 * permitted (the process's own user where kernel.yama.ptrace_scope is 0, else CAP_SYS_PTRACE; no other tracer
 * such as a debugger), -ESRCH for no such process, -ENOENT when it has no render-node descriptor and `fd` is -1
 * (-EINVAL for several), -EAGAIN when a thread did not stop within 10 s or threads or children kept appearing.
 * On success `err` is the empty string, or one warning line when a process outside the tree holds the same
 * open file: it was not stopped (CRIU does not stop it either) and may have changed BOs during the capture.
 *
 * Threads and signals: ptrace binds the stopped threads to the calling thread, so the call stops, reads and
 * releases them before it returns. Meanwhile it waits for their stops with waitpid(tid, __WALL) on this
 * thread: no other thread of the caller may wait for any child (waitpid(-1, ...), wait()) during the call, or
 * it may take a stop the call waits for; the caller's SIGCHLD handler, if any, sees a SIGCHLD for each stop.
 * Several captures of distinct process trees may run on several threads at once; two of the same tree may
 * not (the second one's ptrace is refused: -EPERM, "traces it already").
 */
int criu_image_capture_pid(int pid, int fd, const char *out_path, int abi, unsigned int flags, char *err, size_t errlen);

/*
 * Verifies `path` (an image, a CRIU amdgpu file, a dump folder or a container checkpoint archive) as
 * `criu-image verify --format json [--target-kernel RELEASE] PATH` does, for the kernel release
 * `target_kernel` ("6.18.3"; NULL for the kernel each image's revision came from). Returns the CLI's exit
 * status: 0 nothing at error level, 1 findings, 2 an input could not be read; or a negative errno when it
 * could not run (a NULL or "-" path). When `report_json` is not NULL, *report_json receives the JSON report
 * (NUL-terminated UTF-8; free it with criu_image_free) or NULL when the CLI wrote none; what the CLI wrote
 * on standard error is the thread's criu_image_last_error(). The report is the CLI's, except that where it
 * says what would settle a finding it names no option of the CLI, which a caller of this library never types.
 */
int criu_image_verify(const char *path, const char *target_kernel, char **report_json);

/* The same for `criu-image plan --format json`: the calls CRIU's restore makes and which `target_kernel` refuses (exit 1). */
int criu_image_plan(const char *path, const char *target_kernel, char **report_json);

/* Frees a buffer the library returned (a report). NULL is ignored. */
void criu_image_free(void *buffer);

/*
 * Copies the message of the calling thread's last failure (or of what verify and plan wrote on standard
 * error) into `buf` as NUL-terminated UTF-8, cut to `len` bytes; returns the length of the whole message,
 * 0 when the thread's last call succeeded quietly. `buf` may be NULL to ask for the length.
 */
size_t criu_image_last_error(char *buf, size_t len);

/* The library's version ("0.9.0"), the one `criu-image --version` prints. */
const char *criu_image_version(void);

#ifdef __cplusplus
}
#endif

#endif /* CRIU_IMAGE_H */
