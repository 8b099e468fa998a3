/*
 * capture_process: captures a render-node descriptor of another running process with criu_image_capture_pid,
 * which takes the descriptor with pidfd_getfd and stops the process and its descendants while it reads, as
 * `criu-image capture --pid` does. What a tool written in C for something else (a job scheduler checking a
 * GPU job before it asks for a checkpoint) needs of libcriuimage: the header and one call.
 *
 * usage: capture_process PID FD OUT [TIMES [ERRLEN]]
 *   FD -1: the process's one descriptor open on /dev/dri/renderD*. Captures TIMES times (default 1: a test
 *   counts what a leak checker reports for 1 and for several), each line into a buffer of ERRLEN bytes
 *   (default 1024; a short one shows the line cut and NUL-terminated inside it).
 *   prints "capture R" and the call's line (empty, or a warning) per capture, then the two refusals below;
 *   exits 0 when every capture returned 0 and each refusal gave its errno.
 * Build: cc capture_process.c $(pkg-config --cflags --libs criu-image)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <criu_image.h>

int main(int argc, char **argv)
{
	if (argc < 4 || argc > 6) {
		fprintf(stderr, "usage: %s PID FD OUT [TIMES [ERRLEN]]\n", argv[0]);
		return 2;
	}
	/* Line by line, so that what was printed is out even if a leak checker ends the process at exit. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	int times = argc > 4 ? atoi(argv[4]) : 1;
	size_t errlen = argc > 5 ? (size_t)atoi(argv[5]) : 1024;
	/* Exactly errlen bytes on the heap: a sanitizer sees any read or write past them. */
	char *err = malloc(errlen);
	if (!err || times < 1)
		return 2;

	int captured = 0;
	for (int i = 0; i < times && captured == 0; i++) {
		captured = criu_image_capture_pid(atoi(argv[1]), atoi(argv[2]), argv[3], CRIU_IMAGE_ABI_LINUX_6_18, 0, err, errlen);
		printf("capture %d %s\n", captured, err);
	}

	/* Arguments the call refuses: one line and a negative errno, nothing written. */
	int no_pid = criu_image_capture_pid(0, -1, argv[3], CRIU_IMAGE_ABI_LINUX_6_18, 0, err, errlen);
	printf("pid 0: %d %s\n", no_pid, err);
	int bad_flags = criu_image_capture_pid(atoi(argv[1]), atoi(argv[2]), argv[3], CRIU_IMAGE_ABI_LINUX_6_18, 0x80u, err, errlen);
	printf("flags 0x80: %d %s\n", bad_flags, err);
	free(err);
	return captured == 0 && no_pid == -EINVAL && bad_flags == -EINVAL ? 0 : 1;
}
