/* The parts of CRIU core the amdgpu plugin calls on restore, as small stand-ins (criu/plugin.c, util.c,
 * fdstore.c, pstree.c, compel's scm.c), and the libc calls the oracle watches through ld --wrap: open and
 * fopen/opendir/stat (the KFD topology is read from a folder the driver writes), ioctl (the fake kernel),
 * close (of fds 0..2), fread (which image bytes a buffer holds), pthread_create/join (run one at a time). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "cr_options.h"
#include "util.h"
#include "oracle.h"

struct cr_options opts;
char criu_run_id[RUN_ID_HASH_LENGTH] = "oracle";
static int root_dummy;
struct pstree_item *root_item = (struct pstree_item *)&root_dummy;
bool oracle_serial;
int oracle_out_fd = -1;
char oracle_sysfs[PATH_MAX];
__thread const char *oracle_via;
const char *oracle_errno_name(int e);
static pthread_mutex_t rec_lock = PTHREAD_MUTEX_INITIALIZER;

void rec_line(const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	pthread_mutex_lock(&rec_lock);
	if (write(oracle_out_fd, line, n) != n)
		_exit(99);
	pthread_mutex_unlock(&rec_lock);
}

void rec_call(const char *call, unsigned long request, const char *dev, const char *args, long ret)
{
	char tail[96] = "", req[32] = "";
	if (request)
		snprintf(req, sizeof(req), ",\"request\":\"0x%08lx\"", request);
	if (ret < 0)
		snprintf(tail, sizeof(tail), ",\"errno\":\"%s\"", oracle_errno_name((int)ret));
	char via[96] = "";
	if (oracle_via)
		snprintf(via, sizeof(via), ",\"via\":\"%s\"", oracle_via);
	rec_line("{\"call\":\"%s\"%s,\"dev\":\"%s\",\"args\":{%s},\"ret\":%ld%s%s}", call, req, dev, args, ret < 0 ? -1L : ret, tail, via);
}

/* CRIU's log: errors are recorded by their format string (which CRIU line failed; the values can be stack
 * garbage, e.g. amdgpu_restore_init's uninitialised img_path); everything goes to stderr with ORACLE_VERBOSE. */
void print_on_level(unsigned int level, const char *fmt, ...)
{
	char msg[1024], esc[2100];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (getenv("ORACLE_VERBOSE"))
		fputs(msg, stderr);
	if (level != 1 /* LOG_ERROR */)
		return;
	size_t j = 0;
	snprintf(msg, sizeof(msg), "%s", fmt);
	for (size_t i = 0; msg[i] && j < sizeof(esc) - 3; i++) {
		unsigned char c = msg[i];
		if (c == '"' || c == '\\')
			esc[j++] = '\\', esc[j++] = c;
		else if (c >= 0x20 && c < 0x7f)
			esc[j++] = c;
	}
	esc[j] = 0;
	rec_line("{\"log\":\"%s\"}", esc);
}

bool has_children(struct pstree_item *item)
{
	(void)item;
	return oracle_serial;
}

bool check_and_remove_inventory_plugin(const char *name, size_t len)
{
	(void)name, (void)len;
	return true;
}

int add_inventory_plugin(const char *name)
{
	(void)name;
	return 0;
}

int criu_get_image_dir(void)
{
	return AT_FDCWD;
}

int img_streamer_open(char *filename, int flags)
{
	(void)filename, (void)flags;
	return -1;
}

int find_unused_fd_pid(pid_t pid)
{
	(void)pid;
	return 256;
}

int read_fd_link(int lfd, char *buf, size_t size)
{
	char t[64];
	snprintf(t, sizeof(t), "/proc/self/fd/%d", lfd);
	ssize_t n = readlink(t, buf, size - 1);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return (int)n;
}

void *shmalloc(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* fdstore: CRIU keeps fds in a socket and hands out a new fd for each get. In one process an array does; when
 * tasks run in processes of their own (oracle_fdstore_shared, before they fork), a datagram socket pair made
 * before the fork holds them as CRIU's does (criu/fdstore.c): one datagram per fd, the id its place in the queue,
 * read back by peeking at that offset (SO_PEEK_OFF), with the next id in shared memory. */
int send_fds(int sock, struct sockaddr_un *saddr, int len, int *fds, int nr_fds, void *data, unsigned ch_size);
int __recv_fds(int sock, int *fds, int nr_fds, void *data, unsigned ch_size, int flags);
static int store[1024], nstore;
static int store_sk[2] = { -1, -1 };
static int *store_next;

void oracle_fdstore_shared(void)
{
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, store_sk) == 0) {
		store_next = shmalloc(sizeof(*store_next));
		*store_next = 0;
	}
}

int fdstore_add(int fd)
{
	if (store_sk[0] >= 0) {
		if (send_fds(store_sk[0], NULL, 0, &fd, 1, NULL, 0))
			return -1;
		return (*store_next)++;
	}
	if (nstore == 1024)
		return -1;
	store[nstore] = fcntl(fd, F_DUPFD_CLOEXEC, 512);
	return nstore++;
}

int fdstore_get(int id)
{
	if (store_sk[0] >= 0) {
		int fd;
		if (id < 0 || id >= *store_next || setsockopt(store_sk[1], SOL_SOCKET, SO_PEEK_OFF, &id, sizeof(id)) ||
		    __recv_fds(store_sk[1], &fd, 1, NULL, 0, MSG_PEEK))
			return -1;
		return fd;
	}
	if (id < 0 || id >= nstore)
		return -1;
	return fcntl(store[id], F_DUPFD_CLOEXEC, 3);
}

int send_fds(int sock, struct sockaddr_un *saddr, int len, int *fds, int nr_fds, void *data, unsigned ch_size)
{
	(void)data, (void)ch_size;
	for (int i = 0; i < nr_fds; i++) {
		char c = 0, cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { &c, 1 };
		struct msghdr mh = { .msg_name = saddr, .msg_namelen = saddr ? len : 0, .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *ch = CMSG_FIRSTHDR(&mh);
		ch->cmsg_level = SOL_SOCKET;
		ch->cmsg_type = SCM_RIGHTS;
		ch->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(ch), &fds[i], sizeof(int));
		if (sendmsg(sock, &mh, 0) < 0)
			return -1;
	}
	return 0;
}

int __recv_fds(int sock, int *fds, int nr_fds, void *data, unsigned ch_size, int flags)
{
	(void)data, (void)ch_size;
	for (int i = 0; i < nr_fds; i++) {
		char c, cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { &c, 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		if (recvmsg(sock, &mh, flags) <= 0)
			return -1;
		struct cmsghdr *ch = CMSG_FIRSTHDR(&mh);
		if (!ch)
			return -1;
		memcpy(&fds[i], CMSG_DATA(ch), sizeof(int));
	}
	return 0;
}

/* ---- ld --wrap ---- */
#define SYSFS_TOPOLOGY "/sys/class/kfd/kfd/topology/nodes"
static const char *redirect(const char *path, char *buf)
{
	if (strncmp(path, SYSFS_TOPOLOGY, strlen(SYSFS_TOPOLOGY)))
		return path;
	snprintf(buf, PATH_MAX, "%s%s", oracle_sysfs, path + strlen(SYSFS_TOPOLOGY));
	return buf;
}

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...)
{
	char buf[PATH_MAX];
	mode_t mode = 0;
	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	int fd = fk_open_device(path, flags);
	if (fd != -2)
		return fd;
	return __real_open(redirect(path, buf), flags, mode);
}

FILE *__real_fopen(const char *path, const char *mode);
FILE *__wrap_fopen(const char *path, const char *mode)
{
	char buf[PATH_MAX];
	return __real_fopen(redirect(path, buf), mode);
}

DIR *__real_opendir(const char *path);
DIR *__wrap_opendir(const char *path)
{
	char buf[PATH_MAX];
	return __real_opendir(redirect(path, buf));
}

int __real_stat(const char *path, struct stat *st);
int __wrap_stat(const char *path, struct stat *st)
{
	char buf[PATH_MAX];
	return __real_stat(redirect(path, buf), st);
}

int __real_ioctl(int fd, unsigned long req, void *arg);
int __wrap_ioctl(int fd, unsigned long req, void *arg)
{
	if (fk_kind_of_fd(fd, NULL) == OBJ_NONE)
		return __real_ioctl(fd, req, arg);
	long r = fk_ioctl(fd, req, arg);
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return 0;
}

int __real_close(int fd);
int __wrap_close(int fd)
{
	/* The restored task's standard streams: CRIU closing one of them is an ending of its own. */
	if (fd >= 0 && fd <= 2)
		rec_line("{\"call\":\"close\",\"dev\":\"task\",\"args\":{\"fd\":%d},\"ret\":0}", fd);
	return __real_close(fd);
}

size_t __real_fread(void *p, size_t size, size_t n, FILE *fp);
size_t __wrap_fread(void *p, size_t size, size_t n, FILE *fp)
{
	char link[64], path[PATH_MAX] = "";
	long at = -1;
	if (fp) {
		at = ftell(fp);
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fileno(fp));
		ssize_t k = readlink(link, path, sizeof(path) - 1);
		path[k > 0 ? k : 0] = 0;
	} else {
		rec_line("{\"call\":\"fread\",\"dev\":\"file\",\"args\":{\"file\":null,\"length\":%zu},\"ret\":0}", size * n);
	}
	size_t got = __real_fread(p, size, n, fp); /* fread(NULL) crashes as in CRIU */
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (!strncmp(base, "amdgpu-", 7) && strstr(base, "pages")) {
		rec_line("{\"call\":\"fread\",\"dev\":\"file\",\"args\":{\"file\":\"%s\",\"offset\":%ld,\"length\":%zu},\"ret\":%zu}", base, at,
			 size * n, got * size);
		fk_note_fill(p, got * size, base, at);
	}
	return got;
}

/* Threads run one at a time, each to its end at its creation, so that the recording has one order. CRIU's
 * parallel worker (restore_device_parallel_worker) instead runs when the resume hook joins it: it then takes
 * every command queued on its socket, as a worker slower than the restore would. */
extern void *restore_device_parallel_worker(void *arg) __attribute__((weak));
struct deferred {
	pthread_t id;
	void *(*f)(void *);
	void *arg;
};
static struct deferred deferred[8];
static int ndeferred;
static unsigned long next_thread = 1;

int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*f)(void *), void *arg);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*f)(void *), void *arg)
{
	(void)a;
	if (restore_device_parallel_worker && f == restore_device_parallel_worker) {
		deferred[ndeferred].id = (pthread_t)next_thread++;
		deferred[ndeferred].f = f;
		deferred[ndeferred].arg = arg;
		*t = deferred[ndeferred++].id;
		return 0;
	}
	f(arg);
	*t = (pthread_t)next_thread++;
	return 0;
}

int __wrap_pthread_join(pthread_t t, void **ret)
{
	for (int i = 0; i < ndeferred; i++)
		if (deferred[i].id == t && deferred[i].f) {
			void *(*f)(void *) = deferred[i].f;
			deferred[i].f = NULL;
			void *r = f(deferred[i].arg);
			if (ret)
				*ret = r;
			return 0;
		}
	if (ret)
		*ret = NULL;
	return 0;
}
