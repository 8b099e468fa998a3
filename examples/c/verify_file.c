/*
 * A program that knows nothing of criu-image but its header: `verify_file PATH [KERNEL]` prints the JSON report
 * of criu-image verify for PATH (an image, a CRIU dump folder, a checkpoint archive) and exits with its status.
 * Strict ISO C99, so the header has to be too:
 *
 *   cc -std=c99 -pedantic -Wall -Wextra -Werror verify_file.c $(pkg-config --cflags --libs criu-image)
 */
#include <stdio.h>

#include <criu_image.h>

int main(int argc, char **argv)
{
	char *report = NULL;
	char message[1024];
	int status;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s PATH [KERNEL-RELEASE]\n", argv[0]);
		return 2;
	}

	status = criu_image_verify(argv[1], argc == 3 ? argv[2] : NULL, &report);
	if (report != NULL)
		fputs(report, stdout);
	criu_image_free(report);
	if (criu_image_last_error(message, sizeof(message)) > 0)
		fprintf(stderr, "%s\n", message);
	return status < 0 ? 2 : status;
}
