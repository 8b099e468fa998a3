/* Which task opens which amdgpu file, read from CRIU's own images of the dump, as CRIU's restore decides it
 * (criu/files.c, criu/pstree.c at 2cf8f13): pstree.img gives the tasks, each ids-PID.img its files table
 * (task_kobj_ids_entry.files_id, read_pstree_ids; a zombie has none), each core-PID.img its state, each
 * fdinfo-FILES_ID.img the descriptors of a table (a missing one is an empty table). A child whose
 * files_id is its parent's shares the parent's table and opens nothing itself (shared_fdt_prepare); a file several
 * tables hold is opened by the holder of lowest pid (__collect_desc_fle, pid_rst_prio_eq), the first it collected
 * when one task holds it twice; a task opens its files by ascending descriptor (collect_task_fd, open_fdinfos).
 * The opener sends a file it has opened to each other task holding it (serve_out_fd, send_fd_to_peer), which
 * wakes that task if it sleeps in wait_fds_event: kept are the plugin's files (EXT) and the files CRIU opens at once
 * (REG, EVENTFD: open_fe_fd, criu/files-reg.c:2553-2562, eventfd_open, criu/eventfd.c:69-93 return 0 or -1).
 * Tasks are visited as for_each_pstree_item does: depth first, each task's children newest first. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include "oracle.h"
#include "tasks.h"

/* The entries of one CRIU image (criu/image.c: common magic, image magic, then 32-bit length + protobuf each). */
static uint8_t *read_image(const char *dir, const char *name, uint32_t magic, size_t *len)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, got;
	do {
		if (n == cap)
			buf = realloc(buf, cap = cap ? cap * 2 : 4096);
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	uint32_t m[2];
	if (n < 8 || (memcpy(m, buf, 8), m[0] != 0x54564319 || m[1] != magic)) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static uint64_t varint(const uint8_t **p, const uint8_t *end)
{
	uint64_t v = 0;
	for (int shift = 0; *p < end && shift < 64; shift += 7) {
		uint8_t b = *(*p)++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
	}
	return v;
}

/* Calls fn(field, value or length, start of bytes) for each field of one message; stops on damage. */
static void fields(const uint8_t *p, const uint8_t *end, void (*fn)(void *, unsigned, uint64_t, const uint8_t *), void *ctx)
{
	while (p < end) {
		uint64_t key = varint(&p, end);
		unsigned field = key >> 3, wire = key & 7;
		if (wire == 0) {
			fn(ctx, field, varint(&p, end), NULL);
		} else if (wire == 2) {
			uint64_t n = varint(&p, end);
			if (n > (uint64_t)(end - p))
				return;
			fn(ctx, field, n, p);
			p += n;
		} else if (wire == 1 || wire == 5) {
			p += wire == 1 ? 8 : 4;
		} else {
			return;
		}
	}
}

static void each_entry(uint8_t *buf, size_t len, void (*fn)(void *, unsigned, uint64_t, const uint8_t *), void *ctx, void (*done)(void *))
{
	for (size_t at = 8; at + 4 <= len;) {
		uint32_t n;
		memcpy(&n, buf + at, 4);
		if (n > len - at - 4)
			return;
		fields(buf + at + 4, buf + at + 4 + n, fn, ctx);
		done(ctx);
		at += 4 + n;
	}
}

static struct task *cur_task;
static struct oracle_tasks *cur;
static void pstree_field(void *ctx, unsigned field, uint64_t v, const uint8_t *b)
{
	(void)ctx, (void)b;
	if (field == 1)
		cur_task->pid = v;
	else if (field == 2)
		cur_task->ppid = v;
	else if (field == 5 && cur_task->nthreads < MAX_THREADS)
		cur_task->threads[cur_task->nthreads++] = v;
}
static void pstree_done(void *ctx)
{
	(void)ctx;
	if (cur->n < MAX_TASKS - 1)
		cur_task = &cur->task[++cur->n];
}

static void ids_field(void *ctx, unsigned field, uint64_t v, const uint8_t *b)
{
	(void)b;
	if (field == 2)
		((struct task *)ctx)->files_id = v;
}
static void tc_field(void *ctx, unsigned field, uint64_t v, const uint8_t *b)
{
	(void)b;
	if (field == 1)
		((struct task *)ctx)->state = v;
}
static void core_field(void *ctx, unsigned field, uint64_t n, const uint8_t *b)
{
	if (field < 32)
		((struct task *)ctx)->core_fields |= 1u << field;
	if (field == 3 && b)
		fields(b, b + n, tc_field, ctx);
}

/* The thread of a live task whose core CRIU's restore refuses once the task's files are restored (criu/cr-restore.c
 * at 2cf8f13): open_cores reads each thread's core-TID.img (:534) and every thread_core, the leader's too (:549-553);
 * sigreturn_restore refuses a thread's core with tc or ids (:3397-3405) and reads its x86-64 thread_info (:3408). */
static uint32_t bad_thread(const char *dir, const struct task *task)
{
	if (!(task->core_fields & 1u << 5))
		return task->pid;
	for (uint32_t i = 1; i < task->nthreads; i++) {
		char name[64];
		size_t len;
		struct task thread = { 0 };
		uint8_t *buf;
		snprintf(name, sizeof(name), "core-%u.img", task->threads[i]);
		if (!(buf = read_image(dir, name, 0x55053847, &len)))
			return task->threads[i];
		uint32_t n;
		memcpy(&n, buf + 8, 4);
		if (len >= 12 && n <= len - 12)
			fields(buf + 12, buf + 12 + n, core_field, &thread);
		free(buf);
		if ((thread.core_fields & (1u << 2 | 1u << 3 | 1u << 4 | 1u << 5)) != (1u << 2 | 1u << 5))
			return task->threads[i];
	}
	return 0;
}
static void no_done(void *ctx)
{
	(void)ctx;
}
struct fdinfo_entry {
	uint32_t id, type, fd;
};
static void fdinfo_field(void *ctx, unsigned field, uint64_t v, const uint8_t *b)
{
	struct fdinfo_entry *e = ctx;
	(void)b;
	if (field == 1)
		e->id = v;
	else if (field == 3)
		e->type = v;
	else if (field == 4)
		e->fd = v;
}
static struct oracle_tasks *holders_of;
static int holder_task;
static void fdinfo_done(void *ctx)
{
	struct fdinfo_entry *e = ctx;
	struct oracle_tasks *t = holders_of;
	/* EXT (16): the plugin's files; REG (1) and EVENTFD (6): files CRIU opens at once, whose sends wake a task. */
	if (t->nholders < MAX_HOLDERS && (e->type == 16 || e->type == 1 || e->type == 6))
		t->holder[t->nholders++] = (struct holder){ t->task[holder_task].pid, e->fd, e->id, e->type };
	memset(e, 0, sizeof(*e));
}

static int task_index(struct oracle_tasks *t, uint32_t pid)
{
	for (int i = 0; i < t->n; i++)
		if (t->task[i].pid == pid)
			return i;
	return -1;
}

/* for_each_pstree_item's order: depth first from the root, the children of each task newest first. */
static void visit(struct oracle_tasks *t, int i)
{
	t->order[t->norder++] = i;
	for (int c = t->n - 1; c >= 0; c--)
		if (t->task[c].ppid == t->task[i].pid && c != i)
			visit(t, c);
}

int oracle_read_tasks(const char *dir, struct oracle_tasks *t)
{
	size_t len;
	memset(t, 0, sizeof(*t));
	uint8_t *buf = read_image(dir, "pstree.img", 0x50273030, &len);
	if (!buf)
		return -1;
	cur = t;
	cur_task = &t->task[0];
	each_entry(buf, len, pstree_field, NULL, pstree_done);
	free(buf);
	int root = -1;
	for (int i = 0; i < t->n; i++)
		if (t->task[i].ppid == 0)
			root = i;
	if (root < 0)
		return -1;
	visit(t, root);
	char name[64];
	int any = 0;
	for (int k = 0; k < t->norder; k++) {
		struct task *task = &t->task[t->order[k]];
		snprintf(name, sizeof(name), "core-%u.img", task->pid);
		if ((buf = read_image(dir, name, 0x55053847, &len))) {
			uint32_t n;
			memcpy(&n, buf + 8, 4);
			if (n <= len - 12)
				fields(buf + 12, buf + 12 + n, core_field, task);
			free(buf);
		}
		if (task->state != 2)
			task->bad_thread = bad_thread(dir, task);
		snprintf(name, sizeof(name), "ids-%u.img", task->pid);
		if ((buf = read_image(dir, name, 0x54432030, &len))) {
			each_entry(buf, len, ids_field, task, no_done);
			free(buf);
		}
		int parent = task_index(t, task->ppid);
		task->owner = parent >= 0 && task->files_id && t->task[parent].files_id == task->files_id ? t->task[parent].owner : task->pid;
		if (task->owner != task->pid || !task->files_id)
			continue;
		snprintf(name, sizeof(name), "fdinfo-%u.img", task->files_id);
		if (!(buf = read_image(dir, name, 0x56213732, &len)))
			continue;
		any = 1;
		struct fdinfo_entry e = { 0 };
		holders_of = t;
		holder_task = t->order[k];
		each_entry(buf, len, fdinfo_field, &e, fdinfo_done);
		free(buf);
	}
	return any ? 0 : -1;
}

/* The opener of file id: the holder of lowest pid, the first collected among one pid's. */
const struct holder *oracle_opener(const struct oracle_tasks *t, uint32_t id)
{
	const struct holder *best = NULL;
	/* Collected in task order; a later holder wins only with a strictly lower pid. */
	for (int k = 0; k < t->norder; k++)
		for (int h = 0; h < t->nholders; h++)
			if (t->holder[h].id == id && t->holder[h].pid == t->task[t->order[k]].pid && (!best || t->holder[h].pid < best->pid))
				best = &t->holder[h];
	return best;
}

/* serve_out_fd (criu/files.c:1090-1112): every descriptor of file id in a task other than its opener's is sent it. */
int oracle_receivers(const struct oracle_tasks *t, uint32_t id, uint32_t *pids, int max)
{
	const struct holder *opener = oracle_opener(t, id);
	int n = 0;
	for (int h = 0; opener && h < t->nholders && n < max; h++)
		if (t->holder[h].id == id && t->holder[h].pid != opener->pid)
			pids[n++] = t->holder[h].pid;
	return n;
}

/* The files of type REG or EVENTFD task pid opens (it is their opener) that another task holds, by ascending fd. */
int oracle_at_once(const struct oracle_tasks *t, uint32_t pid, const struct holder **out, int max)
{
	int n = 0;
	uint32_t other[1];
	for (int h = 0; h < t->nholders && n < max; h++) {
		const struct holder *x = &t->holder[h];
		if ((x->type == 1 || x->type == 6) && x->pid == pid && oracle_opener(t, x->id) == x && oracle_receivers(t, x->id, other, 1))
			out[n++] = x;
	}
	for (int i = 1; i < n; i++) /* ascending descriptor: insertion sort */
		for (int j = i; j > 0 && out[j - 1]->fd > out[j]->fd; j--) {
			const struct holder *x = out[j];
			out[j] = out[j - 1];
			out[j - 1] = x;
		}
	return n;
}
