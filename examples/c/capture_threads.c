/*
 * capture_threads: takes a render-node descriptor of a running process and captures it into images from
 * several threads at once with criu_image_capture, then verifies each with criu_image_verify, also from
 * several threads. What a dumper written in C does with libcriuimage, and the test of its thread safety.
 *
 * usage: capture_threads PID FD OUTDIR THREADS
 *   PID 0: FD is a descriptor of this process (a dumper that opened the render node itself).
 *   writes OUTDIR/capture-N.img for N = 0 .. THREADS-1; prints one line per thread; exits 0 when every
 *   capture returned 0 and every verify found nothing at error level.
 * Build: cc -pthread capture_threads.c $(pkg-config --cflags --libs criu-image)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <criu_image.h>

#define MAX_THREADS 16

struct job {
	int fd;
	char path[4096];
	int captured;
	int verified;
	char err[512];
};

static pthread_barrier_t start;

static void *capture(void *arg)
{
	struct job *job = arg;
	/* All threads enter the library together. */
	pthread_barrier_wait(&start);
	job->captured = criu_image_capture(job->fd, job->path, CRIU_IMAGE_ABI_LINUX_6_18, job->err, sizeof(job->err));
	return NULL;
}

static void *verify(void *arg)
{
	struct job *job = arg;
	char *report = NULL;
	pthread_barrier_wait(&start);
	job->verified = criu_image_verify(job->path, "6.18.1", &report);
	criu_image_free(report);
	return NULL;
}

static int run_all(void *(*body)(void *), struct job *jobs, int count)
{
	pthread_t threads[MAX_THREADS];
	pthread_barrier_init(&start, NULL, (unsigned)count);
	for (int i = 0; i < count; i++)
		if (pthread_create(&threads[i], NULL, body, &jobs[i]) != 0)
			return -1;
	for (int i = 0; i < count; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&start);
	return 0;
}

int main(int argc, char **argv)
{
	struct job jobs[MAX_THREADS];
	char err[512];
	int failed = 0;

	if (argc != 5) {
		fprintf(stderr, "usage: %s PID FD OUTDIR THREADS\n", argv[0]);
		return 2;
	}
	int count = atoi(argv[4]);
	if (count < 1 || count > MAX_THREADS) {
		fprintf(stderr, "THREADS must be 1 to %d\n", MAX_THREADS);
		return 2;
	}

	/* The process's descriptor, duplicated into this one: needs ptrace rights over the process. */
	int pid = atoi(argv[1]);
	int pidfd = pid == 0 ? -1 : (int)syscall(SYS_pidfd_open, pid, 0);
	int fd = pid == 0 ? atoi(argv[2]) : pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, atoi(argv[2]), 0);
	if (fd < 0) {
		fprintf(stderr, "cannot take descriptor %s of process %s: %s\n", argv[2], argv[1], strerror(errno));
		return 2;
	}

	/* A descriptor that is not open: a negative errno and one line, nothing written. */
	snprintf(jobs[0].path, sizeof(jobs[0].path), "%s/closed.img", argv[3]);
	int closed = criu_image_capture(-1, jobs[0].path, CRIU_IMAGE_ABI_LINUX_6_18, err, sizeof(err));
	printf("closed descriptor: %d %s\n", closed, err);

	for (int i = 0; i < count; i++) {
		jobs[i].fd = fd;
		jobs[i].err[0] = 0;
		snprintf(jobs[i].path, sizeof(jobs[i].path), "%s/capture-%d.img", argv[3], i);
	}
	if (run_all(capture, jobs, count) || run_all(verify, jobs, count)) {
		fprintf(stderr, "pthread_create failed\n");
		return 2;
	}
	for (int i = 0; i < count; i++) {
		printf("thread %d: capture %d verify %d %s\n", i, jobs[i].captured, jobs[i].verified, jobs[i].err);
		failed |= jobs[i].captured != 0 || jobs[i].verified != 0;
	}
	close(fd);
	if (pidfd >= 0)
		close(pidfd);
	return failed ? 1 : 0;
}
