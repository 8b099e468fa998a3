/* Runs the fake kernel's walk of CRIU_OP RESTORE's private data (../harness/fake_kfd_priv.c, fake_kfd_queue.c,
 * fake_kfd_event.c) on
 * cases read from standard input and prints, per case, "ERRNO CHECK" of CRIU_OP RESTORE ("0 -" when it is taken)
 * and, when RESTORE takes it, the same of RESUME (fake_kfd_svm.c). KfdCrossCheckTests
 * writes the cases and holds the C# model (src/CriuImage/Restore/KfdPrivate*.cs) to the same answers.
 *
 * A case, little-endian: u32 num_devices, num_bos, num_objects, u64 priv_data_size; per device the ten u32 of
 * struct oracle_gpu (its gpu_id is both the user and the actual id); per BO u32 gpu_id, u64 addr, u64 size, u32 alloc_flags; then
 * the private data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kfd_ioctl.h"
#include "oracle.h"
#include "fake_kfd_queue.h"

/* The walk of 6.12.118 (fake_kernel.c's kernel "6.18": the queue buffers looked up, DIQ kept), the line the C# model is
 * held to here. */
struct oracle_kernel oracle_target = { "6.18", 0, true, false, false, false };

static int get(void *p, size_t n)
{
	return fread(p, 1, n, stdin) == n;
}

int main(void)
{
	uint32_t head[3];
	uint64_t size;
	while (get(head, sizeof(head)) && get(&size, sizeof(size))) {
		struct kfd_ioctl_criu_args a = { .num_devices = head[0], .num_bos = head[1], .num_objects = head[2], .priv_data_size = size };
		struct kfd_criu_device_bucket *dev = calloc(head[0] + 1, sizeof(*dev));
		struct kfd_criu_bo_bucket *bo = calloc(head[1] + 1, sizeof(*bo));
		uint8_t *priv = malloc(size + 1);
		oracle_n_gpus = 0;
		for (uint32_t i = 0; i < head[0]; i++) {
			struct oracle_gpu g;
			if (!get(&g, sizeof(g)))
				return 2;
			dev[i].user_gpu_id = dev[i].actual_gpu_id = g.gpu_id;
			if (oracle_n_gpus < 64)
				oracle_gpus[oracle_n_gpus++] = g;
		}
		for (uint32_t i = 0; i < head[1]; i++)
			if (!get(&bo[i].gpu_id, 4) || !get(&bo[i].addr, 8) || !get(&bo[i].size, 8) || !get(&bo[i].alloc_flags, 4))
				return 2;
		if (size && !get(priv, size))
			return 2;
		a.devices = (uintptr_t)dev;
		a.bos = (uintptr_t)bo;
		a.priv_data = (uintptr_t)priv;
		const char *check = "-";
		long r = oracle_kfd_priv_walk(&a, &check);
		const char *late = "-";
		long resumed = r ? 0 : oracle_kfd_svm_resume(&late);
		printf("%ld %s %ld %s\n", -r, r ? check : "-", -resumed, resumed ? late : "-");
		free(dev);
		free(bo);
		free(priv);
	}
	return 0;
}
