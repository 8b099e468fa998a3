/* The fake kernel's event checks (fake_kfd_event.c), called from its private-data walk. */
#ifndef FAKE_KFD_EVENT_H
#define FAKE_KFD_EVENT_H
#include <stdint.h>

#define SIGNAL_EVENT_LIMIT 4096 /* KFD_SIGNAL_EVENT_LIMIT (kfd_priv.h) */

/* The event ids the restored process's idr holds (0 is the kernel's own) and its signal event count. */
struct event_state {
	uint8_t taken[SIGNAL_EVENT_LIMIT];
	uint32_t other[4096], n_other;
	uint64_t signal_count;
};

void oracle_kfd_event_reset(struct event_state *st);
/* kfd_criu_restore_event after the event page: create_signal_event or create_other_event with the restored id.
 * *page_set and *mapped_size are the process's signal page and its mapped size. 0, or -errno with *check. */
long oracle_kfd_event_create(uint32_t type, uint32_t id, int *page_set, uint64_t *mapped_size, struct event_state *st,
			     const char **check);
#endif
