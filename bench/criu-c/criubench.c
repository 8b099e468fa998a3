/* The protobuf-c peer of scripts/bench-criu.sh: what CRIU's amdgpu plugin does with its own files.
 *
 *   criubench gen-kfd N FILE    writes a criu-dev amdgpu-kfd image of N BOs (one CPU and one GPU node) with the
 *                               private data a 6.12+ kernel's CHECKPOINT hands CRIU (272 bytes a BO)
 *   criubench gen-node N FILE   writes a criu-dev amdgpu-renderD image of N BOs of one mapping each
 *   criubench kfd FILE          reads FILE, unpacks criu_kfd, walks every BO, frees (kfdunpack's shape)
 *   criubench node FILE         the same for criu_render_node and every mapping
 *
 * Messages are built and unpacked by protobuf-c's code generated from fixtures/criu/proto/criudev.proto
 * (protoc-c, at build time, outside the repository), as CRIU builds them: an 8-byte size_t, then the message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "criudev.pb-c.h"

static uint8_t *read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f) { perror(path); exit(2); }
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc(n);
	if (!buf || fread(buf, 1, n, f) != (size_t)n) { perror(path); exit(2); }
	fclose(f);
	*size = n;
	return buf;
}

static void write_message(const char *path, const ProtobufCMessage *m)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(len + 8);
	uint64_t header = len;
	memcpy(buf, &header, 8);
	protobuf_c_message_pack(m, buf + 8);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len + 8, f) != len + 8) { perror(path); exit(2); }
	fclose(f);
	free(buf);
}

/* The kernel's private data (kfd_priv.h at Linux 6.12: struct kfd_criu_process_priv_data, device_priv_data,
 * bo_priv_data with MAX_GPU_INSTANCE 64): version 1 and xnack off, 8 reserved bytes for the one GPU, then one
 * record a BO {u64 user_addr, u32 idr_handle, u32 mapped_gpuids[64], 4 bytes of padding}; no objects. A userptr
 * BO keeps its CPU address (here its image offset); idr handles number the GPU's BOs from 0; each is mapped on its GPU. */
enum { BO_PRIV = 8 + 4 + 4 * 64 + 4 };

static uint8_t *kfd_private(size_t n, const Criudev__KfdBoEntry *bos, uint32_t gpu, size_t *size)
{
	*size = 8 + 8 + n * BO_PRIV;
	uint8_t *p = calloc(1, *size);
	if (!p) { perror("calloc"); exit(2); }
	uint32_t version = 1;
	memcpy(p, &version, 4);
	for (size_t i = 0; i < n; i++) {
		uint8_t *r = p + 16 + i * BO_PRIV;
		uint32_t handle = (uint32_t)i;
		memcpy(r, &bos[i].offset, 8);
		memcpy(r + 8, &handle, 4);
		memcpy(r + 12, &gpu, 4);
	}
	return p;
}

static void gen_kfd(size_t n, const char *path)
{
	Criudev__CriuKfd kfd = CRIUDEV__CRIU_KFD__INIT;
	Criudev__KfdDeviceEntry cpu = CRIUDEV__KFD_DEVICE_ENTRY__INIT, gpu = CRIUDEV__KFD_DEVICE_ENTRY__INIT;
	Criudev__KfdDeviceEntry *devices[2] = { &cpu, &gpu };
	cpu.cpu_cores_count = 16;
	gpu.node_id = 1; gpu.gpu_id = 0x1a2b; gpu.simd_count = 192; gpu.mem_banks_count = 1; gpu.caches_count = 206;
	gpu.max_waves_per_simd = 16; gpu.lds_size_in_kb = 64; gpu.num_gws = 64; gpu.wave_front_size = 32;
	gpu.array_count = 12; gpu.simd_arrays_per_engine = 2; gpu.cu_per_simd_array = 8; gpu.simd_per_cu = 2;
	gpu.max_slots_scratch_cu = 32; gpu.vendor_id = 0x1002; gpu.device_id = 0x744c; gpu.domain = 0;
	gpu.drm_render_minor = 128; gpu.num_sdma_engines = 2; gpu.num_sdma_xgmi_engines = 0;
	gpu.num_sdma_queues_per_engine = 6; gpu.num_cp_queues = 24; gpu.fw_version = 550; gpu.capability = 0x2a0;
	gpu.sdma_fw_version = 19; gpu.vram_public = 1; gpu.vram_size = 1ull << 40;
	Criudev__KfdBoEntry *bos = calloc(n, sizeof *bos);
	Criudev__KfdBoEntry **list = calloc(n, sizeof *list);
	for (size_t i = 0; i < n; i++) {
		criudev__kfd_bo_entry__init(&bos[i]);
		bos[i].addr = 0x7f0000000000ull + i * 0x2000; /* 8 KiB apart, 4 KiB each: disjoint */
		bos[i].size = 0x1000;
		bos[i].offset = 0x100000000ull + i * 0x1000;
		bos[i].alloc_flags = 1u << 2; /* userptr: no contents in the pages file */
		bos[i].gpu_id = 0x1a2b;
		bos[i].handle = 0xFFFFFFFFu; /* no dma-buf */
		list[i] = &bos[i];
	}
	kfd.pid = 4242; kfd.num_of_gpus = 1; kfd.num_of_cpus = 1;
	kfd.n_device_entries = 2; kfd.device_entries = devices;
	kfd.num_of_bos = n; kfd.n_bo_entries = n; kfd.bo_entries = list;
	kfd.num_of_objects = 0; kfd.shared_mem_size = 0; kfd.shared_mem_magic = 0;
	kfd.priv_data.data = kfd_private(n, bos, gpu.gpu_id, &kfd.priv_data.len);
	write_message(path, &kfd.base);
	free(kfd.priv_data.data); free(list); free(bos);
}

static void gen_node(size_t n, const char *path)
{
	Criudev__CriuRenderNode node = CRIUDEV__CRIU_RENDER_NODE__INIT;
	Criudev__DrmBoEntry *bos = calloc(n, sizeof *bos);
	Criudev__DrmBoEntry **list = calloc(n, sizeof *list);
	Criudev__DrmVmEntry *vms = calloc(n, sizeof *vms);
	Criudev__DrmVmEntry **vlist = calloc(n, sizeof *vlist);
	for (size_t i = 0; i < n; i++) {
		criudev__drm_bo_entry__init(&bos[i]);
		criudev__drm_vm_entry__init(&vms[i]);
		vms[i].addr = 0x400000000ull + i * 0x2000;
		vms[i].size = 0x1000;
		vms[i].offset = 0;
		vms[i].flags = 0xe; /* read, write, executable */
		vlist[i] = &vms[i];
		bos[i].addr = vms[i].addr;
		bos[i].size = 0x1000;
		bos[i].offset = 0x100000000ull + i * 0x1000;
		bos[i].alloc_flags = 0;
		bos[i].alignment = 1; /* in CPU pages, as CRIU records it */
		bos[i].preferred_domains = 0x1; /* CPU: no contents to restore */
		bos[i].handle = (uint32_t)(i + 1);
		bos[i].is_import = 0;
		bos[i].num_of_vms = 1;
		bos[i].n_vm_entries = 1;
		bos[i].vm_entries = &vlist[i];
		list[i] = &bos[i];
	}
	node.gpu_id = 0x1a2b; node.id = 7; node.drm_render_minor = 128;
	node.num_of_bos = n; node.n_bo_entries = n; node.bo_entries = list;
	write_message(path, &node.base);
	free(vlist); free(vms); free(list); free(bos);
}

static int walk_kfd(const char *path)
{
	size_t size;
	uint8_t *buf = read_all(path, &size);
	uint64_t len;
	memcpy(&len, buf, 8);
	Criudev__CriuKfd *kfd = criudev__criu_kfd__unpack(NULL, len, buf + 8);
	if (!kfd) { fprintf(stderr, "%s: unpack failed\n", path); return 1; }
	uint64_t sum = 0;
	for (size_t i = 0; i < kfd->n_bo_entries; i++) {
		Criudev__KfdBoEntry *b = kfd->bo_entries[i];
		sum += b->addr ^ b->size ^ b->offset ^ b->alloc_flags ^ b->gpu_id ^ b->handle;
	}
	/* Each BO's private record, as the kernel's restore walks them: its idr handle and first mapped GPU. */
	for (size_t at = 8 + 8 * (size_t)kfd->num_of_gpus, i = 0; i < kfd->n_bo_entries && at + BO_PRIV <= kfd->priv_data.len; i++, at += BO_PRIV) {
		uint32_t handle, mapped;
		memcpy(&handle, kfd->priv_data.data + at + 8, 4);
		memcpy(&mapped, kfd->priv_data.data + at + 12, 4);
		sum += handle ^ mapped;
	}
	printf("%zu BOs, checksum %llx\n", kfd->n_bo_entries, (unsigned long long)sum);
	criudev__criu_kfd__free_unpacked(kfd, NULL);
	free(buf);
	return 0;
}

static int walk_node(const char *path)
{
	size_t size;
	uint8_t *buf = read_all(path, &size);
	uint64_t len;
	memcpy(&len, buf, 8);
	Criudev__CriuRenderNode *node = criudev__criu_render_node__unpack(NULL, len, buf + 8);
	if (!node) { fprintf(stderr, "%s: unpack failed\n", path); return 1; }
	uint64_t sum = 0, vms = 0;
	for (size_t i = 0; i < node->n_bo_entries; i++) {
		Criudev__DrmBoEntry *b = node->bo_entries[i];
		sum += b->addr ^ b->size ^ b->offset ^ b->alloc_flags ^ b->handle;
		for (size_t j = 0; j < b->n_vm_entries; j++, vms++)
			sum += b->vm_entries[j]->addr ^ b->vm_entries[j]->size ^ b->vm_entries[j]->flags;
	}
	printf("%zu BOs, %llu mappings, checksum %llx\n", node->n_bo_entries, (unsigned long long)vms, (unsigned long long)sum);
	criudev__criu_render_node__free_unpacked(node, NULL);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "gen-kfd")) { gen_kfd(strtoull(argv[2], NULL, 10), argv[3]); return 0; }
	if (argc == 4 && !strcmp(argv[1], "gen-node")) { gen_node(strtoull(argv[2], NULL, 10), argv[3]); return 0; }
	if (argc == 3 && !strcmp(argv[1], "kfd")) return walk_kfd(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "node")) return walk_node(argv[2]);
	fprintf(stderr, "usage: criubench gen-kfd|gen-node N FILE | kfd|node FILE\n");
	return 2;
}
