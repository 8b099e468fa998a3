/* Drives CRIU's amdgpu plugin over one dump folder as CRIU's core drives a plugin on restore
 * (criu/cr-restore.c, criu/plugin.c, criu/files-ext.c): init(CR_PLUGIN_STAGE__RESTORE) and the RESTORE_INIT
 * hook, POST_FORKING, then every amdgpu file (KFD images, render nodes, dma-bufs, by file id) through
 * RESTORE_EXT_FILE in passes while one asks for a retry, then RESUME_DEVICES_LATE per alive task and fini.
 * The target host is the dump's own (its KFD images' device entries written as a sysfs topology folder).
 * The run is a forked child: a signal is recorded as a crash, the time limit or a pass that restores nothing
 * while files wait as "never ends".
 * Usage: oracle DUMP_DIR KERNEL(6.18|no-change-handle|6.18.20|6.18.53|7.2.13) MODE(parallel|serial) OUT.jsonl [reversed | order PID,PID,...]
 * (a dump of several tasks run in the reverse of CRIU's task order, or in the order given: run_tasks_in_order) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "criu-plugin.h"
#include "criu-amdgpu.pb-c.h"
#include "oracle.h"
#include "tasks.h"

extern cr_plugin_desc_t CR_PLUGIN_DESC;
extern int oracle_out_fd;
extern char oracle_sysfs[PATH_MAX];
#define TIME_LIMIT 20

struct amdgpu_file {
	char name[NAME_MAX + 1];
	int id;
	bool done;
	uint32_t pid, fd; /* per-task runs: the task that opens it, at which descriptor */
};

/* CRIU's core restores a task's files by ascending descriptor (criu/files.c collect_task_fd, open_fdinfos), and
 * a dump of one task numbers them in that order, so by ascending file id. The order used (plan uses the same,
 * Criu/RestoreFileOrder): with a pstree.img of one task, ascending file id as it is (a render node numbered below
 * the KFD image is restored first); otherwise, the order not known, the KFD images first (a render node needs
 * the GPU map its KFD image's restore builds), then the render nodes and dma-bufs by ascending file id. */
static bool kfd_first = true;

static int by_order(const void *a, const void *b)
{
	const struct amdgpu_file *x = a, *y = b;
	int kx = !strncmp(x->name, "amdgpu-kfd-", 11), ky = !strncmp(y->name, "amdgpu-kfd-", 11);
	if (kfd_first && kx != ky)
		return ky - kx;
	return (x->id > y->id) - (x->id < y->id);
}

/* A varint of a protobuf message at *p (before end); false past the end. */
static bool varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; *p < end && shift < 64; shift += 7) {
		uint8_t b = *(*p)++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* The pid (field 1) and ppid (field 2) of each pstree_entry of pstree.img, in the file's order (images/pstree.proto);
 * the count, or -1 when there is no pstree.img or it does not read. Every task is taken as alive: the dumps here
 * carry no core-PID.img, whose task_state task_alive reads (criu/include/pstree.h). */
static int pstree_read(const char *dir, int *pid, int *ppid, int max)
{
	char path[PATH_MAX];
	uint32_t magic[2], len;
	int n = 0;
	snprintf(path, sizeof(path), "%s/pstree.img", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	if (fread(magic, sizeof(magic), 1, f) != 1 || magic[0] != 0x54564319 || magic[1] != 0x50273030)
		n = -1;
	uint8_t buf[4096];
	while (n >= 0 && n < max && fread(&len, sizeof(len), 1, f) == 1) {
		if (len > sizeof(buf) || fread(buf, 1, len, f) != len) {
			n = -1;
			break;
		}
		const uint8_t *p = buf, *end = buf + len;
		uint64_t key, v;
		pid[n] = ppid[n] = 0;
		while (p < end && varint(&p, end, &key)) {
			if ((key & 7) == 0 && varint(&p, end, &v)) {
				if (key >> 3 == 1)
					pid[n] = (int)v;
				else if (key >> 3 == 2)
					ppid[n] = (int)v;
			} else if ((key & 7) == 2 && varint(&p, end, &v) && v <= (uint64_t)(end - p)) {
				p += v;
			} else {
				break;
			}
		}
		n++;
	}
	fclose(f);
	return n;
}

/* for_each_pstree_item's order: depth first from the root (ppid 0), each task's children newest first, as
 * read_one_pstree_item puts every child at the head of its parent's list (criu/pstree.c). */
static int pstree_order(int task, const int *pid, const int *ppid, int n, int *out, int k)
{
	out[k++] = pid[task];
	for (int i = n - 1; i >= 0; i--)
		if (ppid[i] == pid[task] && pid[i] != pid[task])
			k = pstree_order(i, pid, ppid, n, out, k);
	return k;
}

static int list_files(const char *dir, struct amdgpu_file *out, int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0, id;
	while (d && (e = readdir(d)) && n < max) {
		if (sscanf(e->d_name, "amdgpu-kfd-%d.img", &id) == 1 || sscanf(e->d_name, "amdgpu-renderD-%d.img", &id) == 1 ||
		    sscanf(e->d_name, "amdgpu-dmabuf_%d.img", &id) == 1) {
			snprintf(out[n].name, sizeof(out[n].name), "%s", e->d_name);
			out[n].id = id;
			out[n++].done = false;
		}
	}
	if (d)
		closedir(d);
	int pid[256], ppid[256];
	kfd_first = pstree_read(dir, pid, ppid, 256) != 1;
	qsort(out, n, sizeof(*out), by_order);
	return n;
}

static CriuKfd *read_kfd(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (!f || fstat(fileno(f), &st) || st.st_size < 8) {
		if (f)
			fclose(f);
		return NULL;
	}
	uint8_t *buf = malloc(st.st_size);
	size_t n = fread(buf, 1, st.st_size, f);
	fclose(f);
	/* The 8-byte size before the message, as open_img_file reads it: bytes after the message are not its. */
	uint64_t size;
	memcpy(&size, buf, sizeof(size));
	CriuKfd *e = n == (size_t)st.st_size && size <= n - 8 ? criu_kfd__unpack(NULL, size, buf + 8) : NULL;
	free(buf);
	return e;
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* The checkpointed host as sysfs: one node per device entry, the fields CRIU's topology_parse reads. */
static void write_topology(const char *dump, struct amdgpu_file *files, int n, const char *sysfs)
{
	char node[PATH_MAX], sub[PATH_MAX + 64], text[4096];
	mkdir(sysfs, 0755);
	for (int i = 0; i < n; i++) {
		if (strncmp(files[i].name, "amdgpu-kfd-", 11))
			continue;
		CriuKfd *e = read_kfd(dump, files[i].name);
		for (size_t k = 0; e && k < e->n_device_entries; k++) {
			KfdDeviceEntry *d = e->device_entries[k];
			snprintf(node, sizeof(node), "%s/%u", sysfs, d->node_id);
			if (mkdir(node, 0755))
				continue; /* a node another KFD image already wrote */
			snprintf(text, sizeof(text), "%u\n", d->gpu_id);
			put(node, "gpu_id", text);
			if (d->gpu_id && oracle_n_gpus < 64)
				oracle_gpus[oracle_n_gpus++] = (struct oracle_gpu){ d->gpu_id, d->device_id, d->simd_count, d->simd_per_cu,
					d->array_count, d->simd_arrays_per_engine, d->num_sdma_engines, d->num_sdma_xgmi_engines,
					d->num_sdma_queues_per_engine, d->lds_size_in_kb };
			snprintf(text, sizeof(text),
				 "cpu_cores_count %u\nsimd_count %u\nmem_banks_count %u\ncaches_count %u\nio_links_count %u\n"
				 "max_waves_per_simd %u\nlds_size_in_kb %u\ngds_size_in_kb %u\nnum_gws %u\nwave_front_size %u\n"
				 "array_count %u\nsimd_arrays_per_engine %u\ncu_per_simd_array %u\nsimd_per_cu %u\n"
				 "max_slots_scratch_cu %u\nvendor_id %u\ndevice_id %u\ndomain %u\ndrm_render_minor %u\nhive_id %llu\n"
				 "num_sdma_engines %u\nnum_sdma_xgmi_engines %u\nnum_sdma_queues_per_engine %u\nnum_cp_queues %u\n"
				 "fw_version %u\ncapability %u\nsdma_fw_version %u\n",
				 d->cpu_cores_count, d->simd_count, d->mem_banks_count, d->caches_count, d->io_links_count,
				 d->max_waves_per_simd, d->lds_size_in_kb, d->gds_size_in_kb, d->num_gws, d->wave_front_size,
				 d->array_count, d->simd_arrays_per_engine, d->cu_per_simd_array, d->simd_per_cu,
				 d->max_slots_scratch_cu, d->vendor_id, d->device_id, d->domain, d->drm_render_minor,
				 (unsigned long long)d->hive_id, d->num_sdma_engines, d->num_sdma_xgmi_engines,
				 d->num_sdma_queues_per_engine, d->num_cp_queues, d->fw_version, d->capability, d->sdma_fw_version);
			put(node, "properties", text);
			snprintf(sub, sizeof(sub), "%s/mem_banks", node);
			mkdir(sub, 0755);
			snprintf(sub, sizeof(sub), "%s/mem_banks/0", node);
			mkdir(sub, 0755);
			snprintf(text, sizeof(text), "heap_type %u\nsize_in_bytes %llu\n", d->gpu_id ? (d->vram_public ? 1 : 2) : 0,
				 (unsigned long long)d->vram_size);
			put(sub, "properties", text);
			snprintf(sub, sizeof(sub), "%s/io_links", node);
			mkdir(sub, 0755);
			for (size_t l = 0; l < d->n_iolinks; l++) {
				snprintf(sub, sizeof(sub), "%s/io_links/%zu", node, l);
				mkdir(sub, 0755);
				snprintf(text, sizeof(text), "type %u\nnode_to %u\n", d->iolinks[l]->type, d->iolinks[l]->node_to_id);
				put(sub, "properties", text);
			}
		}
		if (e)
			criu_kfd__free_unpacked(e, NULL);
	}
}

static long kfd_handles[16][4096];
static int kfd_images;

long oracle_kfd_handle(int image, unsigned index)
{
	return image < kfd_images && index < 4096 ? kfd_handles[image][index] : -1;
}

/* The KFD images' saved BO handles, in the order the files are restored (criu-dev's kfd_bo_entry.handle). */
static void read_kfd_handles(const char *dump, struct amdgpu_file *files, int n)
{
	for (int i = 0; i < n && kfd_images < 16; i++) {
		if (strncmp(files[i].name, "amdgpu-kfd-", 11))
			continue;
		CriuKfd *e = read_kfd(dump, files[i].name);
		for (unsigned k = 0; k < 4096; k++) {
#ifdef ORACLE_KFD_HANDLE
			kfd_handles[kfd_images][k] = e && k < e->n_bo_entries ? (long)(int)e->bo_entries[k]->handle : -1;
#else
			kfd_handles[kfd_images][k] = -1;
#endif
		}
		kfd_images++;
		if (e)
			criu_kfd__free_unpacked(e, NULL);
	}
}

static int restore_pid(const char *dump, struct amdgpu_file *files, int n)
{
	for (int i = 0; i < n; i++)
		if (!strncmp(files[i].name, "amdgpu-kfd-", 11)) {
			CriuKfd *e = read_kfd(dump, files[i].name);
			int pid = e ? (int)e->pid : 1;
			if (e)
				criu_kfd__free_unpacked(e, NULL);
			return pid;
		}
	return 1;
}

static const char *ret_text(int ret, char *buf)
{
	if (ret >= 0)
		return "\"fd\"";
	sprintf(buf, "%d", ret);
	return buf;
}

/* Per-task runs: a dump whose fdinfo images say which task opens which file (tasks.c). */
static bool per_task;
static struct oracle_tasks tasks;
/* The tasks' other interleaving: each task looks at its files before the tasks ahead of it in CRIU's order. */
static bool reversed;
/* A run in the order of tasks an "order" argument gives (run_order). */
static bool ordered;
/* Runs in another order: the fd a task's process writes 'S' to when it sleeps in wait_fds_event, -1 otherwise. */
static int sleep_note = -1;
/* Runs in another order: the root task, which runs in the driver's own process, returns 2 where it would sleep. */
static bool sleep_returns;

/* Runs in another order: the fd a task's process reads the driver's answers from (turn), -1 otherwise. */
static int turn_note = -1;
/* Runs in another order: this process's task's FDS_EVENT, set by a send during its pass (the root's, in this
 * process, by driver_send), and its last pass (a woken task goes on from it). */
static bool fds_event;
static int task_pass;
/* Runs in another order: a descriptor was sent to this process's task since its last pass began (before its first
 * pass too: the descriptor waits on the transport socket). Its next pass receives it, which open_fdinfos counts as
 * progress (recv_fd_from_peer returns 0, criu/files.c:1003-1015; open_fd marks the fle restored, :1142-1147,
 * :1169-1170; progress, :1224-1225), so another pass follows before the task can sleep. */
static bool received;
/* Runs in another order: nonzero once the restore has ended (the outcome recorded). */
static int run_ended;
static void driver_send(uint32_t pid);

/* A descriptor sent to task pid (send_fd_to_peer, criu/files.c:1031-1043 at 2cf8f13: set_fds_event, :199-212) in a
 * run in another order: the driver wakes the task if it sleeps, and it looks at its files at once (driver_send). A
 * task's process asks the driver ('W' and the pid) and waits for its answer: 'c' go on, 'e' go on with FDS_EVENT
 * set (a send reached this task meanwhile), 'x' the restore ended meanwhile. 1 when the restore ended. */
static int send_to(uint32_t pid)
{
	char answer = 'c';
	if (sleep_note >= 0) {
		char msg[1 + sizeof(pid)] = { 'W' };
		memcpy(msg + 1, &pid, sizeof(pid));
		if (write(sleep_note, msg, sizeof(msg)) != sizeof(msg) || read(turn_note, &answer, 1) != 1)
			_exit(1);
		fds_event = fds_event || answer == 'e';
		received = received || answer == 'e';
	} else if (sleep_returns) {
		driver_send(pid);
		return run_ended;
	}
	return answer == 'x';
}

/* serve_out_fd (criu/files.c:1090-1112): the opener of file id sends it to every other task holding it. */
static int serve_out(uint32_t id)
{
	uint32_t to[MAX_HOLDERS];
	int n = oracle_receivers(&tasks, id, to, MAX_HOLDERS);
	for (int i = 0; i < n; i++)
		if (send_to(to[i]))
			return 1;
	return 0;
}

/* RESTORE_EXT_FILE for each file in passes while one asks for a retry; 1 when the restore ends here (the outcome
 * recorded), 0 when every file is restored. In a run in another order, a task's sends (serve_out_fd) are made as
 * CRIU makes them: an amdgpu file once the plugin restored it; a file CRIU opens at once (tasks.c) in the first
 * pass at its descriptor. A woken task goes on from its last pass. */
static int restore_files(const char *dump, struct amdgpu_file *files, int n)
{
	char b[32];
	int ret, left = 0;
	void *restore = CR_PLUGIN_DESC.hooks[CR_PLUGIN_HOOK__RESTORE_EXT_FILE];
	bool sends = per_task && (sleep_note >= 0 || sleep_returns);
	const struct holder *at_once[MAX_HOLDERS];
	int n_at_once = sends && n > 0 ? oracle_at_once(&tasks, files[0].pid, at_once, MAX_HOLDERS) : 0;
	for (int i = 0; i < n; i++)
		left += !files[i].done;
	for (int pass = task_pass + 1; left > 0; pass++) {
		int progress = 0, sent = 0;
		task_pass = pass;
		fds_event = false; /* open_fdinfos: clear_fds_event at each pass (criu/files.c:1214) */
		/* What this pass receives, or opens itself at once (its first pass's sends), is progress (:1224-1225). */
		bool other_progress = received || (pass == 1 && n_at_once > 0);
		received = false;
		for (int i = 0; i < n; i++) {
			for (; pass == 1 && sent < n_at_once && at_once[sent]->fd < files[i].fd; sent++)
				if (serve_out(at_once[sent]->id))
					return 1;
			if (files[i].done)
				continue;
			bool retry = false;
			if (!per_task && !strncmp(files[i].name, "amdgpu-kfd-", 11)) {
				/* One process: the KFD image's saved pid stands for the task it is restored in. */
				CriuKfd *e = read_kfd(dump, files[i].name);
				oracle_current_pid = e ? (int)e->pid : 0;
				if (e)
					criu_kfd__free_unpacked(e, NULL);
			}
			rec_line("{\"enter\":\"RESTORE_EXT_FILE\",\"file\":\"%s\",\"pass\":%d}", files[i].name, pass);
#ifdef ORACLE_RETRY
			ret = ((CR_PLUGIN_HOOK__RESTORE_EXT_FILE_t *)restore)(files[i].id, &retry);
#else
			ret = ((CR_PLUGIN_HOOK__RESTORE_EXT_FILE_t *)restore)(files[i].id);
#endif
			rec_line("{\"hook\":\"RESTORE_EXT_FILE\",\"file\":\"%s\",\"pass\":%d,\"ret\":%s,\"retry\":%s}", files[i].name, pass,
				 ret_text(ret, b), retry ? "true" : "false");
			if (ret < 0) {
				/* files-ext.c open_fd: "Unable to restore", the restore fails. */
				rec_line("{\"outcome\":\"failed\",\"stage\":\"RESTORE_EXT_FILE\",\"file\":\"%s\",\"ret\":%d}", files[i].name, ret);
				return 1;
			}
			if (!retry) {
				files[i].done = true;
				progress++;
				left--;
				if (sends && serve_out(files[i].id))
					return 1;
			}
		}
		for (; pass == 1 && sent < n_at_once; sent++)
			if (serve_out(at_once[sent]->id))
				return 1;
		if (left > 0 && !progress && other_progress && (sleep_note >= 0 || sleep_returns))
			continue; /* a descriptor received or opened in the pass: open_fdinfos passes again */
		if (left > 0 && !progress && fds_event && (sleep_note >= 0 || sleep_returns))
			continue; /* a send came during the pass: wait_fds_event returns at once (criu/files.c:219-227) */
		if (left > 0 && !progress && (sleep_note >= 0 || sleep_returns)) {
			/* open_fdinfos (criu/files.c:1238-1243): the task sleeps in wait_fds_event until a descriptor another task
			 * sends it sets FDS_EVENT (no plugin file does: store_dmabuf_fd wakes no task); the driver's time limit
			 * says the restore never ends if none comes. */
			for (int i = 0; i < n; i++)
				if (!files[i].done) {
					rec_line("{\"sleeps\":{\"task\":%d,\"pass\":%d,\"waiting\":%d,\"file\":\"%s\"}}", oracle_current_pid, pass, left,
						 files[i].name);
					break;
				}
			if (sleep_returns)
				return 2;
			char woken = 0;
			if (write(sleep_note, "S", 1) != 1)
				_exit(1);
			if (read(turn_note, &woken, 1) != 1 || woken != 'w')
				_exit(0);
			received = true; /* woken by a send: its next pass receives the descriptor */
			continue;
		}
		if (left > 0 && !progress) {
			rec_line("{\"outcome\":\"never-ends\",\"pass\":%d,\"waiting\":%d}", pass, left);
			return 1;
		}
	}
	return 0;
}

/* The files task PID opens, in its order, moved to the front of files[] from at; their count. */
static int task_files(struct amdgpu_file *files, int n, int at, uint32_t pid)
{
	int k = at;
	for (int i = at; i < n; i++)
		if (files[i].pid == pid) {
			struct amdgpu_file f = files[i];
			memmove(&files[k + 1], &files[k], (i - k) * sizeof(f));
			files[k++] = f;
		}
	for (int i = at + 1; i < k; i++) /* ascending descriptor: insertion sort, stable */
		for (int j = i; j > at && files[j - 1].fd > files[j].fd; j--) {
			struct amdgpu_file f = files[j];
			files[j] = files[j - 1];
			files[j - 1] = f;
		}
	return k - at;
}

/* Orders files[] as the tasks open them (tasks in for_each_pstree_item's order, each by ascending descriptor);
 * a file no task holds is dropped, CRIU never restores it. Returns the new count. */
static int order_by_task(struct amdgpu_file *files, int n)
{
	int kept = 0;
	for (int i = 0; i < n; i++) {
		const struct holder *h = oracle_opener(&tasks, files[i].id);
		if (h) {
			files[i].pid = h->pid;
			files[i].fd = h->fd;
			files[kept++] = files[i];
		}
	}
	for (int k = 0, at = 0; k < tasks.norder; k++)
		at += task_files(files, kept, at, tasks.task[tasks.order[k]].pid);
	return kept;
}

/* A task whose thread cores CRIU refuses fails once its files are restored (restore_one_alive_task: prepare_fds,
 * then open_cores, criu/cr-restore.c:643, :658 at 2cf8f13 and v4.2; tasks.c says which): the outcome, and the
 * resume hook is never reached. */
static int threads_fail(uint32_t pid)
{
	for (int i = 0; i < tasks.n; i++)
		if (tasks.task[i].pid == pid && tasks.task[i].bad_thread) {
			rec_line("{\"outcome\":\"failed\",\"stage\":\"open_cores\",\"task\":%u,\"thread\":%u}", pid, tasks.task[i].bad_thread);
			return 1;
		}
	return 0;
}

/* A task's process died by SIG: CRIU's sigchld_handler sees it ("killed by signal", criu/cr-restore.c:1260-1263) and
 * aborts the restore (:1298-1299). SIGKILL is the fake kernel's oops (ORACLE_OOPS: the kernel killed the task in a
 * call, the restore fails); any other signal is a crash of the plugin's code in the task. */
static void rec_died(int sig)
{
	if (sig == SIGKILL)
		rec_line("{\"outcome\":\"failed\",\"stage\":\"killed-in-kernel\",\"signal\":\"SIGKILL\"}");
	else
		rec_line("{\"outcome\":\"crashed\",\"signal\":\"%s\"}", sigabbrev_np(sig));
}

/* CRIU's core forks every task before any opens a file (criu/cr-restore.c:1657, :1690), so each task's process
 * starts with the plugin's globals as they were after POST_FORKING: the other tasks are forked here first, each
 * waiting for its turn. The root task runs in this process, which also plays CRIU's own (the parallel contents
 * thread and the resume hook run here), so the fake kernel's objects the root task makes are the ones they see;
 * the other tasks' objects live in their own processes (the fake kernel is not shared: an import of another
 * task's render-node BO is not modelled). The tasks run one after another, each to its end, in CRIU's task order:
 * one of the orders the concurrent restore can take. A task whose pass restores nothing while files wait sleeps
 * in wait_fds_event (criu/files.c:1238-1243): never-ends. Then the resume hook once per alive task, in that order
 * (cr-restore.c:2253-2266), each KFD process found by the task it was restored in. */
static int run_tasks(const char *dump, struct amdgpu_file *files, int n)
{
	int turn[MAX_TASKS][2], start[MAX_TASKS], count[MAX_TASKS];
	pid_t proc[MAX_TASKS] = { 0 };
	for (int k = 0, at = 0; k < tasks.norder; k++) {
		uint32_t pid = tasks.task[tasks.order[k]].pid;
		start[k] = at;
		for (count[k] = 0; at < n && files[at].pid == pid; at++)
			count[k]++;
		if (k == 0 || !count[k])
			continue;
		if (pipe(turn[k]))
			return 1;
		if ((proc[k] = fork()) == 0) {
			char go = 0;
			if (read(turn[k][0], &go, 1) != 1 || !go)
				_exit(0);
			oracle_current_pid = (int)pid;
			_exit(restore_files(dump, files + start[k], count[k]) || threads_fail(pid));
		}
	}
	int ended = 0;
	for (int k = 0; k < tasks.norder; k++) {
		char go = !ended;
		if (k == 0) {
			oracle_current_pid = (int)tasks.task[tasks.order[0]].pid;
			ended = restore_files(dump, files + start[0], count[0]) || threads_fail(tasks.task[tasks.order[0]].pid);
			continue;
		}
		if (!proc[k]) {
			ended = ended || threads_fail(tasks.task[tasks.order[k]].pid);
			continue;
		}
		int status = 0;
		if (write(turn[k][1], &go, 1) != 1 || waitpid(proc[k], &status, 0) < 0)
			return 1;
		if (!ended && WIFSIGNALED(status)) {
			rec_died(WTERMSIG(status));
			ended = 1;
		} else if (!ended && WEXITSTATUS(status))
			ended = 1;
	}
	return ended;
}

/* True for a task whose core says it is dead (a zombie): the resume hook skips it (task_alive, cr-restore.c:2254). */
static int task_dead(int pid)
{
	for (int i = 0; i < tasks.n; i++)
		if ((int)tasks.task[i].pid == pid)
			return tasks.task[i].state == 2;
	return 0;
}

/* How long a run in another order waits for a task asleep in wait_fds_event before it says the restore never ends. */
#define SLEEP_LIMIT 2

/* Another order of the tasks' restores: run_order lists positions in tasks.order, the order the tasks run in. */
static int run_order[MAX_TASKS], run_order_n;

/* Runs in another order: where each task is (the tasks by their place in tasks.order), its process and pipes. */
enum { NOT_STARTED, LOOKING, ASLEEP, DONE };
static int run_state[MAX_TASKS], run_start[MAX_TASKS], run_count[MAX_TASKS], run_turn[MAX_TASKS], run_note[MAX_TASKS];
static bool run_event[MAX_TASKS];
/* A descriptor sent to a task not started yet: its first pass receives it. */
static bool run_pending[MAX_TASKS];
static pid_t run_proc[MAX_TASKS];
static const char *run_dump;
static struct amdgpu_file *run_files;

/* Task k looks at its files: the root in this process, another in its own, served until it sleeps or exits. */
static void look(int k, char go)
{
	uint32_t pid = tasks.task[tasks.order[k]].pid;
	if (run_pending[k] && go == 1)
		go = 'r';
	run_pending[k] = false;
	run_state[k] = LOOKING;
	if (k == 0) {
		received = go == 'w' || go == 'r';
		int current = oracle_current_pid;
		bool returns = sleep_returns;
		oracle_current_pid = (int)pid;
		sleep_returns = true;
		int ret = restore_files(run_dump, run_files + run_start[0], run_count[0]);
		sleep_returns = returns;
		oracle_current_pid = current;
		run_state[0] = ret == 2 ? ASLEEP : DONE;
		run_ended = run_ended || ret == 1 || (ret == 0 && threads_fail(pid));
		return;
	}
	if (write(run_turn[k], &go, 1) != 1)
		_exit(1);
	for (;;) {
		char c;
		uint32_t to;
		if (read(run_note[k], &c, 1) != 1) {
			int status = 0;
			waitpid(run_proc[k], &status, 0);
			run_proc[k] = 0;
			run_state[k] = DONE;
			if (!run_ended && WIFSIGNALED(status))
				rec_died(WTERMSIG(status));
			run_ended = run_ended || WIFSIGNALED(status) || WEXITSTATUS(status);
			return;
		}
		if (c == 'S') {
			run_state[k] = ASLEEP;
			return;
		}
		if (read(run_note[k], &to, sizeof(to)) != sizeof(to))
			_exit(1);
		driver_send(to);
		char answer = run_ended ? 'x' : run_event[k] ? 'e' : 'c';
		run_event[k] = false;
		if (write(run_turn[k], &answer, 1) != 1)
			_exit(1);
	}
}

/* A descriptor sent to task pid (set_fds_event, criu/files.c:199-212): asleep in wait_fds_event, it wakes and looks
 * at once (the earliest it can: an export stored later in the sender's pass is not seen, as timing can make it);
 * looking, its FDS_EVENT is set and it passes again instead of sleeping (:1241-1242); not started, its first pass
 * clears the event (:1214) but receives the descriptor; each counts the receive as progress (`received`); done,
 * nothing waits. */
static void driver_send(uint32_t pid)
{
	int k = 0;
	while (k < tasks.norder && tasks.task[tasks.order[k]].pid != pid)
		k++;
	if (k == tasks.norder || !run_count[k] || run_ended)
		return;
	if (run_state[k] == NOT_STARTED)
		run_pending[k] = true;
	else if (run_state[k] == LOOKING) {
		if (k == 0)
			fds_event = received = true;
		else
			run_event[k] = true;
	} else if (run_state[k] == ASLEEP) {
		rec_line("{\"wakes\":{\"task\":%u}}", pid);
		look(k, 'w');
	}
}

/* One of the orders CRIU's concurrent restore can take: CRIU's core runs the tasks' open_fdinfos at the same time
 * (criu/files.c:1203-1244), so any task may look at its files before or after another restores its own. Here the
 * tasks run one at a time in run_order's order, each until its files are restored, it fails, or a pass restores
 * nothing while a file waits: then it sleeps in wait_fds_event (restore_files) until a descriptor another task
 * sends it wakes it (driver_send; nothing the plugin does sends one), and the next task runs. Every task's process
 * is forked before any opens a file, as CRIU's core does (criu/cr-restore.c:1657, :1690); the root task runs in
 * this process when its turn comes. A task still asleep SLEEP_LIMIT seconds after the others are done is killed
 * and the restore never ends (CRIU's root waits for every task, so the resume hook is not reached); the first
 * asleep in for_each_pstree_item's order is named. */
static int run_tasks_in_order(const char *dump, struct amdgpu_file *files, int n)
{
	int turn[MAX_TASKS][2], note[MAX_TASKS][2];
	run_dump = dump;
	run_files = files;
	for (int k = 0, at = 0; k < tasks.norder; k++) {
		run_start[k] = at;
		for (run_count[k] = 0; at < n && files[at].pid == tasks.task[tasks.order[k]].pid; at++)
			run_count[k]++;
		if (k == 0 || !run_count[k])
			continue;
		if (pipe(turn[k]) || pipe(note[k]))
			return 1;
		if ((run_proc[k] = fork()) == 0) {
			char go = 0;
			for (int j = 1; j < k; j++)
				if (run_proc[j]) {
					close(turn[j][1]);
					close(note[j][0]);
				}
			close(turn[k][1]);
			close(note[k][0]);
			if (read(turn[k][0], &go, 1) != 1 || !go)
				_exit(0);
			received = go == 'r'; /* a send came before its first pass */
			sleep_note = note[k][1];
			turn_note = turn[k][0];
			oracle_current_pid = (int)tasks.task[tasks.order[k]].pid;
			_exit(restore_files(dump, files + run_start[k], run_count[k]) || threads_fail(tasks.task[tasks.order[k]].pid));
		}
		close(turn[k][0]);
		close(note[k][1]);
		run_turn[k] = turn[k][1];
		run_note[k] = note[k][0];
	}
	for (int i = 0; i < run_order_n && !run_ended; i++) {
		int k = run_order[i];
		if (!run_count[k])
			run_ended = threads_fail(tasks.task[tasks.order[k]].pid);
		else
			look(k, 1);
	}
	for (int k = 0; k < tasks.norder; k++) {
		if (k > 0 && run_proc[k] && run_state[k] == NOT_STARTED) {
			char go = 0; /* the restore ended before its turn: the task stops */
			if (write(run_turn[k], &go, 1) != 1 || waitpid(run_proc[k], NULL, 0) < 0)
				return 1;
			continue;
		}
		if (run_state[k] != ASLEEP)
			continue;
		int status = 0;
		pid_t done = 0;
		for (int ms = 0; k > 0 && ms < SLEEP_LIMIT * 1000 && !(done = waitpid(run_proc[k], &status, WNOHANG)); ms += 10)
			usleep(10000);
		if (done)
			continue;
		if (k > 0) {
			kill(run_proc[k], SIGKILL);
			waitpid(run_proc[k], &status, 0);
		}
		if (!run_ended)
			rec_line("{\"outcome\":\"never-ends\",\"task\":%u,\"time_limit\":%d}", tasks.task[tasks.order[k]].pid, SLEEP_LIMIT);
		run_ended = 1;
	}
	return run_ended;
}

/* The tasks' other interleaving: the reverse of for_each_pstree_item's order (run_tasks_in_order). */
static int run_tasks_reversed(const char *dump, struct amdgpu_file *files, int n)
{
	run_order_n = tasks.norder;
	for (int k = 0; k < tasks.norder; k++)
		run_order[k] = tasks.norder - 1 - k;
	return run_tasks_in_order(dump, files, n);
}

static int run(const char *dump, struct amdgpu_file *files, int n)
{
	int ret = CR_PLUGIN_DESC.init(CR_PLUGIN_STAGE__RESTORE);
	rec_line("{\"hook\":\"init\",\"ret\":%d}", ret);
	if (ret) {
		rec_line("{\"outcome\":\"failed\",\"stage\":\"init\",\"ret\":%d}", ret);
		return 0;
	}
#ifdef ORACLE_RESTORE_INIT
	if (CR_PLUGIN_DESC.hooks[CR_PLUGIN_HOOK__RESTORE_INIT]) {
		rec_line("{\"enter\":\"RESTORE_INIT\"}");
		ret = ((CR_PLUGIN_HOOK__RESTORE_INIT_t *)CR_PLUGIN_DESC.hooks[CR_PLUGIN_HOOK__RESTORE_INIT])();
		rec_line("{\"hook\":\"RESTORE_INIT\",\"ret\":%d}", ret);
		if (ret) {
			rec_line("{\"outcome\":\"failed\",\"stage\":\"RESTORE_INIT\",\"ret\":%d}", ret);
			return 0;
		}
	}
#endif
	if (CR_PLUGIN_DESC.hooks[CR_PLUGIN_HOOK__POST_FORKING]) {
		rec_line("{\"enter\":\"POST_FORKING\"}");
		ret = ((CR_PLUGIN_HOOK__POST_FORKING_t *)CR_PLUGIN_DESC.hooks[CR_PLUGIN_HOOK__POST_FORKING])();
		rec_line("{\"hook\":\"POST_FORKING\",\"ret\":%d}", ret);
		if (ret && ret != -ENOTSUP) {
			rec_line("{\"outcome\":\"failed\",\"stage\":\"POST_FORKING\",\"ret\":%d}", ret);
			return 0;
		}
	}
	if (per_task ? (reversed ? run_tasks_reversed(dump, files, n) : ordered ? run_tasks_in_order(dump, files, n) : run_tasks(dump, files, n)) : restore_files(dump, files, n))
		return 0;
	/* cr-restore.c:2253-2266: RESUME_DEVICES_LATE once per alive task of the tree, in for_each_pstree_item's order,
	 * with its pid; without pstree.img, once for the KFD image's process. A failure is only logged (pr_debug) and
	 * the tasks are resumed anyway: the first is the outcome. */
	int pid[256], ppid[256], order[256], tasks = pstree_read(dump, pid, ppid, 256), ntasks = 0, late = 0;
	for (int i = 0; i < tasks && !ntasks; i++)
		if (ppid[i] == 0)
			ntasks = pstree_order(i, pid, ppid, tasks, order, 0);
	for (int t = 0; t < (ntasks ? ntasks : 1); t++) {
		int task = ntasks ? order[t] : restore_pid(dump, files, n);
		if (ntasks && task_dead(task))
			continue;
		if (ntasks)
			rec_line("{\"enter\":\"RESUME_DEVICES_LATE\",\"task\":%d}", task);
		else
			rec_line("{\"enter\":\"RESUME_DEVICES_LATE\"}");
		ret = ((CR_PLUGIN_HOOK__RESUME_DEVICES_LATE_t *)CR_PLUGIN_DESC.hooks[CR_PLUGIN_HOOK__RESUME_DEVICES_LATE])(task);
		rec_line("{\"hook\":\"RESUME_DEVICES_LATE\",\"ret\":%d}", ret);
		if (ret && ret != -ENOTSUP && !late)
			late = ret;
	}
	CR_PLUGIN_DESC.exit(CR_PLUGIN_STAGE__RESTORE, 0);
	if (late)
		rec_line("{\"outcome\":\"resumed-after-late-failure\",\"stage\":\"RESUME_DEVICES_LATE\",\"ret\":%d}", late);
	else
		rec_line("{\"outcome\":\"restored\"}");
	return 0;
}

/* run_order from a list of pids (each a task of the dump, once), and the run line's "order": the tasks that open
 * files, in that order (where a task that opens none runs changes nothing). Nonzero when the list is not one. */
static int order_of(const char *list, const struct amdgpu_file *files, int n, char *out, size_t size)
{
	int len = snprintf(out, size, ",\"order\":[");
	for (const char *p = list; *p && run_order_n < tasks.norder; p += *p == ',') {
		char *end;
		unsigned long pid = strtoul(p, &end, 10);
		int k = 0;
		while (k < tasks.norder && tasks.task[tasks.order[k]].pid != pid)
			k++;
		if (end == p || k == tasks.norder)
			return 1;
		for (int i = 0; i < run_order_n; i++)
			if (run_order[i] == k)
				return 1;
		run_order[run_order_n++] = k;
		for (int i = 0; i < n; i++)
			if (files[i].pid == pid) {
				len += snprintf(out + len, size - len, "%s%lu", out[len - 1] == '[' ? "" : ",", pid);
				break;
			}
		p = end;
	}
	if (run_order_n != tasks.norder)
		return 1;
	snprintf(out + len, size - len, "]");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 5 && !(argc == 6 && !strcmp(argv[5], "reversed")) && !(argc == 7 && !strcmp(argv[5], "order"))) {
		fprintf(stderr, "usage: oracle DUMP_DIR KERNEL(6.18|no-change-handle|6.18.20|6.18.53|7.2.13) MODE(parallel|serial) OUT.jsonl [reversed | order PID,PID,...]\n");
		return 2;
	}
	reversed = argc == 6;
	ordered = argc == 7;
	char dump[PATH_MAX], tmp[] = "/tmp/oracle-sysfs-XXXXXX";
	if (!realpath(argv[1], dump) || !mkdtemp(tmp))
		return 2;
	if (oracle_select_kernel(argv[2]))
		return 2;
	oracle_serial = !strcmp(argv[3], "serial");
	oracle_out_fd = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	struct amdgpu_file files[256];
	int n = list_files(dump, files, 256);
	per_task = oracle_read_tasks(dump, &tasks) == 0;
	if (per_task)
		n = order_by_task(files, n);
	snprintf(oracle_sysfs, sizeof(oracle_sysfs), "%s/nodes", tmp);
	write_topology(dump, files, n, oracle_sysfs);
	read_kfd_handles(dump, files, n);
	if (per_task) {
		char pids[MAX_TASKS * 12] = "";
		for (int k = 0, len = 0; k < tasks.norder; k++)
			len += snprintf(pids + len, sizeof(pids) - len, "%s%u", k ? "," : "", tasks.task[tasks.order[k]].pid);
		char order[MAX_TASKS * 12 + 16] = "";
		if (reversed)
			strcpy(order, ",\"order\":\"reversed\"");
		else if (ordered && order_of(argv[6], files, n, order, sizeof(order)))
			return 2;
		rec_line("{\"run\":{\"kernel\":\"%s\",\"mode\":\"%s\",\"tasks\":[%s]%s}}", argv[2], argv[3], pids, order);
	} else {
		rec_line("{\"run\":{\"kernel\":\"%s\",\"mode\":\"%s\"}}", argv[2], argv[3]);
	}

	pid_t child = fork();
	if (child == 0) {
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0); /* the restored task's standard input: not a dma-buf */
		if (chdir(dump))
			_exit(3);
		alarm(TIME_LIMIT);
		if (per_task)
			oracle_fdstore_shared();
		run(dump, files, n);
		_exit(0);
	}
	int status;
	waitpid(child, &status, 0);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		rec_line("{\"outcome\":\"never-ends\",\"time_limit\":%d}", TIME_LIMIT);
	else if (WIFSIGNALED(status))
		rec_died(WTERMSIG(status));
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	return system(cmd) ? 1 : 0;
}
