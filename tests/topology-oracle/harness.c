/*
 * Our own driver for CRIU's plugins/amdgpu/amdgpu_plugin_topology.c (compiled from a CRIU checkout by
 * run-oracle.sh; CRIU's code is not part of this repository). Reads cases on stdin, builds the checkpointed
 * and the local topology with CRIU's own sys_add_node/node_add_iolink (as devinfo_to_topology does), sets
 * the KFD_*_CHECK globals, calls set_restore_gpu_maps and prints one result line per case:
 *   result N OUTCOME [SRC:DEST ...]
 * Each case runs in a child process, so a crash is seen as one; a run of more than LIMIT map_device calls
 * is reported as never-ends (the C# replay detects the loop exactly; terminating runs here take < 10^5).
 *
 * A case may also name two topology folders (gen-cases.py --fixtures):
 *   fixture NAME SOURCE TARGET ENV      echoed as it is
 *   env ...                              as for any case
 *   load N SOURCE_DIR TARGET_DIR
 * Both folders are read by CRIU's own topology_parse: run-oracle.sh points its TOPOLOGY_PATH at
 * harness_topology_path and its opendir/readdir/closedir at the ones below, which list a folder in kernfs
 * order rebuilt from the names, as a live sysfs lists it. The source then becomes what a dump taken on that
 * host records and a restore reads back: topology_determine_iolinks, then the fields and valid links
 * topology_to_devinfo writes (amdgpu_plugin.c:181-253) as devinfo_to_topology rebuilds them (:255-303).
 * The case is printed in the format above, so that it is replayed like any other, and then run.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/list.h"
#include "amdgpu_plugin_topology.h"

#define LIMIT 5000000L

extern bool kfd_fw_version_check, kfd_sdma_fw_version_check, kfd_caches_count_check, kfd_num_gws_check,
	kfd_vram_size_check, kfd_numa_check, kfd_capability_check;

int topology_parse(struct tp_system *sys, const char *message);
int topology_determine_iolinks(struct tp_system *sys);

char harness_topology_path[4200];

static jmp_buf escape;
static long evaluations;
static char last_error[512];

void harness_log(int error, const char *format, ...)
{
	va_list args;

	if (!error && !strncmp(format, "Evaluating mapping nodes", 24) && ++evaluations > LIMIT)
		longjmp(escape, 1);
	if (!error)
		return;
	va_start(args, format);
	vsnprintf(last_error, sizeof(last_error), format, args);
	va_end(args);
}

static void read_node(struct tp_system *sys, char *line)
{
	unsigned long long v[30];
	struct tp_node *n;
	int count = 0;
	char *p = line + 2, *end;

	while (count < 30) {
		v[count++] = strtoull(p, &end, 10);
		p = end;
	}
	n = sys_add_node(sys, v[0], v[1]);
	n->cpu_cores_count = v[2]; n->simd_count = v[3]; n->mem_banks_count = v[4]; n->caches_count = v[5];
	n->io_links_count = v[6]; n->max_waves_per_simd = v[7]; n->lds_size_in_kb = v[8]; n->num_gws = v[9];
	n->wave_front_size = v[10]; n->array_count = v[11]; n->simd_arrays_per_engine = v[12];
	n->cu_per_simd_array = v[13]; n->simd_per_cu = v[14]; n->max_slots_scratch_cu = v[15];
	n->vendor_id = v[16]; n->device_id = v[17]; n->domain = v[18]; n->drm_render_minor = v[19];
	n->hive_id = v[20]; n->num_sdma_engines = v[21]; n->num_sdma_xgmi_engines = v[22];
	n->num_sdma_queues_per_engine = v[23]; n->num_cp_queues = v[24]; n->fw_version = v[25];
	n->capability = v[26]; n->sdma_fw_version = v[27]; n->vram_public = v[28]; n->vram_size = v[29];
}

/* kernfs_name_hash(name, NULL) on a 64-bit kernel (fs/kernfs/dir.c), as src/CriuImage/Topology/KernfsOrder.cs. */
static unsigned kernfs_hash(const char *name)
{
	unsigned long long hash = 0;
	unsigned end;

	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		hash = (hash + ((unsigned long long)*c << 4) + (*c >> 4)) * 11;
	end = (unsigned)((hash * 0x61C8864680B583EBULL) >> 32) & 0x7fffffffU;
	if (end < 2)
		end += 2;
	return end >= 0x7fffffffU ? 0x7fffffffU - 1 : end;
}

static int kernfs_compare(const struct dirent **a, const struct dirent **b)
{
	unsigned ha = kernfs_hash((*a)->d_name), hb = kernfs_hash((*b)->d_name);

	if (ha != hb)
		return ha < hb ? -1 : 1;
	return strcmp((*a)->d_name, (*b)->d_name);
}

struct kernfs_dir {
	struct dirent **entries;
	int count, next;
};

DIR *harness_opendir(const char *path)
{
	struct kernfs_dir *dir = calloc(1, sizeof(*dir));

	dir->count = scandir(path, &dir->entries, NULL, kernfs_compare);
	if (dir->count < 0) {
		free(dir);
		return NULL;
	}
	return (DIR *)dir;
}

struct dirent *harness_readdir(DIR *handle)
{
	struct kernfs_dir *dir = (struct kernfs_dir *)handle;

	return dir->next < dir->count ? dir->entries[dir->next++] : NULL;
}

int harness_closedir(DIR *handle)
{
	struct kernfs_dir *dir = (struct kernfs_dir *)handle;

	for (int i = 0; i < dir->count; i++)
		free(dir->entries[i]);
	free(dir->entries);
	free(dir);
	return 0;
}

/* One node and its links in the case format (fields in the order of read_node). */
static void print_node(char side, struct tp_node *n)
{
	struct tp_iolink *link;

	printf("%c %u %u %u %u %u %u %u %u %u %u %u %u %u %u %u %u %u %u %u %u %llu %u %u %u %u %u %u %u %u %llu\n", side,
	       n->id, n->gpu_id, n->cpu_cores_count, n->simd_count, n->mem_banks_count, n->caches_count,
	       n->io_links_count, n->max_waves_per_simd, n->lds_size_in_kb, n->num_gws, n->wave_front_size,
	       n->array_count, n->simd_arrays_per_engine, n->cu_per_simd_array, n->simd_per_cu,
	       n->max_slots_scratch_cu, n->vendor_id, n->device_id, n->domain, n->drm_render_minor,
	       (unsigned long long)n->hive_id, n->num_sdma_engines, n->num_sdma_xgmi_engines,
	       n->num_sdma_queues_per_engine, n->num_cp_queues, n->fw_version, n->capability, n->sdma_fw_version,
	       (unsigned)n->vram_public, (unsigned long long)n->vram_size);
	list_for_each_entry(link, &n->iolinks, listm)
		printf("l %u %u\n", link->type, link->node_to_id);
}

/* What a dump taken on the host of `parsed` records, as a restore reads it back (see the top of this file). */
static void checkpointed(struct tp_system *parsed, struct tp_system *out)
{
	struct tp_node *node, *c;
	struct tp_iolink *link;

	list_for_each_entry(node, &parsed->nodes, listm_system) {
		c = sys_add_node(out, node->id, node->gpu_id);
		if (!NODE_IS_GPU(node)) {
			c->cpu_cores_count = node->cpu_cores_count;
		} else {
			c->simd_count = node->simd_count; c->mem_banks_count = node->mem_banks_count;
			c->caches_count = node->caches_count; c->io_links_count = node->io_links_count;
			c->max_waves_per_simd = node->max_waves_per_simd; c->lds_size_in_kb = node->lds_size_in_kb;
			c->num_gws = node->num_gws; c->wave_front_size = node->wave_front_size;
			c->array_count = node->array_count; c->simd_arrays_per_engine = node->simd_arrays_per_engine;
			c->cu_per_simd_array = node->cu_per_simd_array; c->simd_per_cu = node->simd_per_cu;
			c->max_slots_scratch_cu = node->max_slots_scratch_cu; c->vendor_id = node->vendor_id;
			c->device_id = node->device_id; c->domain = node->domain; c->drm_render_minor = node->drm_render_minor;
			c->hive_id = node->hive_id; c->num_sdma_engines = node->num_sdma_engines;
			c->num_sdma_xgmi_engines = node->num_sdma_xgmi_engines;
			c->num_sdma_queues_per_engine = node->num_sdma_queues_per_engine;
			c->num_cp_queues = node->num_cp_queues; c->fw_version = node->fw_version;
			c->capability = node->capability; c->sdma_fw_version = node->sdma_fw_version;
			c->vram_public = node->vram_public; c->vram_size = node->vram_size;
		}
		list_for_each_entry(link, &node->iolinks, listm)
			if (link->valid)
				node_add_iolink(c, link->type, link->node_to_id);
	}
}

/* CRIU's topology_parse of a topology folder (one holding nodes/). */
static bool load(struct tp_system *sys, const char *folder)
{
	snprintf(harness_topology_path, sizeof(harness_topology_path), "%s/nodes/", folder);
	topology_init(sys);
	return !topology_parse(sys, "harness");
}

static const char *outcome(int ret)
{
	if (!ret)
		return "mapped";
	if (strstr(last_error, "Number of devices mismatch"))
		return "device-count-mismatch";
	if (strstr(last_error, "Number of xgmi groups mismatch"))
		return "hive-count-mismatch";
	if (strstr(last_error, "Failed to match all GPU groups"))
		return "hives-not-matched";
	if (strstr(last_error, "Failed to match remaining nodes"))
		return "remaining-not-matched";
	return "other";
}

static void run(int number, struct tp_system *src, struct tp_system *dest, int *env)
{
	struct device_maps maps;
	struct tp_node *node;
	int ret;

	kfd_fw_version_check = env[0]; kfd_sdma_fw_version_check = env[1]; kfd_caches_count_check = env[2];
	kfd_num_gws_check = env[3]; kfd_vram_size_check = env[4]; kfd_numa_check = env[5];
	kfd_capability_check = env[6];
	evaluations = 0;
	last_error[0] = 0;
	if (setjmp(escape)) {
		printf("result %d never-ends\n", number);
		return;
	}
	ret = set_restore_gpu_maps(src, dest, &maps);
	printf("result %d %s", number, outcome(ret));
	if (!ret)
		list_for_each_entry(node, &src->nodes, listm_system)
			if (NODE_IS_GPU(node))
				printf(" %u:%u", node->gpu_id, maps_get_dest_gpu(&maps, node->gpu_id));
	printf("\n");
}

static void run_forked(int number, struct tp_system *src, struct tp_system *dest, int *env)
{
	pid_t child;
	int status;

	fflush(stdout);
	child = fork();
	if (!child) {
		run(number, src, dest, env);
		fflush(stdout);
		_exit(0);
	}
	waitpid(child, &status, 0);
	if (WIFSIGNALED(status))
		printf("result %d crashes\n", number);
	fflush(stdout);
}

/* A fixture case: both folders read by CRIU, printed as a case, then run. */
static void run_fixture(char *line, int *env)
{
	static char source_dir[4096], target_dir[4096];
	struct tp_system parsed, src, dest;
	struct tp_node *node;
	int number;

	sscanf(line + 5, "%d %4095s %4095s", &number, source_dir, target_dir);
	last_error[0] = 0;
	if (!load(&parsed, source_dir) || topology_determine_iolinks(&parsed) || !load(&dest, target_dir)) {
		printf("result %d unparsable %s\n", number, last_error);
		return;
	}
	topology_init(&src);
	checkpointed(&parsed, &src);
	printf("case %d\nenv %d %d %d %d %d %d %d\n", number, env[0], env[1], env[2], env[3], env[4], env[5], env[6]);
	list_for_each_entry(node, &src.nodes, listm_system)
		print_node('s', node);
	list_for_each_entry(node, &dest.nodes, listm_system)
		print_node('d', node);
	printf("end\n");
	run_forked(number, &src, &dest, env);
}

int main(void)
{
	static char line[4096];
	struct tp_system src, dest, *current = NULL;
	struct tp_node *last = NULL;
	int number = -1, env[7];

	while (fgets(line, sizeof(line), stdin)) {
		if (!strncmp(line, "case ", 5)) {
			number = atoi(line + 5);
			topology_init(&src);
			topology_init(&dest);
		} else if (!strncmp(line, "env ", 4)) {
			sscanf(line + 4, "%d %d %d %d %d %d %d", &env[0], &env[1], &env[2], &env[3], &env[4], &env[5], &env[6]);
		} else if (!strncmp(line, "fixture ", 8)) {
			fputs(line, stdout);
		} else if (!strncmp(line, "load ", 5)) {
			run_fixture(line, env);
		} else if (line[0] == 's' || line[0] == 'd') {
			current = line[0] == 's' ? &src : &dest;
			read_node(current, line);
			last = list_entry(current->nodes.prev, struct tp_node, listm_system);
		} else if (line[0] == 'l') {
			unsigned type, to;
			sscanf(line + 2, "%u %u", &type, &to);
			node_add_iolink(last, type, to);
		} else if (!strncmp(line, "end", 3)) {
			run_forked(number, &src, &dest, env);
		}
	}
	return 0;
}
