/*
 * A fake amdgpu render node for testing `criu-image capture` through its real call path, with no GPU.
 *
 * usage: fake_render_node [--revision criu-2025-06|criu-v8] [--fork] [--outside] MODEL FAULT -- PROGRAM ARGS...
 *
 * It starts a target process that holds a descriptor to a placeholder file (MODEL.node), then runs PROGRAM
 * (with "{pid}" and "{fd}" in ARGS replaced by the target's pid and that descriptor's number, "{ownfd}" by the
 * number of a descriptor of the same node that PROGRAM itself holds, inherited) under a seccomp
 * filter that hands every ioctl to this supervisor (SECCOMP_RET_USER_NOTIF). An ioctl on a descriptor whose
 * /proc/TID/fd link is the placeholder is answered here, from the model, as Linux 6.18's amdgpu_gem.c answers
 * DRM_IOCTL_AMDGPU_GEM_LIST_HANDLES, DRM_IOCTL_AMDGPU_GEM_OP (GET_MAPPING_INFO) and DRM_IOCTL_AMDGPU_GEM_MMAP
 * (the mmap offset, as 0x100000000 + handle * 0x100000; -EPERM without CPU access); every other ioctl
 * continues to the kernel. The caller's argument structs and arrays are read and written with
 * process_vm_readv/writev. The exit status is PROGRAM's (128 + signal when it was killed).
 *
 * With --revision criu-2025-06 it answers DRM_IOCTL_AMDGPU_CRIU_BO_INFO and DRM_IOCTL_AMDGPU_CRIU_MAPPING_INFO
 * instead, as the 13 June 2025 posting's amdgpu_criu.c does (shared/seeds/002_cc74855b9ee90f4b.txt): the same
 * count protocol, 40-byte BO buckets with the mmap offset (modelled as 0x100000000 + handle * 0x100000),
 * mappings in GPU pages, flags as uapi bits (its hardware_flags_to_uapi_flags).
 * With --revision criu-v8 it answers the 18 July 2025 v8 series: CRIU_BO_INFO at 0xC0106459 (patch 1/3,
 * Message-ID 20250718144823.1157760-2-David.Francis@amd.com, whose amdgpu_criu.c is blob 8bfcb2234166, the
 * base of seed 000's patch 2/3) with 32-byte buckets that have no offset, CRIU_MAPPING_INFO at 0xC0106460
 * (shared/seeds/000_d71a33d84057d7a0.txt) with mapping->flags copied as stored: the hardware PTE bits that
 * amdgpu_gem_va_map_flags made of the uapi flags before 6.18 (modelled for a GFX9 GPU, whose default MTYPE,
 * NC, is 0), and GEM_MMAP as 6.18 does.
 * Both postings: BO_INFO counts under the table lock, answers only the count when the array is too small,
 * fills a zeroed kernel array in a second pass without checking it against the count, and copies the counted
 * number of buckets (-EFAULT when that fails). A BO closed between the passes leaves a zero bucket (handle 0)
 * at the end ("shrink"); a BO created between them is written past the kernel's array, which the fake cannot
 * model ("eagain" is refused). MAPPING_INFO uses the NULL its idr_find gives for a closed handle (a kernel
 * oops, which the fake does not model either: "close" is refused when the closed handle is asked for).
 *
 * MODEL, one line each (handles ascending, as the kernel's idr walks them):
 *   bo      HANDLE FLAGS SIZE DOMAINS ALLOC_FLAGS ALIGNMENT   a BO present from the start
 *   late    HANDLE FLAGS SIZE DOMAINS ALLOC_FLAGS ALIGNMENT   a BO the process creates during the capture
 *   closing HANDLE FLAGS SIZE DOMAINS ALLOC_FLAGS ALIGNMENT   a BO the process closes during the capture
 *   map     ADDR SIZE OFFSET FLAGS                            a mapping of the BO above (bytes, as 6.18 reports)
 *
 * FAULT says when the model changes and what the kernel gives:
 *   none         nothing changes
 *   grow:N       after each LIST_HANDLES answer whose count did not fit, N late BOs appear
 *   never        after each LIST_HANDLES answer whose count did not fit, more BOs appear than were counted
 *   eagain:N     the first N filling passes of LIST_HANDLES see a late BO appear between counting and filling
 *   close        the closing BO is closed right after the first complete LIST_HANDLES
 *   shrink       the closing BO is closed between the counting and the filling pass of the first LIST_HANDLES
 *   efault-list  the copy of the first filled BO list to the caller fails (-EFAULT)
 *   efault-map   the copy of the first filled mapping list to the caller fails (-EFAULT)
 *   huge-map     the first BO has 70000000 mappings (more than a1ba4594232c lets one call ask for)
 *   einval-list  LIST_HANDLES is unknown to the driver (-EINVAL, as drm_ioctl answers before 6.18)
 *   eperm        pidfd_getfd fails with EPERM (as without ptrace rights over the target)
 *   eperm-ptrace ptrace fails with EPERM (pidfd_getfd works: as with rights to the descriptor but not to stop it)
 *   signal:N     signal N is sent to PROGRAM when the first ioctl reaches the fake (mid-capture)
 *
 * The target runs three threads (the main one and two that wait). With --fork it also forks a child (two
 * threads), which inherits the node's descriptor, writes a byte to it every millisecond while it runs, and
 * forks a grandchild of its own: a tree of three processes that share the file, as a forked worker does.
 * With --outside the node is opened before the target is forked and inherited both by the target and by a
 * second child of this supervisor, outside the target's tree (its pid is in MODEL.freeze as "outsider N").
 * At every ioctl it answers, the fake notes whether all threads of the tree were in a ptrace stop ('t' in
 * /proc/PID/task/TID/stat), and after PROGRAM ends, whether they run again untraced; it writes MODEL.freeze:
 * "answered-frozen N", "answered-running N", "threads N", "processes N", "node-grew N" (bytes the child wrote
 * to the node between the first and the last answered ioctl), "target PID", "after running" or "after held".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#define OUR_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define OUR_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "fake_render_node knows x86-64 and arm64 only"
#endif

/* The 6.18 uapi, written out here so the test needs no kernel headers of that age. */
#define REQ_GEM_LIST_HANDLES 0xC0106459u
#define REQ_GEM_OP 0xC0186450u
#define REQ_GEM_MMAP 0xC0086441u
#define GEM_CREATE_NO_CPU_ACCESS 0x2u
#define GEM_OP_GET_MAPPING_INFO 2u
#define HUGE_MAPPINGS 70000000u
#define REQ_CRIU_BO_INFO_2025_06 0xC0106460u
#define REQ_CRIU_MAPPING_INFO_2025_06 0xC0106461u
#define REQ_CRIU_BO_INFO_V8 0xC0106459u
#define REQ_CRIU_MAPPING_INFO_V8 0xC0106460u
#define VM_PAGE_READABLE 0x2u
#define VM_PAGE_WRITEABLE 0x4u
#define VM_PAGE_EXECUTABLE 0x8u
#define VM_PAGE_NOALLOC 0x200u
#define PTE_EXECUTABLE (1ull << 4)
#define PTE_READABLE (1ull << 5)
#define PTE_WRITEABLE (1ull << 6)
#define PTE_NOALLOC (1ull << 58)

struct list_args { uint64_t entries; uint32_t num_entries; uint32_t padding; };
struct list_entry { uint32_t gem_handle; uint32_t flags; uint64_t size; uint64_t preferred_domains; uint64_t alloc_flags; uint64_t alignment; };
struct op_args { uint32_t handle; uint32_t op; uint64_t value; uint32_t num_entries; uint32_t padding; };
struct vm_entry { uint64_t addr; uint64_t size; uint64_t offset; uint64_t flags; };
struct criu_bo_info_args { uint32_t num_bos; uint32_t padding; uint64_t bo_buckets; };
struct criu_bo_bucket { uint64_t size; uint64_t offset; uint64_t alloc_flags; uint32_t preferred_domains; uint32_t flags; uint32_t gem_handle; uint32_t padding; };
struct criu_v8_bo_bucket { uint64_t size; uint64_t alloc_flags; uint32_t preferred_domains; uint32_t flags; uint32_t gem_handle; uint32_t padding; };
struct criu_mapping_info_args { uint32_t gem_handle; uint32_t num_mappings; uint64_t vm_buckets; };
struct criu_vm_bucket { uint64_t start; uint64_t last; uint64_t offset; uint64_t flags; };

enum bo_state { ABSENT, LIVE };

struct bo {
	struct list_entry entry;
	enum bo_state state;
	int late;
	int closing;
	size_t nmaps;
	struct vm_entry *maps;
};

static struct bo *bos;
static size_t nbos;

/* The fake mmap offset of a BO, in 6.18 as in the posting: page aligned, above 4 GiB, disjoint per handle. */
static uint64_t mmap_offset(uint32_t handle)
{
	return 0x100000000ull + (uint64_t)handle * 0x100000ull;
}
static char fault[64];
static long fault_n;
static int list_fills;	 /* LIST_HANDLES calls that reached the filling pass */
static int map_fills;	 /* GET_MAPPING_INFO calls that copied entries */
static int closed_done;
static uint32_t synthetic; /* BOs of the "never" fault, beyond the model */
static enum { LINUX_6_18, CRIU_2025_06, CRIU_V8 } revision;

static pid_t target_pid, program_pid, outsider_pid;
static pid_t tree[3]; /* the target, and with --fork its child and grandchild */
static int tree_size = 1;
static int answered_frozen, answered_running, signal_sent;
static long node_size_first = -1, node_size_last = -1;
static char node_real[PATH_MAX];

static void process_threads(pid_t pid, int *threads, int *stopped, int *traced);

/* The tree's threads: how many, and how many are in a ptrace stop ('t') or traced (TracerPid not 0). */
static void target_threads(int *threads, int *stopped, int *traced)
{
	*threads = *stopped = *traced = 0;
	for (int i = 0; i < tree_size; i++)
		process_threads(tree[i], threads, stopped, traced);
}

static void process_threads(pid_t pid, int *threads, int *stopped, int *traced)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	DIR *d = opendir(path);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		char file[400], text[4096];
		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s/stat", path, e->d_name);
		FILE *f = fopen(file, "r");
		if (!f)
			continue;
		size_t n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		text[n] = 0;
		char *close = strrchr(text, ')');
		(*threads)++;
		if (close && close[1] == ' ' && close[2] == 't')
			(*stopped)++;
		snprintf(file, sizeof(file), "%s/%s/status", path, e->d_name);
		f = fopen(file, "r");
		if (!f)
			continue;
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		text[n] = 0;
		char *tracer = strstr(text, "TracerPid:");
		if (tracer && atoi(tracer + 10) != 0)
			(*traced)++;
	}
	closedir(d);
}

static void die(const char *what)
{
	perror(what);
	exit(125);
}

static void load_model(const char *path)
{
	FILE *f = fopen(path, "r");
	char kind[16];
	if (!f)
		die(path);
	while (fscanf(f, "%15s", kind) == 1) {
		if (strcmp(kind, "map") == 0) {
			struct bo *b = &bos[nbos - 1];
			struct vm_entry m;
			if (nbos == 0 || fscanf(f, "%lu %lu %lu %lu", &m.addr, &m.size, &m.offset, &m.flags) != 4) {
				fprintf(stderr, "%s: a map line needs a BO above it and four numbers\n", path);
				exit(125);
			}
			b->maps = realloc(b->maps, (b->nmaps + 1) * sizeof(m));
			if (!b->maps)
				die("realloc");
			b->maps[b->nmaps++] = m;
			continue;
		}
		bos = realloc(bos, (nbos + 1) * sizeof(*bos));
		if (!bos)
			die("realloc");
		struct bo *b = &bos[nbos++];
		memset(b, 0, sizeof(*b));
		if (fscanf(f, "%u %u %lu %lu %lu %lu", &b->entry.gem_handle, &b->entry.flags, &b->entry.size,
			   &b->entry.preferred_domains, &b->entry.alloc_flags, &b->entry.alignment) != 6) {
			fprintf(stderr, "%s: a %s line needs six numbers\n", path, kind);
			exit(125);
		}
		b->late = strcmp(kind, "late") == 0;
		b->closing = strcmp(kind, "closing") == 0;
		b->state = b->late ? ABSENT : LIVE;
	}
	fclose(f);
}

static int fault_is(const char *name)
{
	return strcmp(fault, name) == 0;
}

/* The process creates its next late BO; false when it has none left. */
static int appear_one(void)
{
	for (size_t i = 0; i < nbos; i++)
		if (bos[i].late && bos[i].state == ABSENT) {
			bos[i].state = LIVE;
			return 1;
		}
	return 0;
}

static void close_closing(void)
{
	for (size_t i = 0; i < nbos; i++)
		if (bos[i].closing)
			bos[i].state = ABSENT;
	closed_done = 1;
}

static uint32_t live_count(void)
{
	uint32_t n = synthetic;
	for (size_t i = 0; i < nbos; i++)
		n += bos[i].state == LIVE;
	return n;
}

static int mem_read(pid_t pid, uint64_t remote, void *local, size_t len)
{
	struct iovec l = { local, len }, r = { (void *)(uintptr_t)remote, len };
	return process_vm_readv(pid, &l, 1, &r, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
}

static int mem_write(pid_t pid, uint64_t remote, const void *local, size_t len)
{
	struct iovec l = { (void *)local, len }, r = { (void *)(uintptr_t)remote, len };
	return process_vm_writev(pid, &l, 1, &r, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
}

/* amdgpu_gem_list_handles_ioctl: count; too small an array gets the count only; fill; -EAGAIN when more BOs
 * turn up while filling than were counted; copy as many entries as were counted. */
static int list_handles(pid_t pid, struct list_args *args)
{
	uint32_t num_bos = live_count(), bo_index = 0;
	int ret = 0;

	if (args->num_entries < num_bos) {
		args->num_entries = num_bos;
		if (strncmp(fault, "grow:", 5) == 0)
			for (long i = 0; i < fault_n; i++)
				appear_one();
		if (fault_is("never"))
			synthetic += num_bos;
		return 0;
	}
	if (num_bos == 0) {
		args->num_entries = 0;
		return 0;
	}

	list_fills++;
	if (strncmp(fault, "eagain:", 7) == 0 && list_fills <= fault_n)
		appear_one();
	if (fault_is("shrink") && !closed_done)
		close_closing();

	struct list_entry *out = calloc(num_bos, sizeof(*out));
	if (!out)
		die("calloc");
	for (size_t i = 0; i < nbos; i++) {
		if (bos[i].state != LIVE)
			continue;
		if (bo_index >= num_bos) {
			ret = -EAGAIN;
			break;
		}
		out[bo_index++] = bos[i].entry;
	}
	for (uint32_t s = 0; s < synthetic && !ret; s++) {
		if (bo_index >= num_bos) {
			ret = -EAGAIN;
			break;
		}
		out[bo_index].gem_handle = 1000000 + s;
		out[bo_index].size = 4096;
		bo_index++;
	}
	args->num_entries = bo_index;
	if (!ret) {
		if (fault_is("efault-list") && list_fills == 1)
			ret = -EFAULT;
		else
			ret = mem_write(pid, args->entries, out, (size_t)num_bos * sizeof(*out));
	}
	free(out);
	if (!ret && fault_is("close") && !closed_done)
		close_closing();
	return ret;
}

/* amdgpu_gem_op_ioctl with AMDGPU_GEM_OP_GET_MAPPING_INFO: -EINVAL for padding or another op (only this one is
 * modelled), -ENOENT for a handle not open, -EINVAL for more entries than a1ba4594232c allows; the count
 * always; the entries only when they fit. */
static int gem_op(pid_t pid, struct op_args *args)
{
	struct bo *b = NULL;
	if (args->padding || args->op != GEM_OP_GET_MAPPING_INFO)
		return -EINVAL;
	for (size_t i = 0; i < nbos; i++)
		if (bos[i].state == LIVE && bos[i].entry.gem_handle == args->handle)
			b = &bos[i];
	if (!b && args->handle >= 1000000 && args->handle - 1000000 < synthetic) {
		args->num_entries = 0;
		return 0;
	}
	if (!b)
		return -ENOENT;
	if (args->num_entries > INT_MAX / sizeof(struct vm_entry))
		return -EINVAL;

	uint32_t count = (uint32_t)b->nmaps;
	if (fault_is("huge-map") && b == &bos[0])
		count = HUGE_MAPPINGS;
	int ret = 0;
	if (count > 0 && count <= args->num_entries) {
		map_fills++;
		if (fault_is("efault-map") && map_fills == 1)
			ret = -EFAULT;
		else
			ret = mem_write(pid, args->value, b->maps, count * sizeof(struct vm_entry));
	}
	args->num_entries = count;
	return ret;
}

/* amdgpu_criu_bo_info_ioctl of the postings: count; too small an array gets the count only; fill a zeroed array
 * of the counted size without checking the count again; copy the counted number of buckets. */
static int criu_bo_info(pid_t pid, struct criu_bo_info_args *args)
{
	uint32_t num_bos = live_count(), bo_index = 0;
	if (args->num_bos < num_bos) {
		args->num_bos = num_bos;
		if (strncmp(fault, "grow:", 5) == 0)
			for (long i = 0; i < fault_n; i++)
				appear_one();
		if (fault_is("never"))
			synthetic += num_bos;
		return 0;
	}
	args->num_bos = num_bos;
	if (num_bos == 0)
		return 0;
	list_fills++;
	if (strncmp(fault, "eagain:", 7) == 0) {
		fprintf(stderr, "fake_render_node: the posting writes a BO created between its passes past its array\n");
		exit(125);
	}
	if (fault_is("shrink") && !closed_done)
		close_closing();
	size_t bucket = revision == CRIU_V8 ? sizeof(struct criu_v8_bo_bucket) : sizeof(struct criu_bo_bucket);
	unsigned char *out = calloc(num_bos, bucket);
	if (!out)
		die("calloc");
	for (size_t i = 0; i < nbos && bo_index < num_bos; i++) {
		if (bos[i].state != LIVE)
			continue;
		const struct list_entry *e = &bos[i].entry;
		if (revision == CRIU_V8) {
			struct criu_v8_bo_bucket *b = (struct criu_v8_bo_bucket *)out + bo_index++;
			b->size = e->size;
			b->alloc_flags = e->alloc_flags;
			b->preferred_domains = (uint32_t)e->preferred_domains;
			b->flags = e->flags;
			b->gem_handle = e->gem_handle;
		} else {
			struct criu_bo_bucket *b = (struct criu_bo_bucket *)out + bo_index++;
			b->size = e->size;
			b->offset = mmap_offset(e->gem_handle);
			b->alloc_flags = e->alloc_flags;
			b->preferred_domains = (uint32_t)e->preferred_domains;
			b->flags = e->flags;
			b->gem_handle = e->gem_handle;
		}
	}
	int ret;
	if (fault_is("efault-list") && list_fills == 1)
		ret = -EFAULT;
	else
		ret = mem_write(pid, args->bo_buckets, out, (size_t)num_bos * bucket);
	free(out);
	if (!ret && fault_is("close") && !closed_done)
		close_closing();
	return ret;
}

/* What mapping->flags holds for a mapping made with uapi FLAGS before 6.18: amdgpu_gem_va_map_flags's PTE bits
 * (GFX9: the default MTYPE is NC, 0). The criu-2025-06 posting turns them back into uapi bits. */
static uint64_t pte_flags(uint64_t flags)
{
	return (flags & VM_PAGE_EXECUTABLE ? PTE_EXECUTABLE : 0) | (flags & VM_PAGE_READABLE ? PTE_READABLE : 0) |
	       (flags & VM_PAGE_WRITEABLE ? PTE_WRITEABLE : 0) | (flags & VM_PAGE_NOALLOC ? PTE_NOALLOC : 0);
}

/* amdgpu_criu_mapping_info_ioctl of the postings: the count always, the buckets (GPU pages) only when they fit. */
static int criu_mapping_info(pid_t pid, struct criu_mapping_info_args *args)
{
	struct bo *b = NULL;
	for (size_t i = 0; i < nbos; i++)
		if (bos[i].state == LIVE && bos[i].entry.gem_handle == args->gem_handle)
			b = &bos[i];
	if (!b) {
		fprintf(stderr, "fake_render_node: the posting has no answer for handle %u, which is not open (its kernel oopses)\n", args->gem_handle);
		exit(125);
	}
	uint32_t count = (uint32_t)b->nmaps;
	if (fault_is("huge-map") && b == &bos[0])
		count = HUGE_MAPPINGS;
	int ret = 0;
	if (count > 0 && count <= args->num_mappings) {
		struct criu_vm_bucket *out = calloc(count, sizeof(*out));
		if (!out)
			die("calloc");
		for (uint32_t k = 0; k < count; k++) {
			out[k].start = b->maps[k].addr / 4096;
			out[k].last = out[k].start + b->maps[k].size / 4096 - 1;
			out[k].offset = b->maps[k].offset;
			out[k].flags = revision == CRIU_V8 ? pte_flags(b->maps[k].flags) : b->maps[k].flags;
		}
		map_fills++;
		if (fault_is("efault-map") && map_fills == 1)
			ret = -EFAULT;
		else
			ret = mem_write(pid, args->vm_buckets, out, count * sizeof(*out));
		free(out);
	}
	args->num_mappings = count;
	return ret;
}

/* Answers an ioctl on the fake node; the argument struct is copied back whatever the result, as drm_ioctl does. */
/* amdgpu_gem_mmap_ioctl: the union is zeroed, then amdgpu_mode_dumb_mmap gives -ENOENT for a handle not open,
 * -EPERM for a BO without CPU access (NO_CPU_ACCESS; userptr BOs are not modelled), else the BO's mmap offset. */
static int gem_mmap(uint64_t *arg)
{
	uint32_t handle = (uint32_t)*arg;
	struct bo *b = NULL;
	*arg = 0;
	for (size_t i = 0; i < nbos; i++)
		if (bos[i].state == LIVE && bos[i].entry.gem_handle == handle)
			b = &bos[i];
	if (!b && !(handle >= 1000000 && handle - 1000000 < synthetic))
		return -ENOENT;
	if (b && (b->entry.alloc_flags & GEM_CREATE_NO_CPU_ACCESS))
		return -EPERM;
	*arg = mmap_offset(handle);
	return 0;
}

static int answer(pid_t pid, uint64_t request, uint64_t argp)
{
	int threads, stopped, traced;
	struct stat node_stat;
	target_threads(&threads, &stopped, &traced);
	if (threads > 0 && stopped == threads)
		answered_frozen++;
	else
		answered_running++;
	if (stat(node_real, &node_stat) == 0) {
		if (node_size_first < 0)
			node_size_first = node_stat.st_size;
		node_size_last = node_stat.st_size;
	}
	if (strncmp(fault, "signal:", 7) == 0 && !signal_sent) {
		signal_sent = 1;
		kill(program_pid, (int)fault_n);
	}
	uint64_t bo_info = revision == CRIU_V8 ? REQ_CRIU_BO_INFO_V8 : REQ_CRIU_BO_INFO_2025_06;
	uint64_t mapping_info = revision == CRIU_V8 ? REQ_CRIU_MAPPING_INFO_V8 : REQ_CRIU_MAPPING_INFO_2025_06;
	if (revision != LINUX_6_18 && fault_is("einval-list") && request == bo_info)
		return -EINVAL;
	if (revision != LINUX_6_18 && request == bo_info) {
		struct criu_bo_info_args a;
		if (mem_read(pid, argp, &a, sizeof(a)))
			return -EFAULT;
		int r = criu_bo_info(pid, &a);
		return mem_write(pid, argp, &a, sizeof(a)) ? -EFAULT : r;
	}
	if (revision != LINUX_6_18 && request == mapping_info) {
		struct criu_mapping_info_args a;
		if (mem_read(pid, argp, &a, sizeof(a)))
			return -EFAULT;
		int r = criu_mapping_info(pid, &a);
		return mem_write(pid, argp, &a, sizeof(a)) ? -EFAULT : r;
	}
	/* The postings were written against trees without GEM_LIST_HANDLES and GEM_OP GET_MAPPING_INFO. */
	if (revision != LINUX_6_18 && request != REQ_GEM_MMAP)
		return -EINVAL;
	if (fault_is("einval-list") && request == REQ_GEM_LIST_HANDLES)
		return -EINVAL;
	if (request == REQ_GEM_LIST_HANDLES) {
		struct list_args a;
		if (mem_read(pid, argp, &a, sizeof(a)))
			return -EFAULT;
		int r = list_handles(pid, &a);
		return mem_write(pid, argp, &a, sizeof(a)) ? -EFAULT : r;
	}
	if (request == REQ_GEM_MMAP) {
		uint64_t a;
		if (mem_read(pid, argp, &a, sizeof(a)))
			return -EFAULT;
		int r = gem_mmap(&a);
		return mem_write(pid, argp, &a, sizeof(a)) ? -EFAULT : r;
	}
	if (request == REQ_GEM_OP) {
		struct op_args a;
		if (mem_read(pid, argp, &a, sizeof(a)))
			return -EFAULT;
		int r = gem_op(pid, &a);
		return mem_write(pid, argp, &a, sizeof(a)) ? -EFAULT : r;
	}
	/* drm_ioctl: a driver ioctl number it does not know is -EINVAL. */
	return -EINVAL;
}

static int is_fake_node(pid_t tid, int fd, const char *node)
{
	char link[64], target[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", tid, fd);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return 0;
	target[n] = 0;
	return strcmp(target, node) == 0;
}

static void send_fd(int sock, int fd)
{
	char data = 'L', control[CMSG_SPACE(sizeof(int))];
	struct iovec io = { &data, 1 };
	struct msghdr msg = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) != 1)
		die("sendmsg");
}

static int recv_fd(int sock)
{
	char data, control[CMSG_SPACE(sizeof(int))];
	struct iovec io = { &data, 1 };
	struct msghdr msg = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control) };
	int fd;
	if (recvmsg(sock, &msg, 0) != 1)
		die("recvmsg");
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
	return fd;
}

static void *wait_forever(void *unused)
{
	(void)unused;
	for (;;)
		pause();
	return NULL;
}

/* MODEL.freeze: what the target's threads were doing at each answer, and whether PROGRAM let them go. */
static void write_freeze_report(const char *model)
{
	char path[PATH_MAX];
	int threads = 0, stopped = 0, traced = 0;
	/* The kernel lets a dead tracer's tracees go as it exits; give the woken threads a moment to leave 't'. */
	for (int tries = 0; tries < 200; tries++) {
		target_threads(&threads, &stopped, &traced);
		if (stopped == 0 && traced == 0)
			break;
		usleep(10000);
	}
	snprintf(path, sizeof(path), "%s.freeze", model);
	FILE *f = fopen(path, "w");
	if (!f)
		die(path);
	fprintf(f, "answered-frozen %d\nanswered-running %d\nthreads %d\nprocesses %d\nnode-grew %ld\n", answered_frozen,
		answered_running, threads, tree_size, node_size_last - node_size_first);
	fprintf(f, "target %d\n", target_pid);
	if (outsider_pid)
		fprintf(f, "outsider %d\n", outsider_pid);
	fprintf(f, "after %s\n", stopped == 0 && traced == 0 ? "running" : "held");
	fclose(f);
}

static void run_under_filter(int sock, char **argv, pid_t target, int target_fd, const char *node_real)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, OUR_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_pidfd_getfd, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, fault_is("eperm") ? SECCOMP_RET_ERRNO | EPERM : SECCOMP_RET_ALLOW),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ptrace, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, fault_is("eperm-ptrace") ? SECCOMP_RET_ERRNO | EPERM : SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(filter) / sizeof(filter[0]), filter };
	char pid_text[16], fd_text[16], own_text[16] = "";

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		die("PR_SET_NO_NEW_PRIVS");
	int listener = (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (listener < 0)
		die("seccomp(SECCOMP_FILTER_FLAG_NEW_LISTENER)");
	send_fd(sock, listener);
	close(listener);
	close(sock);

	snprintf(pid_text, sizeof(pid_text), "%d", target);
	snprintf(fd_text, sizeof(fd_text), "%d", target_fd);
	for (char **a = argv; *a; a++) {
		if (strcmp(*a, "{pid}") == 0)
			*a = pid_text;
		else if (strcmp(*a, "{fd}") == 0)
			*a = fd_text;
		else if (strcmp(*a, "{ownfd}") == 0) {
			/* PROGRAM's own descriptor of the node, as a dumper holds one it opened itself (no pidfd_getfd needed). */
			if (!own_text[0]) {
				int own = open(node_real, O_RDWR);
				if (own < 0)
					die(node_real);
				snprintf(own_text, sizeof(own_text), "%d", own);
			}
			*a = own_text;
		}
	}
	execvp(argv[0], argv);
	die(argv[0]);
}

int main(int argc, char **argv)
{
	char node[PATH_MAX];
	int report[2], pair[2], status = 0, forking = 0, outside = 0;

	for (;;) {
		if (argc > 2 && strcmp(argv[1], "--revision") == 0) {
			if (strcmp(argv[2], "criu-2025-06") == 0)
				revision = CRIU_2025_06;
			else if (strcmp(argv[2], "criu-v8") == 0)
				revision = CRIU_V8;
			else {
				fprintf(stderr, "%s: --revision knows criu-2025-06 and criu-v8 (linux-6.18 is the default)\n", argv[0]);
				return 125;
			}
			argv += 2;
			argc -= 2;
		} else if (argc > 1 && (strcmp(argv[1], "--fork") == 0 || strcmp(argv[1], "--outside") == 0)) {
			*(strcmp(argv[1], "--fork") == 0 ? &forking : &outside) = 1;
			argv++;
			argc--;
		} else
			break;
	}
	if (argc < 5 || strcmp(argv[3], "--") != 0) {
		fprintf(stderr, "usage: fake_render_node [--revision criu-2025-06|criu-v8] [--fork] [--outside] MODEL FAULT -- PROGRAM ARGS...\n");
		return 125;
	}
	load_model(argv[1]);
	snprintf(fault, sizeof(fault), "%s", argv[2]);
	if (strchr(fault, ':'))
		fault_n = strtol(strchr(fault, ':') + 1, NULL, 10);

	snprintf(node, sizeof(node), "%s.node", argv[1]);
	int made = open(node, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (made < 0)
		die(node);
	close(made);
	if (!realpath(node, node_real))
		die("realpath");

	if (pipe(report) || socketpair(AF_UNIX, SOCK_STREAM, 0, pair))
		die("pipe");
	/* --outside: one open file, inherited by the target and by a process outside its tree. */
	int shared = outside ? open(node_real, O_RDWR) : -1;
	if (outside && shared < 0)
		die(node_real);
	pid_t target = fork();
	target_pid = target;
	if (target < 0)
		die("fork");
	if (target == 0) {
		/* The process being captured: it holds the "render node" open and waits. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY);
		pthread_t waiting[2];
		for (int t = 0; t < 2; t++)
			if (pthread_create(&waiting[t], NULL, wait_forever, NULL))
				_exit(125);
		int fd = shared >= 0 ? shared : open(node_real, O_RDWR | O_CLOEXEC);
		if (fd < 0 || write(report[1], &fd, sizeof(fd)) != sizeof(fd))
			_exit(125);
		if (forking) {
			/* A forked worker that uses the file while it runs, with a thread and a child of its own. */
			pid_t worker = fork();
			if (worker == 0) {
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				pthread_t waiting_too;
				if (pthread_create(&waiting_too, NULL, wait_forever, NULL))
					_exit(125);
				pid_t grandchild = fork();
				if (grandchild == 0) {
					prctl(PR_SET_PDEATHSIG, SIGKILL);
					for (;;)
						pause();
				}
				if (grandchild < 0 || write(report[1], &grandchild, sizeof(grandchild)) != sizeof(grandchild))
					_exit(125);
				for (off_t at = 0;; at++) {
					if (pwrite(fd, "w", 1, at) != 1)
						_exit(125);
					usleep(1000);
				}
			}
			if (worker < 0 || write(report[1], &worker, sizeof(worker)) != sizeof(worker))
				_exit(125);
		}
		for (;;)
			pause();
	}
	tree[0] = target;
	int target_fd;
	if (read(report[0], &target_fd, sizeof(target_fd)) != sizeof(target_fd))
		die("target");
	for (; forking && tree_size < 3; tree_size++)
		if (read(report[0], &tree[tree_size], sizeof(pid_t)) != sizeof(pid_t))
			die("target's child");
	if (outside) {
		outsider_pid = fork();
		if (outsider_pid < 0)
			die("fork");
		if (outsider_pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				pause();
		}
		close(shared);
	}

	pid_t child = fork();
	if (child < 0)
		die("fork");
	program_pid = child;
	if (child == 0) {
		close(pair[0]);
		run_under_filter(pair[1], argv + 4, target, target_fd, node_real);
	}
	close(pair[1]);
	int listener = recv_fd(pair[0]);

	for (;;) {
		struct pollfd p = { listener, POLLIN, 0 };
		int ready = poll(&p, 1, 100);
		if (ready > 0 && (p.revents & POLLIN)) {
			struct seccomp_notif req;
			struct seccomp_notif_resp resp;
			memset(&req, 0, sizeof(req));
			if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0) {
				memset(&resp, 0, sizeof(resp));
				resp.id = req.id;
				int fd = (int)req.data.args[0];
				if (is_fake_node((pid_t)req.pid, fd, node_real)) {
					int r = answer((pid_t)req.pid, req.data.args[1] & 0xFFFFFFFFu, req.data.args[2]);
					resp.error = r < 0 ? r : 0;
					resp.val = 0;
				} else {
					resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
				}
				/* The caller may be gone (killed mid-call): ENOENT from SEND is not an error here. */
				ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
			}
		} else if (ready > 0 && (p.revents & (POLLHUP | POLLERR))) {
			break;
		}
		if (waitpid(child, &status, WNOHANG) == child)
			goto done;
	}
	waitpid(child, &status, 0);
done:
	write_freeze_report(argv[1]);
	for (int i = tree_size - 1; i >= 0; i--)
		kill(tree[i], SIGKILL);
	waitpid(target, NULL, 0);
	if (outsider_pid) {
		kill(outsider_pid, SIGKILL);
		waitpid(outsider_pid, NULL, 0);
	}
	unlink(node_real);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
