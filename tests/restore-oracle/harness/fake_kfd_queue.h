/* The fake kernel's queue and xnack checks (fake_kfd_queue.c), called from its private-data walk. */
#ifndef FAKE_KFD_QUEUE_H
#define FAKE_KFD_QUEUE_H
#include <stdint.h>
#include "oracle.h"

#define QUEUE_BO_PRIV 272 /* a BO record with 64 mapped-GPU slots, as fake_kfd_priv.c walks them */

/* The layout of the kernel's struct kfd_criu_queue_priv_data (kfd_priv.h, 120 bytes with its padding). */
struct kfd_criu_queue_priv_data {
	uint32_t object_type;
	uint64_t q_address, q_size, read_ptr_addr, write_ptr_addr, doorbell_off, eop_ring_buffer_address,
		ctx_save_restore_area_address;
	uint32_t gpu_id, type, format, q_id, priority, q_percent, doorbell_id, gws, sdma_id, eop_ring_buffer_size,
		ctx_save_restore_area_size, ctl_stack_size, mqd_size;
};

/* A target GPU as kfd_queue_ctx_save_restore_size sizes it. */
struct queue_node {
	const struct oracle_gpu *gpu;
	uint32_t gfxv, gc, xcc, ctl_stack, cwsr, debug;
};

struct sdma_slot { uint32_t gpu, type, id; };

/* What the queues restored so far hold: the process's qid bitmap, per GPU its queue count, the SDMA ids taken. */
struct queue_state {
	uint64_t qid[1024 / 64];
	uint32_t gpu[64], count[64], n_gpus;
	struct sdma_slot sdma[256];
	uint32_t n_sdma;
};

/* A queue the last CRIU_OP RESTORE took but restores otherwise than it was checkpointed ("" when none): the call's
 * "restored_as" (fake_kernel.c). Emptied as the private data walk starts. */
extern char oracle_kfd_differs[160];

/* 0, or -errno with the check in *check (ORACLE_OOPS: the kernel oopses in that check). */
long oracle_kfd_xnack(const struct kfd_ioctl_criu_args *a, uint32_t xnack_mode, const char **check);
long oracle_kfd_queue(const struct kfd_ioctl_criu_args *a, const uint8_t *p, uint64_t *at, uint64_t bos_at, struct queue_state *st,
		      const char **check);
/* The SVM ranges of the last CRIU_OP RESTORE (fake_kfd_svm.c): forgotten at its start, kept as it walks them, checked
 * by RESUME. */
void oracle_kfd_svm_reset(const struct kfd_ioctl_criu_args *a);
void oracle_kfd_svm_keep(const uint8_t *range);
long oracle_kfd_svm_resume(const char **check);
#endif
