/*
 * Our own driver for CRIU's plugins/amdgpu/amdgpu_plugin_topology.c (compiled from a CRIU checkout by
 * run-oracle.sh; CRIU's code is not part of this repository). Reads cases on stdin, builds the checkpointed
 * and the local topology with CRIU's own sys_add_node/node_add_iolink (as devinfo_to_topology does), sets
 * the KFD_*_CHECK globals, calls set_restore_gpu_maps and prints one result line per case:
 *   result N OUTCOME [SRC:DEST ...]
 * Each case runs in a child process, so a crash is seen as one; a run of more than LIMIT map_device calls
 * is reported as never-ends (the C# replay detects the loop exactly; terminating runs here take < 10^5).
 */
#include <setjmp.h>
#include <stdbool.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/list.h"
#include "amdgpu_plugin_topology.h"

#define LIMIT 5000000L

extern bool kfd_fw_version_check, kfd_sdma_fw_version_check, kfd_caches_count_check, kfd_num_gws_check,
	kfd_vram_size_check, kfd_numa_check, kfd_capability_check;

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
		} else if (line[0] == 's' || line[0] == 'd') {
			current = line[0] == 's' ? &src : &dest;
			read_node(current, line);
			last = list_entry(current->nodes.prev, struct tp_node, listm_system);
		} else if (line[0] == 'l') {
			unsigned type, to;
			sscanf(line + 2, "%u %u", &type, &to);
			node_add_iolink(last, type, to);
		} else if (!strncmp(line, "end", 3)) {
			pid_t child;
			int status;

			fflush(stdout);
			child = fork();
			if (!child) {
				run(number, &src, &dest, env);
				fflush(stdout);
				_exit(0);
			}
			waitpid(child, &status, 0);
			if (WIFSIGNALED(status))
				printf("result %d crashes\n", number);
			fflush(stdout);
		}
	}
	return 0;
}
