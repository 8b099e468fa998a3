/* The fake kernel's CRIU_OP RESUME of the SVM ranges CRIU_OP RESTORE stored (kfd_chardev.c criu_resume,
 * kfd_svm.c kfd_criu_resume_svm and svm_range_check_attr, Linux 6.12.118): per range, an undefined prefetch
 * location becomes SET_FLAGS 0, then each attribute must be of a known type and name, where it names one, a GPU
 * of the process. The range against the process's VMAs is not checked (the plugin's files do not carry them). */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "kfd_ioctl.h"
#include "oracle.h"
#include "fake_kfd_queue.h"

static uint8_t ranges[64][24 + 8 * (4 + 64)];
static uint32_t n_ranges, n_attrs, gpus[64], n_gpus;

void oracle_kfd_svm_reset(const struct kfd_ioctl_criu_args *a)
{
	const struct kfd_criu_device_bucket *dev = (const void *)(uintptr_t)a->devices;
	n_ranges = 0;
	n_gpus = a->num_devices < 64 ? a->num_devices : 64;
	n_attrs = 4 + n_gpus;
	for (uint32_t i = 0; i < n_gpus; i++)
		gpus[i] = dev[i].user_gpu_id;
}

void oracle_kfd_svm_keep(const uint8_t *range)
{
	if (n_ranges < 64)
		memcpy(ranges[n_ranges++], range, 24 + 8 * (uint64_t)n_attrs);
}

long oracle_kfd_svm_resume(const char **check)
{
	for (uint32_t r = 0; r < n_ranges; r++) {
		for (uint32_t i = 0; i < n_attrs; i++) {
			uint32_t type, value;
			memcpy(&type, ranges[r] + 24 + 8 * i, 4);
			memcpy(&value, ranges[r] + 28 + 8 * i, 4);
			if (type > 7) { /* KFD_IOCTL_SVM_ATTR_GRANULARITY is the last */
				*check = "svm-attr-type";
				return -EINVAL;
			}
			int names_gpu = type == 2 || type == 3 || type == 4 || ((type == 0 || type == 1) && value != 0 && value != 0xFFFFFFFF);
			int known = 0;
			for (uint32_t g = 0; g < n_gpus; g++)
				known |= gpus[g] == value;
			if (names_gpu && !known) {
				*check = "svm-attr-gpu";
				return -EINVAL;
			}
		}
	}
	return 0;
}
