/* SPDX-License-Identifier: MIT */
/*
 * shrinker.c - the registry of shrinkers and shrink_slab() (the kernel's mm/shrinker.c).
 *
 * Reclaim asks every registered shrinker how many objects it holds (count_objects) and
 * has it scan a share of them: (freeable >> priority) * 4 / seeks, plus the work deferred
 * from earlier calls that could not be done, in batches of shrinker->batch. Lower
 * priority numbers mean more pressure, so repeated passes scan more.
 *
 * shrinker_lock guards the list and each shrinker's deferred count. It is held while the
 * callbacks run, so a callback must not register or free shrinkers.
 */
#include <linux/shrinker.h>

#include "internal.h"

static DEFINE_MUTEX(shrinker_lock);
static LIST_HEAD(shrinker_list);

struct shrinker *shrinker_alloc(unsigned int flags, const char *fmt, ...)
{
	struct shrinker *shrinker;
	va_list ap;

	/* shrinkers are few: a zeroed page each */
	shrinker = (struct shrinker *)get_zeroed_page(GFP_KERNEL);
	if (!shrinker)
		return NULL;
	va_start(ap, fmt);
	vscnprintf(shrinker->name, sizeof(shrinker->name), fmt, ap);
	va_end(ap);
	shrinker->flags = flags | SHRINKER_ALLOCATED;
	shrinker->seeks = DEFAULT_SEEKS;
	INIT_LIST_HEAD(&shrinker->list);
	return shrinker;
}

void shrinker_register(struct shrinker *shrinker)
{
	if (WARN_ON(!(shrinker->flags & SHRINKER_ALLOCATED) || !shrinker->count_objects ||
		    !shrinker->scan_objects))
		return;
	mutex_lock(&shrinker_lock);
	list_add_tail(&shrinker->list, &shrinker_list);
	shrinker->flags |= SHRINKER_REGISTERED;
	mutex_unlock(&shrinker_lock);
}

void shrinker_free(struct shrinker *shrinker)
{
	if (!shrinker)
		return;
	mutex_lock(&shrinker_lock);
	if (shrinker->flags & SHRINKER_REGISTERED) {
		list_del(&shrinker->list);
		shrinker->flags &= ~SHRINKER_REGISTERED;
	}
	mutex_unlock(&shrinker_lock);
	free_page((unsigned long)shrinker);
}

static unsigned long do_shrink_slab(struct shrink_control *sc, struct shrinker *shrinker,
				    int priority)
{
	long batch_size = shrinker->batch ? shrinker->batch : SHRINK_BATCH;
	unsigned long freed = 0, freeable, delta, total_scan, scanned = 0;
	long nr, next_deferred;

	freeable = shrinker->count_objects(shrinker, sc);
	if (freeable == 0 || freeable == SHRINK_EMPTY)
		return freeable;
	nr = shrinker->nr_deferred;
	shrinker->nr_deferred = 0;
	if (shrinker->seeks) {
		delta = (freeable >> priority) * 4 / (unsigned long)shrinker->seeks;
	} else {
		/* objects that cost nothing to recreate: trim half each time */
		delta = freeable / 2;
	}
	total_scan = ((unsigned long)nr >> priority) + delta;
	total_scan = min(total_scan, 2 * freeable);
	/* scan whole batches; a cache smaller than a batch is scanned whole */
	while (total_scan >= (unsigned long)batch_size || total_scan >= freeable) {
		unsigned long ret, nr_to_scan = min((unsigned long)batch_size, total_scan);

		sc->nr_to_scan = nr_to_scan;
		sc->nr_scanned = nr_to_scan;
		ret = shrinker->scan_objects(shrinker, sc);
		if (ret == SHRINK_STOP)
			break;
		freed += ret;
		total_scan -= min(sc->nr_scanned, total_scan);
		scanned += sc->nr_scanned;
		if (!sc->nr_scanned)
			break;
	}
	next_deferred = (long)(nr + (long)delta - (long)scanned);
	next_deferred = clamp(next_deferred, 0L, (long)(2 * freeable));
	shrinker->nr_deferred += next_deferred;
	vm_event_add_global(SLABS_SCANNED, scanned);
	return freed;
}

unsigned long shrink_slab(gfp_t gfp_mask, int nid, int priority)
{
	struct shrinker *shrinker;
	unsigned long freed = 0;

	mutex_lock(&shrinker_lock);
	list_for_each_entry(shrinker, &shrinker_list, list) {
		struct shrink_control sc = { .gfp_mask = gfp_mask, .nid = nid };
		unsigned long ret = do_shrink_slab(&sc, shrinker, priority);

		if (ret != SHRINK_EMPTY)
			freed += ret;
	}
	mutex_unlock(&shrinker_lock);
	return freed;
}
