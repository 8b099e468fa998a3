/* The fake kernel's walk of AMDKFD_IOC_CRIU_OP RESTORE's private data, in the order and with the checks of
 * criu_restore (drivers/gpu/drm/amd/amdkfd/kfd_chardev.c, Linux 6.12.118): the process part, the devices, the
 * BOs, then each object by its type (kfd_process_queue_manager.c kfd_criu_restore_queue, kfd_events.c
 * kfd_criu_restore_event and kfd_kmap_event_page, kfd_svm.c kfd_criu_restore_svm), and last the total. The xnack
 * and queue checks are fake_kfd_queue.c's, what RESUME does with the SVM ranges fake_kfd_svm.c's. The record
 * sizes are those of the kernel that MAX_GPU_INSTANCE is 64 in (6.12 and the 6.18 of the runs); see ../README.md. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "kfd_ioctl.h"
#include "oracle.h"
#include "fake_kfd_queue.h"
#include "fake_kfd_event.h"

#define PRIV_VERSION 1            /* KFD_CRIU_PRIV_VERSION, kfd_priv.h */
#define PROCESS_PRIV 8            /* struct kfd_criu_process_priv_data */
#define DEVICE_PRIV 8             /* struct kfd_criu_device_priv_data */
#define MAX_GPUS 64               /* MAX_GPU_INSTANCE, amdgpu.h */
#define BO_PRIV 272               /* struct kfd_criu_bo_priv_data: u64, u32, u32[64], padded to 8 */
#define QUEUE_PRIV 120            /* struct kfd_criu_queue_priv_data */
#define EVENT_PRIV 64             /* struct kfd_criu_event_priv_data */
#define SVM_PRIV 24               /* struct kfd_criu_svm_range_priv_data without its attributes */
#define SVM_ATTR 8                /* struct kfd_ioctl_svm_attribute */
#define SVM_ATTRS_COMMON 4

static uint32_t u32_at(const uint8_t *p, uint64_t at)
{
	uint32_t v;
	memcpy(&v, p + at, sizeof(v));
	return v;
}

static uint64_t u64_at(const uint8_t *p, uint64_t at)
{
	uint64_t v;
	memcpy(&v, p + at, sizeof(v));
	return v;
}

static int known_gpu(const struct kfd_criu_device_bucket *dev, uint32_t n, uint32_t gpu_id)
{
	for (uint32_t i = 0; i < n; i++)
		if (dev[i].user_gpu_id == gpu_id)
			return 1;
	return 0;
}

#define REFUSE(e, what) do { *check = (what); return -(e); } while (0)

long oracle_kfd_priv_walk(const struct kfd_ioctl_criu_args *a, const char **check)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)a->priv_data;
	const struct kfd_criu_device_bucket *dev = (const void *)(uintptr_t)a->devices;
	const struct kfd_criu_bo_bucket *bo = (const void *)(uintptr_t)a->bos;
	uint64_t size = a->priv_data_size, at = 0;
	uint32_t n_pdds = a->num_devices; /* the restored process has one device per GPU the dump maps */

	oracle_kfd_svm_reset(a);
	/* criu_restore_process */
	if (at + PROCESS_PRIV > size)
		REFUSE(EINVAL, "process-size");
	if (u32_at(p, at) != PRIV_VERSION)
		REFUSE(EINVAL, "process-version");
	long xnack = oracle_kfd_xnack(a, u32_at(p, at + 4), check);
	if (xnack)
		return xnack;
	at += PROCESS_PRIV;

	/* criu_restore_devices: the device records are reserved, only their room is checked */
	if (at + (uint64_t)a->num_devices * DEVICE_PRIV > size)
		REFUSE(EINVAL, "devices-size");
	at += (uint64_t)a->num_devices * DEVICE_PRIV;

	/* criu_restore_bos, then criu_restore_bo and criu_restore_memory_of_gpu per BO */
	if (at + (uint64_t)a->num_bos * BO_PRIV > size)
		REFUSE(EINVAL, "bos-size");
	uint64_t bos_at = at;
	at += (uint64_t)a->num_bos * BO_PRIV;
	for (uint32_t i = 0; i < a->num_bos; i++) {
		const uint8_t *priv = p + bos_at + (uint64_t)i * BO_PRIV;
		uint32_t handle = u32_at(priv, 8);
		if (!known_gpu(dev, a->num_devices, bo[i].gpu_id))
			REFUSE(ENODEV, "bo-gpu");
		if (handle > INT_MAX)
			REFUSE(EINVAL, "bo-idr-handle");
		for (uint32_t j = 0; j < i; j++)
			if (bo[j].gpu_id == bo[i].gpu_id && u32_at(p + bos_at + (uint64_t)j * BO_PRIV, 8) == handle)
				REFUSE(ENOMEM, "bo-idr-taken"); /* idr_alloc of exactly that handle fails */
		for (uint32_t j = 0; j < n_pdds && j < MAX_GPUS; j++) {
			uint32_t mapped = u32_at(priv, 12 + 4 * (uint64_t)j);
			if (!mapped)
				break;
			if (!known_gpu(dev, a->num_devices, mapped))
				REFUSE(EINVAL, "bo-mapped-gpu");
		}
	}

	/* criu_restore_objects */
	int page_set = 0;
	uint64_t mapped_size = 0;
	static struct event_state events;
	oracle_kfd_event_reset(&events);
	static struct queue_state queues;
	memset(&queues, 0, sizeof(queues));
	oracle_kfd_differs[0] = 0;
	for (uint32_t i = 0; i < a->num_objects; i++) {
		if (at + 4 > size)
			REFUSE(EINVAL, "object-size");
		switch (u32_at(p, at)) {
		case 0: { /* KFD_CRIU_OBJECT_TYPE_QUEUE */
			long r = oracle_kfd_queue(a, p, &at, bos_at, &queues, check);
			if (r)
				return r;
			break;
		}
		case 1: { /* KFD_CRIU_OBJECT_TYPE_EVENT */
			if (at + EVENT_PRIV > size)
				REFUSE(EINVAL, "event-size");
			uint64_t user_handle = u64_at(p, at + 8);
			uint32_t event_id = u32_at(p, at + 16), type = u32_at(p, at + 24);
			at += EVENT_PRIV;
			if (event_id > INT_MAX)
				REFUSE(EINVAL, "event-id");
			if (user_handle) {
				/* kfd_kmap_event_page: one event page, on a GPU of the process, a BO restored above */
				if (page_set)
					REFUSE(EINVAL, "event-page-set");
				uint32_t gpu = (uint32_t)(user_handle >> 32), idr = (uint32_t)user_handle;
				if (!known_gpu(dev, a->num_devices, gpu))
					REFUSE(EINVAL, "event-page-gpu");
				uint32_t j = 0;
				while (j < a->num_bos && !(bo[j].gpu_id == gpu && u32_at(p + bos_at + (uint64_t)j * BO_PRIV, 8) == idr))
					j++;
				if (j == a->num_bos)
					REFUSE(EINVAL, "event-page-bo");
				/* amdgpu_amdkfd_gpuvm_map_gtt_bo_to_kernel refuses a userptr BO, kfd_event_page_set one under
				 * KFD_SIGNAL_EVENT_LIMIT slots of 8 bytes */
				if (bo[j].alloc_flags & KFD_IOC_ALLOC_MEM_FLAGS_USERPTR)
					REFUSE(EINVAL, "event-page-userptr");
				if (bo[j].size < SIGNAL_EVENT_LIMIT * 8)
					REFUSE(EINVAL, "event-page-size");
				page_set = 1;
				mapped_size = bo[j].size;
			}
			long r = oracle_kfd_event_create(type, event_id, &page_set, &mapped_size, &events, check);
			if (r)
				return r;
			break;
		}
		case 2: { /* KFD_CRIU_OBJECT_TYPE_SVM_RANGE: the attributes of 4 common and 1 per device */
			uint64_t len = SVM_PRIV + (uint64_t)SVM_ATTR * (SVM_ATTRS_COMMON + n_pdds);
			if (at + len > size)
				REFUSE(EINVAL, "svm-size");
			oracle_kfd_svm_keep(p + at);
			at += len;
			break;
		}
		default:
			REFUSE(EINVAL, "object-type");
		}
	}

	if (at != size)
		REFUSE(EINVAL, "total-size");
	return 0;
}

uint32_t oracle_kfd_bo_mapped_gpu(const struct kfd_ioctl_criu_args *a, uint32_t bo, uint32_t slot)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)a->priv_data;
	uint64_t at = PROCESS_PRIV + (uint64_t)a->num_devices * DEVICE_PRIV + (uint64_t)bo * BO_PRIV + 12 + (uint64_t)slot * 4;
	return slot < MAX_GPUS && at + 4 <= a->priv_data_size ? u32_at(p, at) : 0;
}
