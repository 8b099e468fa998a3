/* A fake libdrm_amdgpu and libdrm, as small as CRIU's amdgpu plugin needs: each function makes the ioctls the
 * real library makes (libdrm amdgpu/amdgpu_device.c, amdgpu_bo.c, amdgpu_cs.c, amdgpu_vamgr.c, xf86drm.c), so
 * the fake kernel records them, tagged with the function ("via"). Devices are shared per render minor with a
 * reference count and a dup of the first fd, as amdgpu_device_initialize does (fd_compare, F_DUPFD_CLOEXEC). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <xf86drm.h>
#include <amdgpu.h>
#include <amdgpu_drm.h>
#include "oracle.h"

void *fk_bo_cpu(int fd, uint32_t handle);

struct amdgpu_device {
	int fd, minor, refcount;
	uint64_t next_va;
	struct amdgpu_bo *bos;
};
struct amdgpu_bo {
	struct amdgpu_device *dev;
	uint32_t handle;
	int refcount;
	uint64_t size;
	void *cpu;
	struct amdgpu_bo *next;
};
struct amdgpu_va {
	uint64_t addr;
};
struct amdgpu_context {
	struct amdgpu_device *dev;
	uint32_t id;
};
struct amdgpu_bo_list {
	struct amdgpu_device *dev;
	uint32_t handle;
};

static struct amdgpu_device *devices[64];
static pthread_mutex_t dev_lock = PTHREAD_MUTEX_INITIALIZER;

#define VIA(name) const char *saved_via = oracle_via; oracle_via = name
#define UNVIA() oracle_via = saved_via

static int drm_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

int amdgpu_device_initialize(int fd, uint32_t *major, uint32_t *minor, amdgpu_device_handle *out)
{
	int m = -1;
	if (fk_kind_of_fd(fd, &m) != OBJ_RENDER)
		return -EBADF;
	pthread_mutex_lock(&dev_lock);
	for (int i = 0; i < 64; i++)
		if (devices[i] && devices[i]->minor == m) {
			devices[i]->refcount++;
			*out = devices[i];
			pthread_mutex_unlock(&dev_lock);
			*major = 3;
			*minor = 64;
			return 0;
		}
	struct amdgpu_device *d = calloc(1, sizeof(*d));
	d->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	d->minor = m;
	d->refcount = 1;
	d->next_va = 0x400000000ull;
	for (int i = 0; i < 64; i++)
		if (!devices[i]) {
			devices[i] = d;
			break;
		}
	pthread_mutex_unlock(&dev_lock);
	*major = 3;
	*minor = 64;
	*out = d;
	return 0;
}

int amdgpu_device_deinitialize(amdgpu_device_handle d)
{
	pthread_mutex_lock(&dev_lock);
	if (--d->refcount == 0) {
		for (int i = 0; i < 64; i++)
			if (devices[i] == d)
				devices[i] = NULL;
		close(d->fd);
		free(d);
	}
	pthread_mutex_unlock(&dev_lock);
	return 0;
}

int amdgpu_device_get_fd(amdgpu_device_handle d)
{
	return d->fd;
}

int amdgpu_query_gpu_info(amdgpu_device_handle d, struct amdgpu_gpu_info *info)
{
	(void)d;
	memset(info, 0, sizeof(*info));
	info->family_id = AMDGPU_FAMILY_AI;
	return 0;
}

static struct amdgpu_bo *wrap_handle(struct amdgpu_device *d, uint32_t handle, uint64_t size)
{
	for (struct amdgpu_bo *b = d->bos; b; b = b->next)
		if (b->handle == handle) {
			b->refcount++;
			return b;
		}
	struct amdgpu_bo *b = calloc(1, sizeof(*b));
	b->dev = d;
	b->handle = handle;
	b->refcount = 1;
	b->size = size;
	b->next = d->bos;
	d->bos = b;
	return b;
}

int amdgpu_bo_alloc(amdgpu_device_handle d, struct amdgpu_bo_alloc_request *req, amdgpu_bo_handle *out)
{
	VIA("amdgpu_bo_alloc");
	union drm_amdgpu_gem_create args = { 0 };
	args.in.bo_size = req->alloc_size;
	args.in.alignment = req->phys_alignment;
	args.in.domains = req->preferred_heap;
	args.in.domain_flags = req->flags;
	int r = drm_ioctl(d->fd, DRM_IOCTL_AMDGPU_GEM_CREATE, &args);
	if (!r)
		*out = wrap_handle(d, args.out.handle, req->alloc_size);
	UNVIA();
	return r;
}

int amdgpu_create_bo_from_user_mem(amdgpu_device_handle d, void *cpu, uint64_t size, amdgpu_bo_handle *out)
{
	VIA("amdgpu_create_bo_from_user_mem");
	struct drm_amdgpu_gem_userptr args = { 0 };
	args.addr = (uintptr_t)cpu;
	args.flags = AMDGPU_GEM_USERPTR_ANONONLY | AMDGPU_GEM_USERPTR_REGISTER | AMDGPU_GEM_USERPTR_VALIDATE;
	args.size = size;
	int r = drm_ioctl(d->fd, DRM_IOCTL_AMDGPU_GEM_USERPTR, &args);
	if (!r) {
		*out = wrap_handle(d, args.handle, size);
		(*out)->cpu = cpu;
	}
	UNVIA();
	return r;
}

int amdgpu_bo_import(amdgpu_device_handle d, enum amdgpu_bo_handle_type type, uint32_t shared, struct amdgpu_bo_import_result *out)
{
	VIA("amdgpu_bo_import");
	uint32_t handle = 0;
	int r = type == amdgpu_bo_handle_type_dma_buf_fd ? drmPrimeFDToHandle(d->fd, (int)shared, &handle) : -EINVAL;
	if (!r) {
		out->buf_handle = wrap_handle(d, handle, 0);
		out->alloc_size = 0;
	}
	UNVIA();
	return r;
}

int amdgpu_bo_free(amdgpu_bo_handle b)
{
	VIA("amdgpu_bo_free");
	if (--b->refcount == 0) {
		struct drm_gem_close args = { .handle = b->handle };
		drm_ioctl(b->dev->fd, DRM_IOCTL_GEM_CLOSE, &args);
		for (struct amdgpu_bo **p = &b->dev->bos; *p; p = &(*p)->next)
			if (*p == b) {
				*p = b->next;
				break;
			}
		free(b);
	}
	UNVIA();
	return 0;
}

int amdgpu_bo_cpu_map(amdgpu_bo_handle b, void **cpu)
{
	VIA("amdgpu_bo_cpu_map");
	union drm_amdgpu_gem_mmap args = { 0 };
	args.in.handle = b->handle;
	int r = drm_ioctl(b->dev->fd, DRM_IOCTL_AMDGPU_GEM_MMAP, &args);
	if (!r)
		*cpu = b->cpu = fk_bo_cpu(b->dev->fd, b->handle);
	UNVIA();
	return r;
}

int amdgpu_bo_cpu_unmap(amdgpu_bo_handle b)
{
	(void)b;
	return 0;
}

int amdgpu_va_range_alloc(amdgpu_device_handle d, enum amdgpu_gpu_va_range type, uint64_t size, uint64_t align, uint64_t base,
			  uint64_t *addr, amdgpu_va_handle *h, uint64_t flags)
{
	(void)type, (void)base, (void)flags;
	if (!align)
		align = 4096;
	pthread_mutex_lock(&dev_lock);
	d->next_va = (d->next_va + align - 1) & ~(align - 1);
	*addr = d->next_va;
	d->next_va += (size + 4095) & ~4095ull;
	pthread_mutex_unlock(&dev_lock);
	struct amdgpu_va *va = calloc(1, sizeof(*va));
	va->addr = *addr;
	*h = va;
	return 0;
}

int amdgpu_va_range_free(amdgpu_va_handle h)
{
	free(h);
	return 0;
}

int amdgpu_bo_va_op(amdgpu_bo_handle b, uint64_t offset, uint64_t size, uint64_t addr, uint64_t flags, uint32_t ops)
{
	VIA("amdgpu_bo_va_op");
	(void)flags;
	struct drm_amdgpu_gem_va va = { 0 };
	va.handle = b->handle;
	va.operation = ops;
	va.flags = AMDGPU_VM_PAGE_READABLE | AMDGPU_VM_PAGE_WRITEABLE | AMDGPU_VM_PAGE_EXECUTABLE;
	va.va_address = addr;
	va.offset_in_bo = offset;
	va.map_size = (size + 4095) & ~4095ull; /* amdgpu_bo_va_op: ALIGN(size, getpagesize()) */
	int r = drm_ioctl(b->dev->fd, DRM_IOCTL_AMDGPU_GEM_VA, &va);
	UNVIA();
	return r;
}

int amdgpu_bo_list_create(amdgpu_device_handle d, uint32_t n, amdgpu_bo_handle *res, uint8_t *prio, amdgpu_bo_list_handle *out)
{
	VIA("amdgpu_bo_list_create");
	(void)res, (void)prio;
	union drm_amdgpu_bo_list args = { 0 };
	args.in.operation = AMDGPU_BO_LIST_OP_CREATE;
	args.in.bo_number = n;
	int r = drm_ioctl(d->fd, DRM_IOCTL_AMDGPU_BO_LIST, &args);
	if (!r) {
		*out = calloc(1, sizeof(**out));
		(*out)->dev = d;
		(*out)->handle = args.out.list_handle;
	}
	UNVIA();
	return r;
}

int amdgpu_bo_list_destroy(amdgpu_bo_list_handle l)
{
	VIA("amdgpu_bo_list_destroy");
	union drm_amdgpu_bo_list args = { 0 };
	args.in.operation = AMDGPU_BO_LIST_OP_DESTROY;
	args.in.list_handle = l->handle;
	int r = drm_ioctl(l->dev->fd, DRM_IOCTL_AMDGPU_BO_LIST, &args);
	free(l);
	UNVIA();
	return r;
}

int amdgpu_cs_ctx_create(amdgpu_device_handle d, amdgpu_context_handle *out)
{
	VIA("amdgpu_cs_ctx_create");
	union drm_amdgpu_ctx args = { 0 };
	args.in.op = AMDGPU_CTX_OP_ALLOC_CTX;
	int r = drm_ioctl(d->fd, DRM_IOCTL_AMDGPU_CTX, &args);
	if (!r) {
		*out = calloc(1, sizeof(**out));
		(*out)->dev = d;
		(*out)->id = args.out.alloc.ctx_id;
	}
	UNVIA();
	return r;
}

int amdgpu_cs_ctx_free(amdgpu_context_handle c)
{
	VIA("amdgpu_cs_ctx_free");
	union drm_amdgpu_ctx args = { 0 };
	args.in.op = AMDGPU_CTX_OP_FREE_CTX;
	args.in.ctx_id = c->id;
	int r = drm_ioctl(c->dev->fd, DRM_IOCTL_AMDGPU_CTX, &args);
	free(c);
	UNVIA();
	return r;
}

int amdgpu_cs_submit(amdgpu_context_handle c, uint64_t flags, struct amdgpu_cs_request *req, uint32_t n)
{
	VIA("amdgpu_cs_submit");
	(void)flags;
	int r = 0;
	for (uint32_t i = 0; i < n && !r; i++) {
		struct drm_amdgpu_cs_chunk_ib ib = { 0 };
		struct drm_amdgpu_cs_chunk chunk = { 0 };
		uint64_t chunk_ptrs[1];
		union drm_amdgpu_cs cs = { 0 };
		ib.va_start = req[i].ibs[0].ib_mc_address;
		ib.ib_bytes = req[i].ibs[0].size * 4;
		ib.ip_type = req[i].ip_type;
		ib.ring = req[i].ring;
		chunk.chunk_id = AMDGPU_CHUNK_ID_IB;
		chunk.length_dw = sizeof(ib) / 4;
		chunk.chunk_data = (uintptr_t)&ib;
		chunk_ptrs[0] = (uintptr_t)&chunk;
		cs.in.ctx_id = c->id;
		cs.in.bo_list_handle = req[i].resources ? req[i].resources->handle : 0;
		cs.in.num_chunks = 1;
		cs.in.chunks = (uintptr_t)chunk_ptrs;
		r = drm_ioctl(c->dev->fd, DRM_IOCTL_AMDGPU_CS, &cs);
		if (!r)
			req[i].seq_no = cs.out.handle;
	}
	UNVIA();
	return r;
}

int amdgpu_cs_query_fence_status(struct amdgpu_cs_fence *fence, uint64_t timeout, uint64_t flags, uint32_t *expired)
{
	VIA("amdgpu_cs_query_fence_status");
	(void)flags;
	union drm_amdgpu_wait_cs args = { 0 };
	args.in.handle = fence->fence;
	args.in.ip_type = fence->ip_type;
	args.in.ctx_id = fence->context->id;
	args.in.timeout = timeout;
	int r = drm_ioctl(fence->context->dev->fd, DRM_IOCTL_AMDGPU_WAIT_CS, &args);
	*expired = !r && !args.out.status;
	UNVIA();
	return r;
}

int drmPrimeHandleToFD(int fd, uint32_t handle, uint32_t flags, int *prime_fd)
{
	VIA(oracle_via ? oracle_via : "drmPrimeHandleToFD");
	struct drm_prime_handle args = { .handle = handle, .flags = flags, .fd = -1 };
	int r = ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &args);
	if (!r)
		*prime_fd = args.fd;
	UNVIA();
	return r;
}

int drmPrimeFDToHandle(int fd, int prime_fd, uint32_t *handle)
{
	VIA(oracle_via ? oracle_via : "drmPrimeFDToHandle");
	struct drm_prime_handle args = { .fd = prime_fd };
	int r = ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &args);
	if (!r)
		*handle = args.handle;
	UNVIA();
	return r;
}
