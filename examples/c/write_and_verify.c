/*
 * A dumper's use of libcriuimage: the BOs and mappings of a render-node file as Linux 6.18's
 * DRM_IOCTL_AMDGPU_GEM_LIST_HANDLES and GEM_OP GET_MAPPING_INFO fill them (here made up, as there is no GPU),
 * written to an image that appears at commit, then verified for a 6.18 kernel.
 *
 *   cc write_and_verify.c $(pkg-config --cflags --libs criu-image) -o write_and_verify
 *   ./write_and_verify OUT.img        exit 0 when the image was written, verifies clean for 6.18, and
 *                                     CRIU's restore of it on 6.18 makes no call the kernel refuses
 *
 * It also shows what a failure looks like: a writer aborted half-way leaves nothing at its path, and a
 * mapping count that is not kept is refused with -EINVAL and a message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criu_image.h>

#if __has_include(<drm/amdgpu_drm.h>)
#include <drm/amdgpu_drm.h>
#endif

#ifndef AMDGPU_GEM_LIST_HANDLES_FLAG_IS_IMPORT
/* The 6.18 uapi structs (include/uapi/drm/amdgpu_drm.h), for headers older than 6.18. */
struct drm_amdgpu_gem_list_handles_entry {
	uint32_t gem_handle;
	uint32_t flags;
	uint64_t size;
	uint64_t preferred_domains;
	uint64_t alloc_flags;
	uint64_t alignment;
};
struct drm_amdgpu_gem_vm_entry {
	uint64_t addr;
	uint64_t size;
	uint64_t offset;
	uint64_t flags;
};
#endif

#define DOMAIN_VRAM 0x4
#define VM_PAGE_READABLE 0x2
#define VM_PAGE_WRITEABLE 0x4

static int fail(const char *what, int ret)
{
	char message[512];

	criu_image_last_error(message, sizeof(message));
	fprintf(stderr, "%s: %s (%d): %s\n", what, strerror(-ret), ret, message);
	return 1;
}

int main(int argc, char **argv)
{
	struct drm_amdgpu_gem_list_handles_entry bos[2] = {
		{ .gem_handle = 1, .size = 1 << 20, .preferred_domains = DOMAIN_VRAM, .alignment = 1 },
		{ .gem_handle = 2, .size = 64 << 10, .preferred_domains = DOMAIN_VRAM, .alignment = 1 },
	};
	struct drm_amdgpu_gem_vm_entry mappings[3] = {
		{ .addr = 0x100000000ull, .size = 512 << 10, .offset = 0, .flags = VM_PAGE_READABLE | VM_PAGE_WRITEABLE },
		{ .addr = 0x100080000ull, .size = 512 << 10, .offset = 512 << 10, .flags = VM_PAGE_READABLE },
		{ .addr = 0x200000000ull, .size = 64 << 10, .offset = 0, .flags = VM_PAGE_READABLE },
	};
	char err[4096];
	char *report = NULL;
	criu_image_writer *w;
	int existed;
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUT.img\n", argv[0]);
		return 2;
	}

	/* A folder that is not there: no writer, and the reason. */
	if (criu_image_writer_open("/nonexistent/x.cimg", CRIU_IMAGE_ABI_LINUX_6_18, err, sizeof(err)) || !strstr(err, "/nonexistent")) {
		fprintf(stderr, "open in a missing folder: %s\n", err);
		return 1;
	}

	/* An aborted writer leaves the path as it was. */
	existed = access(argv[1], F_OK) == 0;
	w = criu_image_writer_open(argv[1], CRIU_IMAGE_ABI_LINUX_6_18, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "open: %s\n", err);
		return 1;
	}
	criu_image_write_bo(w, &bos[0], 2);
	criu_image_writer_abort(w);
	if ((access(argv[1], F_OK) == 0) != existed) {
		fprintf(stderr, "the aborted image changed %s\n", argv[1]);
		return 1;
	}

	/* A count that is not kept is refused, and the writer then only aborts. */
	w = criu_image_writer_open(argv[1], CRIU_IMAGE_ABI_LINUX_6_18, err, sizeof(err));
	if (!w)
		return fail("open", -EIO);
	criu_image_write_bo(w, &bos[1], 1);
	ret = criu_image_write_mappings(w, mappings, 3);
	if (ret != -EINVAL) {
		fprintf(stderr, "three mappings for a BO of one: %d\n", ret);
		return 1;
	}
	fail("expected refusal", ret);
	ret = criu_image_writer_commit(w);
	if (ret != -EBADFD) {
		fprintf(stderr, "commit after a failure: %d\n", ret);
		return 1;
	}

	/* The image: each BO as GEM_LIST_HANDLES gave it, then its GET_MAPPING_INFO entries. */
	w = criu_image_writer_open(argv[1], CRIU_IMAGE_ABI_LINUX_6_18, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "open: %s\n", err);
		return 1;
	}
	ret = criu_image_write_bo_mmap(w, &bos[0], 2, 0x100000000ull);
	if (!ret)
		ret = criu_image_write_mappings(w, &mappings[0], 1);
	if (!ret)
		ret = criu_image_write_mappings(w, &mappings[1], 1);
	if (!ret)
		ret = criu_image_write_bo_mmap(w, &bos[1], 1, 0x100100000ull);
	if (!ret)
		ret = criu_image_write_mappings(w, &mappings[2], 1);
	if (ret) {
		criu_image_writer_abort(w);
		return fail("write", ret);
	}
	ret = criu_image_writer_commit(w);
	if (ret)
		return fail("commit", ret);

	ret = criu_image_verify(argv[1], "6.18.1", &report);
	if (ret < 0)
		return fail("verify", ret);
	printf("verify exit %d\n%s", ret, report ? report : "");
	if (criu_image_last_error(err, sizeof(err)))
		fprintf(stderr, "verify: %s\n", err);
	criu_image_free(report);
	if (ret != 0)
		return ret;

	/* The calls CRIU's restore would make on a 6.18 kernel, and whether it refuses any (exit 1). */
	ret = criu_image_plan(argv[1], "6.18.1", &report);
	if (ret < 0)
		return fail("plan", ret);
	printf("plan exit %d\n%s", ret, report ? report : "");
	criu_image_free(report);
	printf("libcriuimage %s\n", criu_image_version());
	return ret;
}
