/* The fake kernel's checks of a restored event once its event page is mapped, as kfd_events.c (Linux 6.12.118; 6.1.192
 * and 7.2.13 alike) makes them: kfd_event_init_process takes id 0 and counts it as a signal event; create_signal_event
 * refuses a signal event past the mapped slots (-ENOSPC), allocate_event_notification_slot an id of the limit or more
 * (-EINVAL), and idr_alloc an id already taken (-ENOSPC), as create_other_event's does. */
#include <errno.h>
#include <string.h>
#include "fake_kfd_event.h"

#define REFUSE(e, what) do { *check = (what); return -(e); } while (0)

void oracle_kfd_event_reset(struct event_state *st)
{
	memset(st, 0, sizeof(*st));
	st->taken[0] = 1;
	st->signal_count = 1;
}

static int other_taken(const struct event_state *st, uint32_t id)
{
	for (uint32_t i = 0; i < st->n_other; i++)
		if (st->other[i] == id)
			return 1;
	return 0;
}

static long take(struct event_state *st, uint32_t id, const char **check)
{
	if ((id < SIGNAL_EVENT_LIMIT && st->taken[id]) || other_taken(st, id))
		REFUSE(ENOSPC, "event-id-taken");
	if (id < SIGNAL_EVENT_LIMIT)
		st->taken[id] = 1;
	else if (st->n_other < sizeof(st->other) / sizeof(st->other[0]))
		st->other[st->n_other++] = id;
	return 0;
}

long oracle_kfd_event_create(uint32_t type, uint32_t id, int *page_set, uint64_t *mapped_size, struct event_state *st,
			     const char **check)
{
	switch (type) {
	case 0: /* KFD_EVENT_TYPE_SIGNAL */
	case 5: /* KFD_EVENT_TYPE_DEBUG */
		if (*mapped_size && st->signal_count == *mapped_size / 8)
			REFUSE(ENOSPC, "event-count");
		if (!*page_set) {
			*page_set = 1;
			*mapped_size = 256 * 8; /* the kernel's own page, of which old user mode maps 256 slots */
		}
		if (id >= SIGNAL_EVENT_LIMIT)
			REFUSE(EINVAL, "event-id-limit");
		long r = take(st, id, check);
		if (!r)
			st->signal_count++;
		return r;
	case 3: /* KFD_EVENT_TYPE_HW_EXCEPTION */
	case 8: /* KFD_EVENT_TYPE_MEMORY */
		return take(st, id, check);
	default:
		REFUSE(EINVAL, "event-type");
	}
}
