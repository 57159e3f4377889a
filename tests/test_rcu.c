/* kmm-test: labels=unit;api env=KMM_RAM=512M,KMM_NR_CPUS=2 backends=all timeout=120 */
/*
 * RCU as kernel code uses it: read-side sections, synchronize_rcu(), call_rcu(),
 * rcu_barrier(), and kfree_rcu()/kvfree_rcu() in both forms with their batching: nothing
 * is freed while a reader that could see it is inside rcu_read_lock(), everything is
 * freed after kvfree_rcu_barrier() (or by the monitor, once a page's worth is queued),
 * kmem_cache_destroy() waits for a cache's pending objects, and fork() keeps it working.
 */
#include "kmm_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "internal.h"

#define BIG_SIZE  (64 * 1024) /* a large kmalloc: pages of its own, order 4 */
#define BIG_PAGES (BIG_SIZE / 4096)

struct big {
	struct rcu_head rh;
	unsigned long magic;
	char payload[BIG_SIZE - sizeof(struct rcu_head) - sizeof(unsigned long)];
};

/*
 * What is allocated, from the node counters (atomics, so that reading them races with
 * nobody): large kmalloc pages count as unreclaimable slab memory, vmalloc pages as
 * NR_VMALLOC. The kfree_rcu machinery's own pages of pointers are neither.
 */
static unsigned long pages_allocated(void)
{
	unsigned long pages = 0;
	int nid;

	for_each_online_node(nid)
		pages += (unsigned long)node_page_state(NODE_DATA(nid), NR_SLAB_UNRECLAIMABLE_B) /
				 4096 +
			 (unsigned long)node_page_state(NODE_DATA(nid), NR_VMALLOC);
	return pages;
}

/* On an allocation failure: free the first @n of @p (kfree(NULL) is nothing). */
static void kfree_array(void **p, int n)
{
	while (n--)
		kfree(p[n]);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- a reader thread that holds rcu_read_lock() until told to let go ---------------- */

struct reader {
	pthread_t thread;
	_Atomic int state; /* 0 starting, 1 inside rcu_read_lock(), 2 told to leave, 3 left */
};

static void *reader_fn(void *arg)
{
	struct reader *r = arg;

	rcu_read_lock();
	atomic_store(&r->state, 1);
	while (atomic_load(&r->state) != 2)
		sleep_ms(1);
	rcu_read_unlock();
	atomic_store(&r->state, 3);
	return NULL;
}

static void reader_start(struct reader *r)
{
	atomic_store(&r->state, 0);
	pthread_create(&r->thread, NULL, reader_fn, r);
	while (atomic_load(&r->state) != 1)
		sleep_ms(1);
}

static void reader_stop(struct reader *r)
{
	atomic_store(&r->state, 2);
	pthread_join(r->thread, NULL);
}

/* Run fn on a thread and tell when it returned. */
struct waiter {
	pthread_t thread;
	void (*fn)(void);
	_Atomic bool done;
};

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;

	w->fn();
	atomic_store(&w->done, true);
	return NULL;
}

static void waiter_start(struct waiter *w, void (*fn)(void))
{
	w->fn = fn;
	atomic_store(&w->done, false);
	pthread_create(&w->thread, NULL, waiter_fn, w);
}

/* ---- read side --------------------------------------------------------------------- */

TEST(read_lock_nests_and_is_atomic_context)
{
	CHECK(!rcu_read_lock_held());
	rcu_read_lock();
	CHECK(rcu_read_lock_held());
	CHECK(in_atomic());
	rcu_read_lock();
	rcu_read_unlock();
	CHECK(rcu_read_lock_held());
	rcu_read_unlock();
	CHECK(!rcu_read_lock_held());
	CHECK(!in_atomic());
}

struct node {
	int value;
};
static struct node *gp;

TEST(assign_and_dereference)
{
	struct node *n = kmalloc(sizeof(*n), GFP_KERNEL), *old;

	REQUIRE(n);
	n->value = 42;
	rcu_assign_pointer(gp, n);
	rcu_read_lock();
	CHECK_EQ(rcu_dereference(gp)->value, 42);
	rcu_read_unlock();
	old = rcu_replace_pointer(gp, NULL, true);
	CHECK(old == n);
	CHECK(rcu_access_pointer(gp) == NULL);
	synchronize_rcu();
	kfree(old);
}

/* ---- grace periods and callbacks -------------------------------------------------------- */

TEST(synchronize_rcu_waits_for_a_reader)
{
	struct reader r;
	struct waiter w;

	reader_start(&r);
	waiter_start(&w, synchronize_rcu);
	sleep_ms(100);
	CHECK(!atomic_load(&w.done)); /* the reader is still inside */
	reader_stop(&r);
	pthread_join(w.thread, NULL);
	CHECK(atomic_load(&w.done));
}

static _Atomic int callbacks_run;
static void count_callback(struct rcu_head *head)
{
	(void)head;
	atomic_fetch_add(&callbacks_run, 1);
}

TEST(call_rcu_runs_after_the_grace_period)
{
	static struct rcu_head heads[16];
	struct reader r;

	atomic_store(&callbacks_run, 0);
	reader_start(&r);
	for (int i = 0; i < 16; i++)
		call_rcu(&heads[i], count_callback);
	sleep_ms(100);
	CHECK_EQ(atomic_load(&callbacks_run), 0);
	reader_stop(&r);
	rcu_barrier();
	CHECK_EQ(atomic_load(&callbacks_run), 16);
}

static void call_rcu_in_irq(void *arg)
{
	call_rcu(arg, count_callback);
}

TEST(call_rcu_from_interrupt_context)
{
	static struct rcu_head head;

	atomic_store(&callbacks_run, 0);
	kmm_run_in_interrupt(call_rcu_in_irq, &head);
	rcu_barrier();
	CHECK_EQ(atomic_load(&callbacks_run), 1);
}

/* ---- kfree_rcu ------------------------------------------------------------------------------ */

TEST(kfree_rcu_two_arguments_frees_after_the_barrier)
{
	struct big *b[8];
	unsigned long before = pages_allocated(), loaded, after;

	for (int i = 0; i < 8; i++) {
		b[i] = kmalloc(sizeof(struct big), GFP_KERNEL);
		if (!b[i])
			kfree_array((void **)b, i);
		REQUIRE(b[i]);
	}
	loaded = pages_allocated();
	CHECK(loaded >= before + 8 * BIG_PAGES);
	for (int i = 0; i < 8; i++)
		kfree_rcu(b[i], rh);
	kvfree_rcu_barrier();
	after = pages_allocated();
	/* all 8 objects went back; the batch may have kept a few pages of pointers */
	CHECK(after + 8 * BIG_PAGES - 16 <= loaded);
}

TEST(kfree_rcu_null_is_nothing)
{
	struct big *none = NULL;

	kfree_rcu(none, rh);
	kfree_rcu(none);
	kvfree_rcu_barrier();
}

static struct big *held;
static void barrier_fn(void)
{
	kvfree_rcu_barrier();
}

TEST(kfree_rcu_waits_for_a_reader)
{
	unsigned long loaded;
	struct reader r;
	struct waiter w;

	held = kmalloc(sizeof(struct big), GFP_KERNEL);
	REQUIRE(held);
	held->magic = 0x5eed;
	reader_start(&r); /* a reader that may still see held */
	loaded = pages_allocated();
	kfree_rcu(held, rh);
	waiter_start(&w, barrier_fn);
	sleep_ms(100);
	CHECK(!atomic_load(&w.done));
	CHECK_EQ(held->magic, 0x5eed); /* the reader's view: still the object */
	CHECK(pages_allocated() + BIG_PAGES > loaded);
	reader_stop(&r);
	pthread_join(w.thread, NULL);
	CHECK(atomic_load(&w.done));
	CHECK(pages_allocated() + BIG_PAGES <= loaded + 16);
}

TEST(kfree_rcu_one_argument_and_mightsleep)
{
	unsigned long before = pages_allocated();
	void *p = kmalloc(BIG_SIZE, GFP_KERNEL), *q = kmalloc(BIG_SIZE, GFP_KERNEL);
	char *s = kstrdup("short", GFP_KERNEL);

	if (!(p && q && s)) {
		kfree(p);
		kfree(q);
		kfree(s);
	}
	REQUIRE(p && q && s);
	CHECK(pages_allocated() >= before + 2 * BIG_PAGES);
	kfree_rcu(p);
	kfree_rcu_mightsleep(q);
	kfree_rcu_mightsleep(s);
	kvfree_rcu_barrier();
	CHECK(pages_allocated() <= before + 16);
}

TEST(kvfree_rcu_vmalloc_memory)
{
	unsigned long before = pages_allocated();
	struct vobj {
		struct rcu_head rh;
		char data[1 << 20];
	} *v = vmalloc(sizeof(*v));
	void *w = kvmalloc(1 << 20, GFP_KERNEL);

	if (!(v && w)) {
		vfree(v);
		kvfree(w);
	}
	REQUIRE(v && w);
	CHECK(is_vmalloc_addr(v));
	CHECK(pages_allocated() >= before + 2 * 256);
	kvfree_rcu(v, rh);
	kvfree_rcu(w);
	kvfree_rcu_barrier();
	CHECK(pages_allocated() <= before + 16);
}

/*
 * A page's worth of objects is batched at once, not after the 5 s drain delay; without
 * any barrier, the monitor must free them. (No time is asserted: the wait is generous.)
 */
TEST(kfree_rcu_monitor_drains_a_full_page)
{
	enum { N = 600, SIZE = 16384 };
	static void *objs[N];
	unsigned long before = pages_allocated(), loaded;
	int waited = 0;

	for (int i = 0; i < N; i++) {
		objs[i] = kmalloc(SIZE, GFP_KERNEL);
		if (!objs[i])
			kfree_array(objs, i);
		REQUIRE(objs[i]);
	}
	loaded = pages_allocated();
	CHECK(loaded >= before + N * (SIZE / 4096));
	for (int i = 0; i < N; i++)
		kfree_rcu(objs[i]);
	while (pages_allocated() + (N * (SIZE / 4096)) / 2 > loaded && waited < 60000) {
		sleep_ms(10);
		waited += 10;
	}
	CHECK(pages_allocated() + (N * (SIZE / 4096)) / 2 <= loaded);
	kvfree_rcu_barrier();
}

static void kfree_rcu_two_arg_in_irq(void *arg)
{
	kfree_rcu((struct big *)arg, rh);
}

static void kfree_rcu_in_atomic_contexts(void *arg)
{
	struct big *b = kmalloc(sizeof(*b), GFP_KERNEL);
	void *p = kmalloc(64, GFP_KERNEL);

	(void)arg;
	kmm_run_in_interrupt(kfree_rcu_two_arg_in_irq, b); /* fine: it has an rcu_head */
	fprintf(stderr, "two-argument form done\n");
	preempt_disable();
	kfree_rcu(p); /* the head-less form may sleep: reported */
	preempt_enable();
	kvfree_rcu_barrier();
}

TEST(kfree_rcu_contexts)
{
	char *out = kmm_capture_stderr(kfree_rcu_in_atomic_contexts, NULL);
	char *second = strstr(out, "two-argument form done");

	REQUIRE(second);
	CHECK(!strstr(out, "BUG:") || strstr(out, "BUG:") > second);
	CHECK_STR_CONTAINS(second, "BUG: sleeping function called from invalid context");
	free(out);
}

/*
 * The pattern kfree_rcu() exists for: a writer publishes a new version of an object and
 * retires the old one with kfree_rcu() while a reader still looks at the old one under
 * rcu_read_lock(). In lock step, round after round: the reader takes the current
 * version; the writer replaces and retires it, then allocates an object of the same
 * size and scribbles over it (memory freed too early would come back right here: every
 * back-end hands out its last freed block first); only then does the reader check that
 * its version is unchanged, and leave.
 */
struct version {
	struct rcu_head rh;
	unsigned long id;
	unsigned long check[6]; /* id * 7 + i */
};
#define ROUNDS 300
static struct version *current_version;
static _Atomic int phase; /* 1 published, 2 reader holds it, 3 retired, 4 reader done */
static _Atomic unsigned long changed_under_reader;

#define STOP 5 /* the writer is done (after ROUNDS rounds, or on an allocation failure) */

static void wait_phase(int want)
{
	while (atomic_load(&phase) != want)
		sched_yield();
}

/*
 * Wait for @want, but no longer than @ms: false if it did not come. The writer's
 * headless kfree_rcu() falls back to synchronize_rcu() when it cannot allocate (as the
 * kernel's does), and that waits for the reader: the reader must not wait for it.
 */
static bool wait_phase_for(int want, long ms)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (atomic_load(&phase) != want) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >
		    ms)
			return false;
		sched_yield();
	}
	return true;
}

/* Wait for the next round; false when the writer says there is none. */
static bool wait_next_round(void)
{
	int now;

	while ((now = atomic_load(&phase)) != 1 && now != STOP)
		sched_yield();
	return now == 1;
}

static struct version *version_new(unsigned long id)
{
	struct version *v = kmalloc(sizeof(*v), GFP_KERNEL);

	if (v) {
		v->id = id;
		for (int i = 0; i < 6; i++)
			v->check[i] = id * 7 + (unsigned long)i;
	}
	return v;
}

static void *version_reader(void *arg)
{
	(void)arg;
	for (unsigned long r = 0; wait_next_round(); r++) {
		struct version *v;

		rcu_read_lock();
		v = rcu_dereference(current_version);
		atomic_store(&phase, 2);
		/* retired, and its memory offered to the next allocation (or the writer waits) */
		wait_phase_for(3, 2000);
		for (int i = 0; i < 6; i++)
			if (READ_ONCE(v->id) != r ||
			    READ_ONCE(v->check[i]) != r * 7 + (unsigned long)i)
				atomic_fetch_add(&changed_under_reader, 1);
		rcu_read_unlock();
		wait_phase(3);
		atomic_store(&phase, 4);
	}
	return NULL;
}

TEST(reader_keeps_its_version_until_it_leaves)
{
	pthread_t reader;

	atomic_store(&phase, 0);
	rcu_assign_pointer(current_version, version_new(0));
	REQUIRE(current_version);
	pthread_create(&reader, NULL, version_reader, NULL);
	for (unsigned long r = 0; r < ROUNDS; r++) {
		struct version *next = version_new(r + 1), *old;
		void *probe;

		CHECK(next);
		if (!next)
			break;
		atomic_store(&phase, 1);
		wait_phase(2);
		old = rcu_replace_pointer(current_version, next, true);
		if (r % 2)
			kfree_rcu(old, rh);
		else
			kfree_rcu(old);
		probe = kmalloc(sizeof(struct version), GFP_KERNEL);
		if (probe)
			memset(probe, 0xee, sizeof(struct version));
		atomic_store(&phase, 3);
		wait_phase(4);
		kfree(probe);
	}
	atomic_store(&phase, STOP);
	pthread_join(reader, NULL);
	CHECK_EQ(atomic_load(&changed_under_reader), 0);
	kfree_rcu(rcu_replace_pointer(current_version, (struct version *)NULL, true), rh);
	kvfree_rcu_barrier();
}

/* ---- kmem_cache_destroy with kfree_rcu objects in flight ------------------------------------ */

struct robj {
	unsigned long data[6];
	struct rcu_head rh;
};

/*
 * SLOB, like the kernel's, cannot kfree() a small cache object (a heap block keeps no
 * size), so kfree_rcu() of one is the kernel's 6.4+ use; its caches of whole pages can.
 */
static void destroy_with_pending(void *arg)
{
	bool slob = !strcmp(kmm_slab_allocator(), "slob");
	struct kmem_cache *c = kmem_cache_create("robj", slob ? 4096 : sizeof(struct robj), 0,
						 SLAB_NO_MERGE, NULL);
	char buf[32];

	(void)arg;
	if (!c) {
		fprintf(stderr, "cache creation failed\n");
		return;
	}
	for (int i = 0; i < 500; i++) {
		struct robj *o = kmem_cache_alloc(c, GFP_KERNEL);

		if (!o) {
			fprintf(stderr, "allocation failed\n");
			kmem_cache_destroy(c);
			return;
		}
		kfree_rcu(o, rh);
	}
	kmem_cache_destroy(c);
	fprintf(stderr, "destroyed: %d\n", kmm_slab_attr("robj", "objects", buf, sizeof(buf)));
}

TEST(kmem_cache_destroy_waits_for_kfree_rcu)
{
	char *out = kmm_capture_stderr(destroy_with_pending, NULL);

	CHECK(!strstr(out, "still has objects"));
	CHECK_STR_CONTAINS(out, "destroyed: -2"); /* gone: -ENOENT */
	free(out);
}

/* ---- fork ------------------------------------------------------------------------------------ */

static void child_after_fork(void *arg)
{
	static struct rcu_head head;
	unsigned long loaded = pages_allocated();

	(void)arg;
	/* the parent's pending objects are the child's copy: freed here too */
	kvfree_rcu_barrier();
	fprintf(stderr, "freed: %d\n", pages_allocated() + 8 * BIG_PAGES <= loaded + 16);
	atomic_store(&callbacks_run, 0);
	call_rcu(&head, count_callback);
	rcu_barrier();
	fprintf(stderr, "callbacks: %d\n", atomic_load(&callbacks_run));
	synchronize_rcu();
}

TEST(fork_with_pending_objects)
{
	struct big *b[8];
	unsigned long loaded;
	int status;
	char *out;

	/*
	 * The child starts threads (liburcu's, kfree_rcu's): under ThreadSanitizer that
	 * needs TSAN_OPTIONS=die_after_fork=0, which make test-tsan sets.
	 */
	for (int i = 0; i < 8; i++) {
		b[i] = kmalloc(sizeof(struct big), GFP_KERNEL);
		if (!b[i])
			kfree_array((void **)b, i);
		REQUIRE(b[i]);
	}
	loaded = pages_allocated();
	for (int i = 0; i < 8; i++)
		kfree_rcu(b[i], rh);
	out = kmm_run_child(child_after_fork, NULL, &status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "freed: 1");
	CHECK_STR_CONTAINS(out, "callbacks: 1");
	free(out);
	kvfree_rcu_barrier();
	CHECK(pages_allocated() + 8 * BIG_PAGES <= loaded + 16);
}

int main(void)
{
	return kmm_test_main();
}
