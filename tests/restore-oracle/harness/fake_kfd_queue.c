/* The fake kernel's restore of a queue object and its xnack check, in the kernel's order (Linux 6.12.118, taken as
 * the 6.18 of the runs, with what the target release changes: oracle_target, fake_kernel.c): kfd_criu_restore_queue (kfd_process_queue_manager.c: GPU, type < KFD_QUEUE_TYPE_MAX, the
 * MQD size of the type's MQD manager, the MQD and control stack's room), kfd_queue_acquire_buffers (kfd_queue.c:
 * the read/write pointers, ring, EOP buffer and CWSR area mapped at exactly their sizes in the GPU's VM, the
 * control stack size the node's), pqm_create_queue (queue limit, qid slot, type), allocate_sdma_queue
 * (kfd_device_queue_manager.c: the restored SDMA queue id) and create_queue_cpsch (restore_mqd, which 6.12's GFX 12
 * MQD managers lack); init_user_queue on a MES GPU when the buffers were not looked up (the oops of 6.18.0 .. 6.18.52,
 * the refusal of 7.2-rc3 on); criu_restore_process's xnack_mode against kfd_process_xnack_mode (kfd_process.c). A GPU's
 * node comes from the target topology (oracle_gpus) and a small table of ASICs by PCI device id; an ASIC not in it
 * skips the checks that need it. */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include "kfd_ioctl.h"
#include "oracle.h"
#include "fake_kfd_queue.h"

struct oracle_gpu oracle_gpus[64];
char oracle_kfd_differs[160];
int oracle_n_gpus;

/* gfx_target_version, GC version (major * 10000 + minor * 100 + patch) and XCCs per node, by PCI device id. */
static const struct { uint32_t device_id, gfxv, gc, xcc, cus_per_xcc; } asics[] = {
	{ 0x740F, 90010, 90402, 1, 0 },  /* Instinct MI210, GC 9.4.2 */
	{ 0x744C, 110000, 110000, 1, 0 }, /* Radeon RX 7900, GC 11.0.0 */
	{ 0x74A1, 90402, 90403, 8, 38 }, /* Instinct MI300X, GC 9.4.3: a node's XCCs are its CUs / 38 (SPX 8) */
	{ 0x738C, 90008, 90401, 1, 0 },  /* Instinct MI100, GC 9.4.1 */
	{ 0x740C, 90010, 90402, 1, 0 },  /* Instinct MI250X/MI250, GC 9.4.2: one node per GCD */
	{ 0x74A0, 90402, 90403, 6, 38 }, /* Instinct MI300A, GC 9.4.3: 228 CUs, SPX 6 XCCs */
	{ 0x747E, 110001, 110003, 1, 0 }, /* Radeon RX 7700 XT/7800 XT, GC 11.0.3 */
	{ 0x7480, 110002, 110002, 1, 0 }, /* Radeon RX 7600, GC 11.0.2 */
	{ 0x7550, 120001, 120001, 1, 0 }, /* Radeon RX 9070/9070 XT, GC 12.0.1 */
	{ 0x7590, 120000, 120000, 1, 0 }, /* Radeon RX 9060 XT, GC 12.0.0 */
	{ 0x75A0, 90500, 90500, 8, 32 }, /* Instinct MI350X, GC 9.5.0: 256 CUs, SPX 8 XCCs (Linux 7.2.13) */
	{ 0x75A3, 90500, 90500, 8, 32 }, /* Instinct MI355X, GC 9.5.0 */
};

#define ALIGN_UP(v, a) (((v) + (a) - 1) / (a) * (a))

/* kfd_queue_ctx_save_restore_size (kfd_queue.c) of the target GPU that the process's user_gpu_id maps to. */
static int node_of(const struct kfd_ioctl_criu_args *a, uint32_t user_gpu, struct queue_node *n)
{
	const struct kfd_criu_device_bucket *dev = (const void *)(uintptr_t)a->devices;
	uint32_t actual = 0;
	for (uint32_t i = 0; i < a->num_devices; i++)
		if (dev[i].user_gpu_id == user_gpu)
			actual = dev[i].actual_gpu_id;
	const struct oracle_gpu *g = NULL;
	for (int i = 0; i < oracle_n_gpus; i++)
		if (oracle_gpus[i].gpu_id == actual)
			g = &oracle_gpus[i];
	if (!g || !g->simd_per_cu || !g->simd_arrays_per_engine)
		return 0;
	for (size_t i = 0; i < sizeof(asics) / sizeof(asics[0]); i++) {
		if (asics[i].device_id != g->device_id)
			continue;
		uint32_t xcc = asics[i].xcc;
		if (asics[i].cus_per_xcc) {
			xcc = g->simd_count / g->simd_per_cu / asics[i].cus_per_xcc;
			xcc = xcc ? xcc : 1;
		}
		uint32_t gfxv = asics[i].gfxv, cu = g->simd_count / g->simd_per_cu / xcc;
		uint32_t waves = gfxv < 100100 ? (cu * 40 < g->array_count / g->simd_arrays_per_engine * 512 ? cu * 40 : g->array_count / g->simd_arrays_per_engine * 512) : cu * 32;
		uint64_t vgpr = (gfxv == 90402 || gfxv == 90010 || gfxv == 90008 || gfxv == 90500) ? 0x80000 :
				(gfxv == 110000 || gfxv == 110001 || gfxv == 110501 || gfxv == 120000 || gfxv == 120001) ? 0x60000 : 0x40000;
		/* GC 9.5.0 saves the node's own LDS per CU (kfd_get_lds_size_per_cu, kfd_queue.c:455-462 at 7.2.13) */
		uint64_t lds = gfxv == 90500 ? (uint64_t)g->lds_size_in_kb << 10 : 0x10000;
		uint64_t ctl = ALIGN_UP(40 + (uint64_t)waves * (gfxv >= 100100 ? 12 : 8) + 8, 4096);
		if (gfxv / 10000 == 10 && ctl > 0x7000)
			ctl = 0x7000;
		n->gpu = g;
		n->gfxv = gfxv;
		n->gc = asics[i].gc;
		n->xcc = xcc;
		n->ctl_stack = (uint32_t)ctl;
		n->cwsr = (uint32_t)(ctl + ALIGN_UP((uint64_t)cu * (vgpr + 0x4000 + lds + 0x1000), 4096));
		n->debug = (uint32_t)ALIGN_UP((uint64_t)waves * 32, 64);
		return 1;
	}
	return 0;
}

long oracle_kfd_xnack(const struct kfd_ioctl_criu_args *a, uint32_t xnack_mode, const char **check)
{
	const struct kfd_criu_device_bucket *dev = (const void *)(uintptr_t)a->devices;
	if (!xnack_mode)
		return 0;
	for (uint32_t i = 0; i < a->num_devices; i++) {
		struct queue_node n;
		if (!node_of(a, dev[i].user_gpu_id, &n) || n.gc < 90001)
			continue;
		if (n.gc == 90402 || n.gc == 90403 || n.gc == 90404) /* KFD_SUPPORT_XNACK_PER_PROCESS */
			continue;
		if (n.gc >= 100101) { /* the amdgpu.noretry of other GFX 9 GPUs is the host's: taken as allowing it */
			*check = "process-xnack";
			return -EPERM;
		}
	}
	return 0;
}

/* kfd_queue_buffer_get: a mapping of the GPU's VM holds the address's page, starts there and, unless the expected
 * size is under a page, is exactly that size. The KFD BOs are mapped whole, on the GPUs their record names. */
static int buffer_ok(const struct kfd_ioctl_criu_args *a, const uint8_t *p, uint64_t bos_at, uint32_t gpu, uint64_t addr, uint64_t expected)
{
	const struct kfd_criu_bo_bucket *bo = (const void *)(uintptr_t)a->bos;
	uint64_t page = addr >> 12, pages = expected >> 12;
	for (uint32_t i = 0; i < a->num_bos; i++) {
		const uint8_t *priv = p + bos_at + (uint64_t)i * QUEUE_BO_PRIV;
		int mapped = 0;
		for (uint32_t j = 0; j < a->num_devices && j < 64; j++) {
			uint32_t id;
			memcpy(&id, priv + 12 + 4 * (uint64_t)j, 4);
			if (!id)
				break;
			mapped |= id == gpu;
		}
		uint64_t start = bo[i].addr >> 12, last = ((bo[i].addr + bo[i].size) >> 12) - 1;
		if (!mapped || !bo[i].size || page < start || page > last)
			continue;
		return start == page && (!pages || page + pages - 1 == last);
	}
	return 0;
}

#define REFUSE(e, what) do { *check = (what); return -(e); } while (0)

long oracle_kfd_queue(const struct kfd_ioctl_criu_args *a, const uint8_t *p, uint64_t *at, uint64_t bos_at, struct queue_state *st,
		      const char **check)
{
	struct kfd_criu_queue_priv_data q;
	uint64_t size = a->priv_data_size;
	if (*at + sizeof(q) > size)
		REFUSE(EINVAL, "queue-size");
	memcpy(&q, p + *at, sizeof(q));
	const struct kfd_criu_device_bucket *dev = (const void *)(uintptr_t)a->devices;
	int known = 0;
	for (uint32_t i = 0; i < a->num_devices; i++)
		known |= dev[i].user_gpu_id == q.gpu_id;
	if (!known)
		REFUSE(EINVAL, "queue-gpu");
	/* enum kfd_queue_type: COMPUTE 0, SDMA 1, HIQ 2, DIQ 3, SDMA_XGMI 4, SDMA_BY_ENG_ID 5, MAX 6 (kfd_priv.h:437-445 at
	 * 6.12.118); without DIQ SDMA_XGMI 3, SDMA_BY_ENG_ID 4, MAX 5 (kfd_priv.h:445-452 at 7.2.13) */
	uint32_t xgmi = oracle_target.without_diq ? 3 : 4, by_eng = xgmi + 1;
	if (q.type >= by_eng + 1) /* KFD_QUEUE_TYPE_MAX */
		REFUSE(EINVAL, "queue-type");
	struct queue_node n;
	int have = node_of(a, q.gpu_id, &n);
	int sdma = q.type == 1 || q.type == xgmi || q.type == by_eng;
	if (have && q.mqd_size != (sdma ? (n.gfxv / 10000 == 10 ? 520 : 512) : 2048))
		REFUSE(EINVAL, "queue-mqd-size");
	*at += sizeof(q);
	if (*at + (uint64_t)q.ctl_stack_size + q.mqd_size > size)
		REFUSE(EINVAL, "queue-data-size");
	*at += (uint64_t)q.ctl_stack_size + q.mqd_size;

	if (have && oracle_target.queue_buffers) { /* kfd_queue_acquire_buffers */
		uint64_t ring = q.type == 0 && q.format == 1 && n.gfxv >= 70000 && n.gfxv < 90000 ? q.q_size / 2 : q.q_size;
		if (!buffer_ok(a, p, bos_at, q.gpu_id, q.write_ptr_addr, 4096))
			REFUSE(EINVAL, "queue-wptr");
		if (!buffer_ok(a, p, bos_at, q.gpu_id, q.read_ptr_addr, 4096))
			REFUSE(EINVAL, "queue-rptr");
		if (!buffer_ok(a, p, bos_at, q.gpu_id, q.q_address, ring))
			REFUSE(EINVAL, "queue-ring");
		if (q.type == 0) {
			if (q.eop_ring_buffer_address) {
				if (q.eop_ring_buffer_size < 4096)
					REFUSE(EINVAL, "queue-eop-size");
				if (!buffer_ok(a, p, bos_at, q.gpu_id, q.eop_ring_buffer_address, ALIGN_UP((uint64_t)q.eop_ring_buffer_size, 4096)))
					REFUSE(EINVAL, "queue-eop");
			}
			if (q.ctl_stack_size != n.ctl_stack)
				REFUSE(EINVAL, "queue-ctl-stack");
			if (q.ctx_save_restore_area_size < n.cwsr)
				REFUSE(EINVAL, "queue-cwsr-size");
			/* no SVM range exists yet: kfd_criu_restore_svm only stores them until RESUME */
			if (!buffer_ok(a, p, bos_at, q.gpu_id, q.ctx_save_restore_area_address,
				       ALIGN_UP(((uint64_t)q.ctx_save_restore_area_size + n.debug) * n.xcc, 4096)))
				REFUSE(EINVAL, "queue-cwsr");
		}
	}

	/* pqm_create_queue */
	uint32_t g = 0;
	while (g < st->n_gpus && st->gpu[g] != q.gpu_id)
		g++;
	if (g == st->n_gpus && g < 64)
		st->gpu[st->n_gpus++] = q.gpu_id, st->count[g] = 0;
	if (have && st->count[g] >= ((n.gc == 90403 || n.gc == 90404 || n.gc == 90500) ? 255u : 127u))
		REFUSE(ENOSPC, "queue-count");
	if (q.q_id >= 1024) /* KFD_MAX_NUM_OF_QUEUES_PER_PROCESS */
		REFUSE(EINVAL, "queue-qid");
	if (st->qid[q.q_id / 64] & (1ULL << (q.q_id % 64)))
		REFUSE(ENOSPC, "queue-qid-taken");
	st->qid[q.q_id / 64] |= 1ULL << (q.q_id % 64);
	if (q.type == 2) /* HIQ: pqm_create_queue's default case */
		REFUSE(EINVAL, "queue-create-type");
	/* init_user_queue on a MES GPU (GC 11 and 12) needs the write pointer BO kfd_queue_acquire_buffers looks up: without
	 * the lookup 6.18.0 .. 6.18.52 dereference the NULL wptr_bo (q_properties->wptr_bo->tbo.bdev,
	 * kfd_process_queue_manager.c:282 at 6.12.118, reached where the MES firmware's API version is 2 or more, :280-281:
	 * taken as the host's), 7.2-rc3 on refuse it ('Queue initialization with shared MES requires queue buffers to be
	 * initialized', :268-271 at 7.2.13) */
	if (!oracle_target.queue_buffers && have && n.gc >= 110000) {
		if (oracle_target.mes_queue_check)
			REFUSE(EINVAL, "queue-mes-buffers");
		*check = "queue-wptr-null";
		return ORACLE_OOPS;
	}
	if (q.type == by_eng && oracle_target.without_diq && have) {
		/* No kernel checkpoints SDMA_BY_ENG_ID (allocate_sdma_queue turns it into SDMA or SDMA_XGMI), so this is a DIQ
		 * kernel's SDMA_XGMI queue. set_queue_properties_from_criu sets no sdma_engine_id (0), so allocate_sdma_queue's
		 * SDMA_BY_ENG_ID branch (kfd_device_queue_manager.c:1821-1856 at 7.2.13) takes the first free PCIe SDMA slot of
		 * engine 0 and makes it an SDMA queue; none free: -ENOMEM. */
		uint32_t engines = n.gpu->num_sdma_engines, slots = engines * n.gpu->num_sdma_queues_per_engine, id = 0;
		for (; id < slots; id += engines ? engines : 1) {
			uint32_t i = 0;
			while (i < st->n_sdma && !(st->sdma[i].gpu == q.gpu_id && st->sdma[i].type == 1 && st->sdma[i].id == id))
				i++;
			if (i == st->n_sdma)
				break;
		}
		if (!engines || id >= slots)
			REFUSE(ENOMEM, "queue-sdma-engine-full");
		if (st->n_sdma < 256)
			st->sdma[st->n_sdma++] = (struct sdma_slot){ q.gpu_id, 1, id };
		snprintf(oracle_kfd_differs, sizeof(oracle_kfd_differs),
			 "queue %u (type %u: a DIQ kernel's SDMA_XGMI, XGMI SDMA id %u) as a PCIe SDMA queue, SDMA id %u (engine 0)", q.q_id, q.type,
			 q.sdma_id, id);
	}
	if ((q.type == 1 || q.type == xgmi) && have) { /* allocate_sdma_queue with the restored id */
		uint32_t engines = q.type == 1 ? n.gpu->num_sdma_engines : n.gpu->num_sdma_xgmi_engines;
		if (q.sdma_id >= engines * n.gpu->num_sdma_queues_per_engine)
			REFUSE(EINVAL, "queue-sdma-id");
		for (uint32_t i = 0; i < st->n_sdma; i++)
			if (st->sdma[i].gpu == q.gpu_id && st->sdma[i].type == q.type && st->sdma[i].id == q.sdma_id)
				REFUSE(EBUSY, "queue-sdma-id-taken");
		if (st->n_sdma < 256)
			st->sdma[st->n_sdma++] = (struct sdma_slot){ q.gpu_id, q.type, q.sdma_id };
	}
	if (have && n.gc / 10000 == 12 && !oracle_target.gfx12_restore_mqd) /* create_queue_cpsch: 6.12's GFX 12 MQD managers have no restore_mqd */
		REFUSE(EOPNOTSUPP, "queue-restore-mqd");
	st->count[g]++;
	return 0;
}
