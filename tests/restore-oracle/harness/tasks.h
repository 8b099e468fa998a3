/* The tasks of a dump and the descriptors naming its files (tasks.c). Our own code. */
#ifndef ORACLE_TASKS_H
#define ORACLE_TASKS_H
#include <stdint.h>
#define MAX_TASKS 64
#define MAX_HOLDERS 1024

#define MAX_THREADS 16

struct task {
	uint32_t pid, ppid, files_id, state;
	uint32_t owner; /* the task that restores its files table */
	uint32_t threads[MAX_THREADS], nthreads; /* pstree.img's, the leader first */
	uint32_t core_fields; /* bit n: the first core_entry of its core-PID.img has field n */
	uint32_t bad_thread; /* a thread whose core open_cores or sigreturn_restore refuses, 0 for none */
};
struct holder {
	uint32_t pid, fd, id, type;
};
struct oracle_tasks {
	int n, norder, nholders;
	struct task task[MAX_TASKS];
	int order[MAX_TASKS]; /* indices in for_each_pstree_item's order */
	struct holder holder[MAX_HOLDERS];
};
/* 0 when the dump has pstree.img and at least one fdinfo image of a table some task restores. */
int oracle_read_tasks(const char *dir, struct oracle_tasks *t);
const struct holder *oracle_opener(const struct oracle_tasks *t, uint32_t id);
/* The tasks file id's opener sends it to once it has opened it (one per descriptor of another task): their count. */
int oracle_receivers(const struct oracle_tasks *t, uint32_t id, uint32_t *pids, int max);
/* The descriptors of files CRIU opens at once that task pid opens and another task holds, by ascending fd: their count. */
int oracle_at_once(const struct oracle_tasks *t, uint32_t pid, const struct holder **out, int max);
#endif
