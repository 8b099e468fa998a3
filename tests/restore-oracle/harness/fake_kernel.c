/* The fake kernel of the restore oracle: /dev/kfd and /dev/dri/renderD* as memfds, and ioctl(2) answered as
 * the kernel's code answers the calls CRIU's amdgpu plugin and libdrm make on its restore path. Every call is
 * recorded. What each answer mirrors (kernel file and function) is listed in ../README.md. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <drm.h>
#include <amdgpu_drm.h>
#include "kfd_ioctl.h"
#include "oracle.h"
#include "fake_kfd_queue.h"

#ifndef DRM_IOCTL_GEM_CHANGE_HANDLE
struct drm_gem_change_handle {
	__u32 handle;
	__u32 new_handle;
};
#define DRM_IOCTL_GEM_CHANGE_HANDLE DRM_IOWR(0xD2, struct drm_gem_change_handle)
#endif

#define SETTABLE_CREATE_FLAGS 0x1F6CFull /* amdgpu_gem_create_ioctl, 6.18: AMDGPU_GEM_CREATE_SETTABLE_MASK */
#define VA_RESERVED_BOTTOM (1ull << 16)  /* AMDGPU_VA_RESERVED_BOTTOM */
#define GMC_HOLE_START 0x0000800000000000ull
#define GMC_HOLE_END 0xffff800000000000ull
#define GMC_HOLE_MASK 0x0000ffffffffffffull
#define VM_SIZE (1ull << 48)                          /* max_pfn << 12 of a 48-bit VM (GFX9 and later) */
#define VA_RESERVED_TOP ((4ull << 20) + (64ull << 10)) /* CSA, SEQ64, TRAP */
#define VA_VALID_FLAGS 0x3EFull                       /* READABLE|WRITEABLE|EXECUTABLE|DELAY_UPDATE|MTYPE|NOALLOC */
#define VA_PRT_FLAGS 0x11ull

/* The target kernels a run names. "6.18" and "no-change-handle" have 6.12.118's KFD restore (the queue buffers looked
 * up, as 6.18.53 does), with and without CHANGE_HANDLE; the others are releases as restore-facts.json
 * kernel.kfd_release_facts answers them: 6.18.20 (no queue buffers, no MES check: a MES GPU's queue oopses), 6.18.53
 * (d3f670cfb535's lookup, CHANGE_HANDLE drm_invalid_op since 6.18.36), 7.2.13 (the partial revert: no lookup and the
 * MES refusal; DIQ removed; GFX 12 restore_mqd). Every one checks the event page (6.18.16 on, 7.x). */
static const struct oracle_kernel kernels[] = {
	/* name, CHANGE_HANDLE errno, queue_buffers, mes_queue_check, without_diq, gfx12_restore_mqd */
	{ "6.18", 0, true, false, false, false },
	{ "no-change-handle", EINVAL, true, false, false, false },
	{ "6.18.20", 0, false, false, false, false },
	{ "6.18.53", EINVAL, true, false, false, false },
	{ "7.2.13", EINVAL, false, true, true, true },
};
struct oracle_kernel oracle_target = { "6.18", 0, true, false, false, false };

int oracle_select_kernel(const char *name)
{
	for (size_t i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++)
		if (!strcmp(kernels[i].name, name)) {
			oracle_target = kernels[i];
			return 0;
		}
	return 1;
}
static pthread_mutex_t kernel_lock = PTHREAD_MUTEX_INITIALIZER;

struct fake_bo {
	char name[48];
	uint64_t size, flags, mmap_offset;
	uint32_t domains;
	int dmabuf_anchor; /* an fd of the memfd standing for the BO's one dma-buf; -1 before the first export */
	ino_t dmabuf_ino;
	uint8_t *cpu;      /* CPU view (userptr: the user's memory; else allocated on first CPU map) */
	long kfd_handle;   /* a KFD BO's saved handle, -1 when none */
	bool userptr;
};

struct handle_entry {
	uint32_t handle;
	struct fake_bo *bo;
};
struct mapping {
	uint64_t va, size, offset;
	struct fake_bo *bo;
};
struct fake_file {
	ino_t ino;
	enum obj_kind kind;
	int minor;
	struct fake_bo *bo;        /* OBJ_DMABUF */
	struct handle_entry *h;    /* OBJ_RENDER: the file's GEM handles */
	int nh, caph;
	struct mapping *vm;        /* OBJ_RENDER: the file's GPU VM */
	int nvm, capvm;
	int creates;
};

static struct fake_file files[4096];
static int nfiles, nbos_created;
static uint64_t next_mmap_offset = 0x100000000ull;

static struct fake_file *file_of_fd(int fd)
{
	struct stat st;
	if (fd < 0 || fstat(fd, &st))
		return NULL;
	for (int i = 0; i < nfiles; i++)
		if (files[i].ino == st.st_ino)
			return &files[i];
	return NULL;
}

static struct fake_file *new_file(int fd, enum obj_kind kind, int minor)
{
	struct stat st;
	struct fake_file *f = &files[nfiles++];
	fstat(fd, &st);
	memset(f, 0, sizeof(*f));
	f->ino = st.st_ino;
	f->kind = kind;
	f->minor = minor;
	return f;
}

enum obj_kind fk_kind_of_fd(int fd, int *minor)
{
	struct fake_file *f = file_of_fd(fd);
	if (minor)
		*minor = f ? f->minor : -1;
	return f ? f->kind : OBJ_NONE;
}

int fk_open_device(const char *path, int flags)
{
	int minor = -1, fd;
	enum obj_kind kind;
	if (!strcmp(path, "/dev/kfd"))
		kind = OBJ_KFD;
	else if (sscanf(path, "/dev/dri/renderD%d", &minor) == 1)
		kind = OBJ_RENDER;
	else
		return -2;
	fd = memfd_create(path, (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
	pthread_mutex_lock(&kernel_lock);
	new_file(fd, kind, minor);
	pthread_mutex_unlock(&kernel_lock);
	return fd;
}

static struct fake_bo *new_bo(const char *fmt, ...)
{
	struct fake_bo *bo = calloc(1, sizeof(*bo));
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(bo->name, sizeof(bo->name), fmt, ap);
	va_end(ap);
	bo->dmabuf_anchor = -1;
	bo->kfd_handle = -1;
	bo->mmap_offset = next_mmap_offset;
	next_mmap_offset += 0x10000000ull;
	nbos_created++;
	return bo;
}

static struct fake_bo *lookup(struct fake_file *f, uint32_t handle)
{
	for (int i = 0; i < f->nh; i++)
		if (f->h[i].handle == handle)
			return f->h[i].bo;
	return NULL;
}

static int handle_of(struct fake_file *f, struct fake_bo *bo)
{
	for (int i = 0; i < f->nh; i++)
		if (f->h[i].bo == bo)
			return (int)f->h[i].handle;
	return -1;
}

static void put_handle(struct fake_file *f, uint32_t handle, struct fake_bo *bo)
{
	if (f->nh == f->caph) {
		f->caph = f->caph ? f->caph * 2 : 16;
		f->h = realloc(f->h, f->caph * sizeof(*f->h));
	}
	f->h[f->nh++] = (struct handle_entry){ handle, bo };
}

static void drop_handle(struct fake_file *f, uint32_t handle)
{
	for (int i = 0; i < f->nh; i++)
		if (f->h[i].handle == handle) {
			f->h[i] = f->h[--f->nh];
			return;
		}
}

/* idr_alloc(&file_priv->object_idr, obj, 1, 0): the lowest free handle from 1 (drm_gem_handle_create_tail). */
static uint32_t alloc_handle(struct fake_file *f, struct fake_bo *bo)
{
	uint32_t h = 1;
	while (lookup(f, h))
		h++;
	put_handle(f, h, bo);
	return h;
}

/* Every dma-buf exported, in memory shared across fork: the driver's per-task runs restore each task's files in its
 * own process, and CRIU hands an export from one task to another through the fdstore (a socket all of them share).
 * The kernel's dma-buf is one object whatever process holds an fd of it; here a process that gets the fd of
 * another's export finds the BO it stands for by the inode of its memfd. */
static struct shared_dmabufs {
	int n;
	struct {
		ino_t ino;
		char name[48];
		long kfd_handle;
		uint64_t size;
	} buf[4096];
} *shared_dmabufs;

__attribute__((constructor)) static void shared_dmabufs_init(void)
{
	shared_dmabufs = mmap(NULL, sizeof(*shared_dmabufs), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
}

static int export_fd(struct fake_bo *bo, bool cloexec)
{
	if (bo->dmabuf_anchor < 0) {
		struct stat st;
		bo->dmabuf_anchor = memfd_create(bo->name, MFD_CLOEXEC);
		fstat(bo->dmabuf_anchor, &st);
		bo->dmabuf_ino = st.st_ino;
		struct fake_file *f = new_file(bo->dmabuf_anchor, OBJ_DMABUF, -1);
		f->bo = bo;
		if (shared_dmabufs->n < (int)(sizeof(shared_dmabufs->buf) / sizeof(shared_dmabufs->buf[0]))) {
			int i = shared_dmabufs->n++;
			shared_dmabufs->buf[i].ino = st.st_ino;
			snprintf(shared_dmabufs->buf[i].name, sizeof(shared_dmabufs->buf[i].name), "%s", bo->name);
			shared_dmabufs->buf[i].kfd_handle = bo->kfd_handle;
			shared_dmabufs->buf[i].size = bo->size;
		}
	}
	return fcntl(bo->dmabuf_anchor, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, 3);
}

/* The dma-buf another task's process exported, for the fd this process got of it (through the fdstore): the same
 * BO, known here from then on; NULL when the fd is no export. */
static struct fake_file *foreign_dmabuf(int fd)
{
	struct stat st;
	if (fd < 0 || fstat(fd, &st))
		return NULL;
	for (int i = 0; i < shared_dmabufs->n; i++)
		if (shared_dmabufs->buf[i].ino == st.st_ino) {
			struct fake_bo *bo = calloc(1, sizeof(*bo));
			snprintf(bo->name, sizeof(bo->name), "%s", shared_dmabufs->buf[i].name);
			bo->kfd_handle = shared_dmabufs->buf[i].kfd_handle;
			bo->size = shared_dmabufs->buf[i].size;
			bo->dmabuf_anchor = dup(fd);
			bo->dmabuf_ino = st.st_ino;
			bo->mmap_offset = next_mmap_offset;
			next_mmap_offset += 0x10000000ull;
			struct fake_file *f = new_file(fd, OBJ_DMABUF, -1);
			f->bo = bo;
			return f;
		}
	return NULL;
}

const char *fk_dmabuf_name(int fd)
{
	struct fake_file *f = file_of_fd(fd);
	return f && f->kind == OBJ_DMABUF ? f->bo->name : NULL;
}

/* Bytes the plugin read from its image files, by address: the source of what an SDMA copy writes. */
struct fill {
	const uint8_t *p;
	size_t n;
	char file[64];
	long offset;
};
static struct fill fills[64];
static int nfills;

void fk_note_fill(const void *p, size_t n, const char *file, long offset)
{
	pthread_mutex_lock(&kernel_lock);
	for (int i = 0; i < nfills; i++)
		if (fills[i].p == p) {
			fills[i] = fills[--nfills];
			break;
		}
	if (nfills == 64)
		nfills = 0;
	fills[nfills].p = p;
	fills[nfills].n = n;
	snprintf(fills[nfills].file, sizeof(fills[nfills].file), "%s", file);
	fills[nfills].offset = offset;
	nfills++;
	pthread_mutex_unlock(&kernel_lock);
}

static struct mapping *vm_find(struct fake_file *f, uint64_t va)
{
	for (int i = 0; i < f->nvm; i++)
		if (va >= f->vm[i].va && va < f->vm[i].va + f->vm[i].size)
			return &f->vm[i];
	return NULL;
}

/* One SDMA linear copy of the IB: recorded as which file bytes went into which BO. */
static void sdma_copy(struct fake_file *f, uint64_t src, uint64_t dst, uint64_t size)
{
	struct mapping *s = vm_find(f, src), *d = vm_find(f, dst);
	char args[512];
	const char *file = NULL;
	long offset = -1;
	if (s && s->bo->userptr) {
		const uint8_t *p = s->bo->cpu + (src - s->va) + s->offset;
		for (int i = 0; i < nfills; i++)
			if (p >= fills[i].p && p + size <= fills[i].p + fills[i].n) {
				file = fills[i].file;
				offset = fills[i].offset + (long)(p - fills[i].p);
			}
	}
	snprintf(args, sizeof(args), "\"bo\":\"%s\",\"bo_offset\":%llu,\"length\":%llu,\"file\":%s%s%s,\"file_offset\":%ld",
		 d ? d->bo->name : "unmapped", d ? (unsigned long long)(dst - d->va + d->offset) : 0ull,
		 (unsigned long long)size, file ? "\"" : "", file ? file : "null", file ? "\"" : "", offset);
	rec_call("SDMA_COPY", 0, "sdma", args, 0);
}

/* drm_ioctl and kfd_ioctl take a call by its number; a larger or smaller argument struct is copied as far as it goes. */
#define SAME(req, x) (_IOC_TYPE(req) == _IOC_TYPE(x) && _IOC_NR(req) == _IOC_NR(x))
#define SDMA_OP_COPY 1
static long cs_submit(struct fake_file *f, union drm_amdgpu_cs *cs)
{
	struct drm_amdgpu_cs_chunk **chunks = (void *)(uintptr_t)cs->in.chunks;
	for (unsigned c = 0; c < cs->in.num_chunks; c++) {
		struct drm_amdgpu_cs_chunk *chunk = (void *)(uintptr_t)chunks[c];
		if (chunk->chunk_id != AMDGPU_CHUNK_ID_IB)
			continue;
		struct drm_amdgpu_cs_chunk_ib *ib = (void *)(uintptr_t)chunk->chunk_data;
		struct mapping *m = vm_find(f, ib->va_start);
		if (!m || !m->bo->cpu)
			return -EINVAL;
		uint32_t *dw = (uint32_t *)(m->bo->cpu + (ib->va_start - m->va) + m->offset);
		for (uint32_t j = 0; j + 7 <= ib->ib_bytes / 4;) {
			if ((dw[j] & 0xff) != SDMA_OP_COPY) {
				j++;
				continue;
			}
			uint64_t size = dw[j + 1], src = dw[j + 3] | (uint64_t)dw[j + 4] << 32, dst = dw[j + 5] | (uint64_t)dw[j + 6] << 32;
			sdma_copy(f, src, dst, size);
			j += 7;
		}
	}
	cs->out.handle = 1;
	return 0;
}

static void vm_add(struct fake_file *f, struct mapping m)
{
	if (f->nvm == f->capvm) {
		f->capvm = f->capvm ? f->capvm * 2 : 16;
		f->vm = realloc(f->vm, f->capvm * sizeof(*f->vm));
	}
	f->vm[f->nvm++] = m;
}

static long gem_va(struct fake_file *f, struct drm_amdgpu_gem_va *va, char *args, size_t n)
{
	struct fake_bo *bo = lookup(f, va->handle);
	snprintf(args, n, "\"handle\":%u,\"operation\":%u,\"flags\":%u,\"va_address\":%llu,\"offset_in_bo\":%llu,\"map_size\":%llu",
		 va->handle, va->operation, va->flags, (unsigned long long)va->va_address,
		 (unsigned long long)va->offset_in_bo, (unsigned long long)va->map_size);
	if (va->va_address < VA_RESERVED_BOTTOM)
		return -EINVAL;
	if (va->va_address >= GMC_HOLE_START && va->va_address < GMC_HOLE_END)
		return -EINVAL;
	uint64_t addr = va->va_address & GMC_HOLE_MASK;
	if (addr + va->map_size > VM_SIZE - VA_RESERVED_TOP)
		return -EINVAL;
	if ((va->flags & AMDGPU_VM_PAGE_PRT) ? (va->flags & ~VA_PRT_FLAGS) : (va->flags & ~VA_VALID_FLAGS))
		return -EINVAL;
	if (va->operation != AMDGPU_VA_OP_MAP && va->operation != AMDGPU_VA_OP_UNMAP)
		return -EINVAL;
	if (!bo)
		return -ENOENT;
	if (va->operation == AMDGPU_VA_OP_UNMAP) {
		for (int i = 0; i < f->nvm; i++)
			if (f->vm[i].va == addr && f->vm[i].bo == bo) {
				f->vm[i] = f->vm[--f->nvm];
				return 0;
			}
		return -ENOENT;
	}
	/* amdgpu_vm_bo_map: alignment, size, range inside the BO, no overlap in the VM. */
	if ((addr | va->offset_in_bo | va->map_size) & 0xfff || !va->map_size || va->offset_in_bo + va->map_size > bo->size)
		return -EINVAL;
	for (int i = 0; i < f->nvm; i++)
		if (addr < f->vm[i].va + f->vm[i].size && f->vm[i].va < addr + va->map_size)
			return -EINVAL;
	vm_add(f, (struct mapping){ addr, va->map_size, va->offset_in_bo, bo });
	return 0;
}

static const char *errno_name(int e);

int oracle_current_pid;
/* The tasks CRIU_OP RESTORE made KFD processes of. */
static struct kfd_procs {
	int n, pid[64];
} *kfd_procs;

/* In memory shared across fork: the driver's per-task runs restore a KFD image in a task's own process, and the
 * resume hook runs in its own. */
__attribute__((constructor)) static void kfd_procs_init(void)
{
	kfd_procs = mmap(NULL, sizeof(*kfd_procs), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
}

static long kfd_criu_op(struct fake_file *f, struct kfd_ioctl_criu_args *a, char *args, size_t n)
{
	int len = snprintf(args, n, "\"op\":%u", a->op);
	if (a->op == KFD_CRIU_OP_RESUME) {
		/* criu_resume (kfd_chardev.c): kfd_lookup_process_by_pid finds no KFD process of the pid: -ESRCH. */
		len += snprintf(args + len, n - len, ",\"pid\":%u", a->pid);
		int known = 0;
		for (int i = 0; i < kfd_procs->n; i++)
			if (kfd_procs->pid[i] == (int)a->pid)
				known = 1;
		if (!known)
			return -ESRCH;
		/* then the SVM ranges the RESTORE stored (fake_kfd_svm.c), before the queues are resumed */
		const char *check = NULL;
		long svm = oracle_kfd_svm_resume(&check);
		if (svm)
			snprintf(args + len, n - len, ",\"refused_by\":\"%s\"", check);
		return svm;
	}
	if (a->op != KFD_CRIU_OP_RESTORE)
		return -EINVAL;
	len += snprintf(args + len, n - len, ",\"num_devices\":%u,\"num_bos\":%u,\"num_objects\":%u,\"priv_data_size\":%llu,\"devices\":[",
			a->num_devices, a->num_bos, a->num_objects, (unsigned long long)a->priv_data_size);
	struct kfd_criu_device_bucket *dev = (void *)(uintptr_t)a->devices;
	for (unsigned i = 0; dev && i < a->num_devices && len < (int)n - 100; i++) {
		int minor = -1;
		fk_kind_of_fd(dev[i].drm_fd, &minor);
		len += snprintf(args + len, n - len, "%s{\"user_gpu_id\":%u,\"actual_gpu_id\":%u,\"drm\":\"renderD%d\"}", i ? "," : "",
				dev[i].user_gpu_id, dev[i].actual_gpu_id, minor);
	}
	len += snprintf(args + len, n - len, "]");
	/* criu_restore (kfd_chardev.c): the arrays and counts are checked before anything is restored. */
	if ((a->num_bos > 0 && !a->bos) || !a->devices || !a->priv_data || !a->priv_data_size || !a->num_devices)
		return -EINVAL;
	/* Then the private data is walked as the kernel walks it; a refusal names the check (fake_kfd_priv.c). */
	const char *check = NULL;
	long walked = oracle_kfd_priv_walk(a, &check);
	if (walked) {
		snprintf(args + len, n - len, ",\"refused_by\":\"%s\"", check);
		return walked;
	}
	if (oracle_kfd_differs[0])
		len += snprintf(args + len, n - len, ",\"restored_as\":\"%s\"", oracle_kfd_differs);
	struct kfd_criu_bo_bucket *b = (void *)(uintptr_t)a->bos;
	static int images;
	int image = images++;
	for (unsigned i = 0; i < a->num_bos; i++) {
		struct fake_bo *bo = new_bo("kfd:%04x:%u", b[i].gpu_id, i);
		bo->kfd_handle = oracle_kfd_handle(image, i);
		bo->size = b[i].size;
		/* criu_restore_bo: a dma-buf fd for VRAM and GTT BOs, KFD_INVALID_FD for the others. */
		if (b[i].alloc_flags & (KFD_IOC_ALLOC_MEM_FLAGS_VRAM | KFD_IOC_ALLOC_MEM_FLAGS_GTT))
			b[i].dmabuf_fd = export_fd(bo, true);
		else
			b[i].dmabuf_fd = KFD_INVALID_FD;
		b[i].restored_offset = bo->mmap_offset;
		/* criu_restore_bo maps the BO at its saved address into the VM of each GPU its private record's
		 * mapped_gpuids names, up to the first 0, at most one per device of the process (kfd_chardev.c, "now map
		 * these BOs to GPU/s"): the VM of the DRM file that GPU's device bucket names (kfd_process_device_init_vm
		 * acquired it); CRIU restores the GPU's render node through the same descriptor (amdgpu_plugin.c:1582,
		 * :1889), so its GEM_VA maps into this VM after it. */
		for (unsigned j = 0; j < a->num_devices; j++) {
			uint32_t on = oracle_kfd_bo_mapped_gpu(a, i, j);
			if (!on)
				break;
			for (unsigned d = 0; d < a->num_devices; d++) {
				struct fake_file *vm = dev[d].user_gpu_id == on ? file_of_fd(dev[d].drm_fd) : NULL;
				if (vm && vm->kind == OBJ_RENDER && b[i].size)
					vm_add(vm, (struct mapping){ b[i].addr & GMC_HOLE_MASK, b[i].size, 0, bo });
			}
		}
	}
	if (kfd_procs->n < (int)(sizeof(kfd_procs->pid) / sizeof(kfd_procs->pid[0])))
		kfd_procs->pid[kfd_procs->n++] = oracle_current_pid;
	(void)f;
	return 0;
}

long fk_ioctl(int fd, unsigned long req, void *arg)
{
	char args[2048] = "";
	const char *call = NULL;
	long ret = 0;
	char dev[32];
	pthread_mutex_lock(&kernel_lock);
	struct fake_file *f = file_of_fd(fd);
	if (!f) {
		pthread_mutex_unlock(&kernel_lock);
		return -ENOTTY;
	}
	if (f->kind == OBJ_RENDER)
		snprintf(dev, sizeof(dev), "renderD%d", f->minor);
	else
		snprintf(dev, sizeof(dev), f->kind == OBJ_KFD ? "kfd" : "dmabuf");

	if (f->kind == OBJ_KFD) {
		if (SAME(req, AMDKFD_IOC_GET_VERSION)) {
			struct kfd_ioctl_get_version_args *v = arg;
			call = "AMDKFD_IOC_GET_VERSION";
			v->major_version = 1;
			v->minor_version = 17;
		} else if (SAME(req, AMDKFD_IOC_CRIU_OP)) {
			call = "AMDKFD_IOC_CRIU_OP";
			ret = kfd_criu_op(f, arg, args, sizeof(args));
		} else {
			call = "AMDKFD_IOC_UNKNOWN";
			ret = -EINVAL;
		}
	} else if (f->kind != OBJ_RENDER) {
		call = "IOCTL_ON_NON_DRM_FILE";
		ret = -ENOTTY;
	} else if (SAME(req, DRM_IOCTL_AMDGPU_GEM_CREATE)) {
		union drm_amdgpu_gem_create *c = arg;
		call = "DRM_IOCTL_AMDGPU_GEM_CREATE";
		snprintf(args, sizeof(args), "\"bo_size\":%llu,\"alignment\":%llu,\"domains\":%llu,\"domain_flags\":%llu",
			 (unsigned long long)c->in.bo_size, (unsigned long long)c->in.alignment,
			 (unsigned long long)c->in.domains, (unsigned long long)c->in.domain_flags);
		if (c->in.domain_flags & ~SETTABLE_CREATE_FLAGS || c->in.domains & ~(uint64_t)AMDGPU_GEM_DOMAIN_MASK) {
			ret = -EINVAL;
		} else {
			struct fake_bo *bo = new_bo("gem:renderD%d:%d", f->minor, ++f->creates);
			bo->size = (c->in.bo_size + 4095) & ~4095ull; /* amdgpu_bo_create: a whole number of pages */
			bo->domains = c->in.domains;
			bo->flags = c->in.domain_flags;
			uint64_t size = c->in.bo_size;
			memset(c, 0, sizeof(*c));
			c->out.handle = alloc_handle(f, bo);
			(void)size;
			snprintf(args + strlen(args), sizeof(args) - strlen(args), ",\"out_handle\":%u,\"bo\":\"%s\"", c->out.handle, bo->name);
		}
	} else if (SAME(req, DRM_IOCTL_GEM_CHANGE_HANDLE)) {
		struct drm_gem_change_handle *c = arg;
		call = "DRM_IOCTL_GEM_CHANGE_HANDLE";
		snprintf(args, sizeof(args), "\"handle\":%u,\"new_handle\":%u", c->handle, c->new_handle);
		struct fake_bo *bo = lookup(f, c->handle);
		/* drm_gem_change_handle_ioctl (drm_gem.c): refused whole by the target (drm_invalid_op, or no such ioctl). */
		if (oracle_target.change_handle_errno)
			ret = -oracle_target.change_handle_errno;
		else if (c->new_handle > INT_MAX)
			ret = -EINVAL;
		else if (!bo)
			ret = -ENOENT;
		else if (c->handle == c->new_handle)
			ret = 0;
		else if (lookup(f, c->new_handle))
			ret = -ENOSPC; /* idr_alloc of exactly new_handle finds it taken */
		else {
			drop_handle(f, c->handle);
			put_handle(f, c->new_handle, bo);
		}
	} else if (SAME(req, DRM_IOCTL_PRIME_HANDLE_TO_FD)) {
		struct drm_prime_handle *p = arg;
		call = "DRM_IOCTL_PRIME_HANDLE_TO_FD";
		struct fake_bo *bo = lookup(f, p->handle);
		snprintf(args, sizeof(args), "\"handle\":%u,\"flags\":%u", p->handle, p->flags);
		if (p->flags & ~(DRM_CLOEXEC | DRM_RDWR))
			ret = -EINVAL;
		else if (!bo)
			ret = -ENOENT;
		else {
			p->fd = export_fd(bo, p->flags & DRM_CLOEXEC);
			snprintf(args + strlen(args), sizeof(args) - strlen(args), ",\"bo\":\"%s\"", bo->name);
		}
	} else if (SAME(req, DRM_IOCTL_PRIME_FD_TO_HANDLE)) {
		struct drm_prime_handle *p = arg;
		struct stat st;
		call = "DRM_IOCTL_PRIME_FD_TO_HANDLE";
		struct fake_file *d = file_of_fd(p->fd);
		if (!d)
			d = foreign_dmabuf(p->fd);
		if (d && d->kind == OBJ_DMABUF && d->bo->kfd_handle >= 0)
			snprintf(args, sizeof(args), "\"dmabuf\":\"%s\",\"kfd_handle\":%ld", d->bo->name, d->bo->kfd_handle);
		else if (d && d->kind == OBJ_DMABUF)
			snprintf(args, sizeof(args), "\"dmabuf\":\"%s\"", d->bo->name);
		else
			snprintf(args, sizeof(args), "\"fd\":%d", p->fd);
		if (fstat(p->fd, &st))
			ret = -EBADF;
		else if (!d || d->kind != OBJ_DMABUF)
			ret = -EINVAL; /* dma_buf_get: the file is no dma-buf */
		else {
			int h = handle_of(f, d->bo); /* drm_prime_lookup_buf_handle: the file's handle for this dma-buf */
			p->handle = h > 0 ? (uint32_t)h : alloc_handle(f, d->bo);
			snprintf(args + strlen(args), sizeof(args) - strlen(args), ",\"out_handle\":%u", p->handle);
		}
	} else if (SAME(req, DRM_IOCTL_AMDGPU_GEM_MMAP)) {
		union drm_amdgpu_gem_mmap *m = arg;
		call = "DRM_IOCTL_AMDGPU_GEM_MMAP";
		uint32_t h = m->in.handle;
		struct fake_bo *bo = lookup(f, h);
		snprintf(args, sizeof(args), "\"handle\":%u", h);
		if (!bo)
			ret = -ENOENT;
		else if (bo->userptr || (bo->flags & AMDGPU_GEM_CREATE_NO_CPU_ACCESS))
			ret = -EPERM; /* amdgpu_mode_dumb_mmap */
		else {
			m->out.addr_ptr = bo->mmap_offset;
			snprintf(args + strlen(args), sizeof(args) - strlen(args), ",\"bo\":\"%s\"", bo->name);
		}
	} else if (SAME(req, DRM_IOCTL_AMDGPU_GEM_VA)) {
		call = "DRM_IOCTL_AMDGPU_GEM_VA";
		ret = gem_va(f, arg, args, sizeof(args));
	} else if (SAME(req, DRM_IOCTL_AMDGPU_GEM_USERPTR)) {
		struct drm_amdgpu_gem_userptr *u = arg;
		call = "DRM_IOCTL_AMDGPU_GEM_USERPTR";
		struct fake_bo *bo = new_bo("userptr:renderD%d:%d", f->minor, nbos_created);
		bo->size = (u->size + 4095) & ~4095ull;
		bo->userptr = true;
		bo->cpu = (uint8_t *)(uintptr_t)u->addr;
		u->handle = alloc_handle(f, bo);
		snprintf(args, sizeof(args), "\"size\":%llu,\"out_handle\":%u", (unsigned long long)u->size, u->handle);
	} else if (SAME(req, DRM_IOCTL_GEM_CLOSE)) {
		struct drm_gem_close *c = arg;
		call = "DRM_IOCTL_GEM_CLOSE";
		snprintf(args, sizeof(args), "\"handle\":%u", c->handle);
		if (!lookup(f, c->handle))
			ret = -EINVAL;
		else
			drop_handle(f, c->handle);
	} else if (SAME(req, DRM_IOCTL_AMDGPU_CTX)) {
		union drm_amdgpu_ctx *c = arg;
		call = "DRM_IOCTL_AMDGPU_CTX";
		snprintf(args, sizeof(args), "\"op\":%u", c->in.op);
		if (c->in.op == AMDGPU_CTX_OP_ALLOC_CTX)
			c->out.alloc.ctx_id = 1;
	} else if (SAME(req, DRM_IOCTL_AMDGPU_BO_LIST)) {
		union drm_amdgpu_bo_list *l = arg;
		call = "DRM_IOCTL_AMDGPU_BO_LIST";
		snprintf(args, sizeof(args), "\"operation\":%u", l->in.operation);
		l->out.list_handle = 1;
	} else if (SAME(req, DRM_IOCTL_AMDGPU_CS)) {
		call = "DRM_IOCTL_AMDGPU_CS";
		ret = cs_submit(f, arg);
	} else if (SAME(req, DRM_IOCTL_AMDGPU_WAIT_CS)) {
		union drm_amdgpu_wait_cs *w = arg;
		call = "DRM_IOCTL_AMDGPU_WAIT_CS";
		memset(w, 0, sizeof(*w)); /* out.status 0: the fence has signalled */
	} else {
		call = "DRM_IOCTL_UNKNOWN";
		snprintf(args, sizeof(args), "\"request\":%lu", req);
		ret = -EINVAL;
	}
	if (ret == ORACLE_OOPS) {
		/* The kernel oopses in the call: it never returns, and the task dies by SIGKILL (page_fault_oops sets
		 * sig = SIGKILL, oops_end -> make_task_dead; arch/x86/mm/fault.c), still holding its locks. */
		char req_text[32];
		snprintf(req_text, sizeof(req_text), "0x%08lx", req);
		rec_line("{\"call\":\"%s\",\"request\":\"%s\",\"dev\":\"%s\",\"args\":{%s},\"ret\":null,\"oops\":true}", call, req_text, dev, args);
		raise(SIGKILL);
	}
	rec_call(call, req, dev, args, ret);
	pthread_mutex_unlock(&kernel_lock);
	return ret;
}

/* For the fake libdrm: the BO behind a handle of an fd's file, and its CPU view. */
void *fk_bo_cpu(int fd, uint32_t handle)
{
	pthread_mutex_lock(&kernel_lock);
	struct fake_file *f = file_of_fd(fd);
	struct fake_bo *bo = f ? lookup(f, handle) : NULL;
	if (bo && !bo->cpu)
		bo->cpu = calloc(1, bo->size ? bo->size : 4096);
	pthread_mutex_unlock(&kernel_lock);
	return bo ? bo->cpu : NULL;
}

static const char *errno_name(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	case EPERM: return "EPERM";
	case EBADF: return "EBADF";
	case ENOSPC: return "ENOSPC";
	case ENOTTY: return "ENOTTY";
	case ENODEV: return "ENODEV";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EIO: return "EIO";
	case EPIPE: return "EPIPE";
	case ESRCH: return "ESRCH";
	case EAGAIN: return "EAGAIN";
	case EBUSY: return "EBUSY";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: return "E?";
	}
}

const char *oracle_errno_name(int e)
{
	return errno_name(e < 0 ? -e : e);
}
