/* SPDX-License-Identifier: MIT */
/*
 * bench_kmalloc - kmalloc/kfree and kmem_cache_alloc/kmem_cache_free against the
 * process's malloc/free (glibc, or a peer preloaded with LD_PRELOAD), in ns per
 * alloc+free pair.
 *
 * Three tests, each for sizes 16, 64, 256 and 1024, on one thread and on two (each
 * thread its own work, nothing shared):
 *   hot     allocate one object and free it at once, HOT_PAIRS times
 *   fifo    allocate BATCH objects, then free them all in allocation order
 *   random  the same, freed in a random order (one fixed permutation for everyone)
 * A timed hot run follows an untimed one, and the timed fifo and random batches an
 * untimed fifo batch on the same threads, so the memory a batch needs is already the
 * allocator's (what it keeps of it is its own affair). The objects are never written:
 * what is timed is the allocator's own work and memory traffic. The worker threads live as long as
 * the process, as an application's threads do.
 *
 * What each mode measures:
 *   kmm     kmalloc(SIZE) with SIZE a constant (the compile-time cache choice of
 *           kmalloc's __builtin_constant_p path), kmalloc with the same size hidden from
 *           the compiler (the run-time lookup in __kmalloc), and kmem_cache_alloc from a
 *           cache of SIZE-byte objects; every free is kfree / kmem_cache_free.
 *   malloc  malloc(SIZE)/free(p) of whatever malloc the process has.
 *
 * Usage:
 *   bench_kmalloc [-t hot|batch|all] kmm          one timed run of every test (after its
 *   bench_kmalloc [-t ...] [-l LABEL] malloc      warm-up), one line each:
 *                                                 "TEST SIZE THREADS ALLOCATOR NS",
 *                                                 ALLOCATOR being kmalloc, kmalloc-var,
 *                                                 kmem_cache, or LABEL for malloc
 *   bench_kmalloc OP SIZE PAIRS                   PAIRS hot pairs and nothing else, for
 *                                                 callgrind (OP: kmalloc, kmalloc-var,
 *                                                 kmem_cache or malloc)
 * scripts/bench.sh runs the kmm mode and the malloc mode once per peer (LD_PRELOAD)
 * in rounds, interleaved, takes the medians and prints the tables of the README; it
 * counts instructions per hot pair with callgrind as (Ir(N2) - Ir(N1)) / (N2 - N1).
 * Batches use kmalloc-var not at all: the size lookup is lost in a batch's cache misses.
 * To reproduce the README's tables: `make bench` (scripts/bench.sh build). The memory
 * kmm manages must hold two batches of 10^6 1 KiB objects: KMM_RAM=4G.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <kmm.h>
#include <linux/gfp.h>
#include <linux/slab.h>

#define HOT_PAIRS    2000000 /* ~20-40 ms a run: long enough to time, short enough to repeat */
#define HOT_WARMUP   100000
#define BATCH	     1000000 /* objects per thread in a batch, as issue 3 asks (-n changes it) */
#define MAX_THREADS  2
#define PERMUTE_SEED 0x9e3779b97f4a7c15ull

/* Keep @p alive: the compiler must assume it is read, so the pair is not elided. */
#define use(p) __asm__ __volatile__("" : : "r"(p) : "memory")

enum op { OP_KMALLOC, OP_KMALLOC_VAR, OP_KMEM_CACHE, OP_MALLOC, NR_OPS };
enum test { TEST_HOT, TEST_FIFO, TEST_RANDOM, NR_TESTS };

static const char *const op_names[NR_OPS] = { "kmalloc", "kmalloc-var", "kmem_cache", "malloc" };
static const char *const test_names[NR_TESTS] = { "hot", "fifo", "random" };
static const unsigned int sizes[] = { 16, 64, 256, 1024 };
#define NR_SIZES (sizeof(sizes) / sizeof(sizes[0]))

/* One cache per size for OP_KMEM_CACHE, created in kmm mode only. */
static struct kmem_cache *caches[NR_SIZES];
/* The free order of TEST_RANDOM: a permutation of 0..batch_objects-1, shared, read-only. */
static uint32_t *permutation;
/* Objects per thread in a batch: BATCH, or -n N (SLOB's batches are run smaller). */
static long batch_objects = BATCH;

/* ---- the loops ---------------------------------------------------------------------------- */

/*
 * The size is a parameter of an __always_inline function called with literals only, so
 * kmalloc() sees a constant and picks its cache at compile time, as kernel code does.
 */
static __always_inline void *alloc_one(enum op op, unsigned int size, unsigned int slot)
{
	size_t var = size;

	switch (op) {
	case OP_KMALLOC:
		return kmalloc(size, GFP_KERNEL);
	case OP_KMALLOC_VAR:
		__asm__("" : "+r"(var)); /* no longer a constant */
		return kmalloc(var, GFP_KERNEL);
	case OP_KMEM_CACHE:
		return kmem_cache_alloc(caches[slot], GFP_KERNEL);
	default:
		return malloc(size);
	}
}

static __always_inline void free_one(enum op op, unsigned int slot, void *p)
{
	switch (op) {
	case OP_KMALLOC:
	case OP_KMALLOC_VAR:
		kfree(p);
		break;
	case OP_KMEM_CACHE:
		kmem_cache_free(caches[slot], p);
		break;
	default:
		free(p);
	}
}

static __always_inline void hot(enum op op, unsigned int size, unsigned int slot, long pairs)
{
	for (long i = 0; i < pairs; i++) {
		void *p = alloc_one(op, size, slot);

		if (!p)
			abort();
		use(p);
		free_one(op, slot, p);
	}
}

static __always_inline void batch(enum op op, unsigned int size, unsigned int slot, void **v,
				  const uint32_t *order)
{
	for (long i = 0; i < batch_objects; i++) {
		v[i] = alloc_one(op, size, slot);
		if (!v[i])
			abort();
		use(v[i]);
	}
	if (order) {
		for (long i = 0; i < batch_objects; i++)
			free_one(op, slot, v[order[i]]);
	} else {
		for (long i = 0; i < batch_objects; i++)
			free_one(op, slot, v[i]);
	}
}

/*
 * One out-of-line function per operation and test, so that callgrind can name the hot
 * loops (bench_hot_kmalloc, ...), each a switch over constant sizes.
 */
#define BENCH_OP(name, op)                                                             \
	__attribute__((noinline)) void bench_hot_##name(unsigned int size, long pairs) \
	{                                                                              \
		switch (size) {                                                        \
		case 16:                                                               \
			hot(op, 16, 0, pairs);                                         \
			break;                                                         \
		case 64:                                                               \
			hot(op, 64, 1, pairs);                                         \
			break;                                                         \
		case 256:                                                              \
			hot(op, 256, 2, pairs);                                        \
			break;                                                         \
		case 1024:                                                             \
			hot(op, 1024, 3, pairs);                                       \
			break;                                                         \
		default:                                                               \
			abort();                                                       \
		}                                                                      \
	}                                                                              \
	__attribute__((noinline)) void bench_batch_##name(unsigned int size, void **v, \
							  const uint32_t *order)       \
	{                                                                              \
		switch (size) {                                                        \
		case 16:                                                               \
			batch(op, 16, 0, v, order);                                    \
			break;                                                         \
		case 64:                                                               \
			batch(op, 64, 1, v, order);                                    \
			break;                                                         \
		case 256:                                                              \
			batch(op, 256, 2, v, order);                                   \
			break;                                                         \
		case 1024:                                                             \
			batch(op, 1024, 3, v, order);                                  \
			break;                                                         \
		default:                                                               \
			abort();                                                       \
		}                                                                      \
	}

BENCH_OP(kmalloc, OP_KMALLOC)
BENCH_OP(kmalloc_var, OP_KMALLOC_VAR)
BENCH_OP(kmem_cache, OP_KMEM_CACHE)
BENCH_OP(malloc, OP_MALLOC)

static void (*const hot_fn[NR_OPS])(unsigned int,
				    long) = { bench_hot_kmalloc, bench_hot_kmalloc_var,
					      bench_hot_kmem_cache, bench_hot_malloc };
static void (*const batch_fn[NR_OPS])(unsigned int, void **, const uint32_t *) = {
	bench_batch_kmalloc, bench_batch_kmalloc_var, bench_batch_kmem_cache, bench_batch_malloc
};

/* ---- the worker threads ------------------------------------------------------------------- */

struct job {
	enum op op;
	enum test test;
	unsigned int size;
	long pairs; /* TEST_HOT */
	int threads;
	bool quit;
};

static struct job job;
static pthread_barrier_t start, done;
static double worker_ns[MAX_THREADS];

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	void **v = NULL;

	for (;;) {
		double t0;

		pthread_barrier_wait(&start);
		if (job.quit)
			break;
		if (id < job.threads) {
			if (job.test != TEST_HOT && !v)
				v = calloc((size_t)batch_objects, sizeof(*v));
			if (job.test != TEST_HOT && !v)
				abort();
			t0 = now_ns();
			if (job.test == TEST_HOT)
				hot_fn[job.op](job.size, job.pairs);
			else
				batch_fn[job.op](job.size, v,
						 job.test == TEST_RANDOM ? permutation : NULL);
			worker_ns[id] = now_ns() - t0;
		}
		pthread_barrier_wait(&done);
	}
	free(v);
	return NULL;
}

/* Run the current job on its threads: mean ns per pair over the threads. */
static double run_job(void)
{
	long pairs = job.test == TEST_HOT ? job.pairs : batch_objects;
	double sum = 0;

	pthread_barrier_wait(&start);
	pthread_barrier_wait(&done);
	for (int t = 0; t < job.threads; t++)
		sum += worker_ns[t] / (double)pairs;
	return sum / job.threads;
}

/* ---- set-up --------------------------------------------------------------------------------- */

static uint64_t xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Fisher-Yates with a fixed seed: every allocator frees in the same order. */
static uint32_t *make_permutation(void)
{
	uint32_t *perm = malloc((size_t)batch_objects * sizeof(*perm));
	uint64_t seed = PERMUTE_SEED;

	if (!perm)
		abort();
	for (uint32_t i = 0; i < (uint32_t)batch_objects; i++)
		perm[i] = i;
	for (uint32_t i = (uint32_t)batch_objects - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(xorshift64(&seed) % (i + 1));
		uint32_t t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	return perm;
}

/* kmm's rows name the slab back-end unless it is the default: "kmalloc-slab". */
static char backend_suffix[16];

static void kmm_setup(void)
{
	static char names[NR_SIZES][24];
	int err = kmm_init(NULL);

	if (err && err != -16 /* -EBUSY: already running */) {
		fprintf(stderr, "bench_kmalloc: kmm_init: %d\n", err);
		exit(1);
	}
	if (strcmp(kmm_slab_allocator(), "slub"))
		snprintf(backend_suffix, sizeof(backend_suffix), "-%s", kmm_slab_allocator());
	for (unsigned int i = 0; i < NR_SIZES; i++) {
		snprintf(names[i], sizeof(names[i]), "bench-%u", sizes[i]);
		caches[i] = kmem_cache_create(names[i], sizes[i], 0, 0, NULL);
		if (!caches[i]) {
			fprintf(stderr, "bench_kmalloc: cannot create cache %s\n", names[i]);
			exit(1);
		}
	}
}

/* Which shared object the process's malloc comes from: proof that LD_PRELOAD took. */
static const char *malloc_origin(void)
{
	void *sym = dlsym(RTLD_DEFAULT, "malloc");
	Dl_info info;

	if (sym && dladdr(sym, &info) && info.dli_fname)
		return info.dli_fname;
	return "?";
}

static int usage(void)
{
	fprintf(stderr, "usage: bench_kmalloc [-t hot|batch|all] [-n BATCH] [-l LABEL] kmm|malloc\n"
			"       bench_kmalloc OP SIZE PAIRS   (OP: kmalloc kmalloc-var kmem_cache "
			"malloc; SIZE: 16 64 256 1024)\n");
	return 2;
}

static int op_by_name(const char *name)
{
	for (int op = 0; op < NR_OPS; op++)
		if (!strcmp(name, op_names[op]))
			return op;
	return -1;
}

/* ---- main ------------------------------------------------------------------------------------ */

/* One timed run of @op/@test, printed as a line for scripts/bench.sh. */
static void measure(enum op op, enum test test, unsigned int size, int threads, const char *label)
{
	double ns;

	job = (struct job){
		.op = op, .test = test, .size = size, .threads = threads, .pairs = HOT_PAIRS
	};
	ns = run_job();
	printf("%s %u %d %s%s %.2f\n", test_names[test], size, threads,
	       label ? label : op_names[op], label ? "" : backend_suffix, ns);
	fflush(stdout);
}

/* An untimed run first: caches filled, batch memory already the allocator's. */
static void warm_up(enum op op, enum test test, unsigned int size, int threads)
{
	job = (struct job){
		.op = op, .test = test, .size = size, .threads = threads, .pairs = HOT_WARMUP
	};
	run_job();
}

static void run_tests(const enum op *ops, int nr_ops, bool hot_tests, bool batch_tests,
		      const char *label)
{
	for (unsigned int s = 0; s < NR_SIZES && hot_tests; s++) {
		for (int threads = 1; threads <= MAX_THREADS; threads++) {
			for (int o = 0; o < nr_ops; o++) {
				warm_up(ops[o], TEST_HOT, sizes[s], threads);
				measure(ops[o], TEST_HOT, sizes[s], threads, label);
			}
		}
	}
	/* kmalloc with a run-time size only in the hot test: a batch would hide the lookup. */
	for (unsigned int s = 0; s < NR_SIZES && batch_tests; s++) {
		for (int threads = 1; threads <= MAX_THREADS; threads++) {
			for (int o = 0; o < nr_ops; o++) {
				if (ops[o] == OP_KMALLOC_VAR)
					continue;
				warm_up(ops[o], TEST_FIFO, sizes[s], threads);
				measure(ops[o], TEST_FIFO, sizes[s], threads, label);
				measure(ops[o], TEST_RANDOM, sizes[s], threads, label);
			}
		}
	}
}

int main(int argc, char **argv)
{
	static const enum op kmm_ops[] = { OP_KMALLOC, OP_KMALLOC_VAR, OP_KMEM_CACHE };
	static const enum op malloc_ops[] = { OP_MALLOC };
	bool hot_tests = true, batch_tests = true;
	const char *label = NULL;
	pthread_t tid[MAX_THREADS];
	int opt;

	if (argc == 4 && op_by_name(argv[1]) >= 0) { /* OP SIZE PAIRS: for callgrind */
		int op = op_by_name(argv[1]);

		if (op != OP_MALLOC)
			kmm_setup();
		hot_fn[op]((unsigned int)atoi(argv[2]), atol(argv[3]));
		return 0;
	}
	while ((opt = getopt(argc, argv, "t:l:n:")) != -1) {
		if (opt == 'n') {
			batch_objects = atol(optarg);
			if (batch_objects < 1 || batch_objects > BATCH)
				return usage();
			continue;
		}
		if (opt == 't' && (!strcmp(optarg, "hot") || !strcmp(optarg, "batch") ||
				   !strcmp(optarg, "all"))) {
			hot_tests = strcmp(optarg, "batch") != 0;
			batch_tests = strcmp(optarg, "hot") != 0;
		} else if (opt == 'l') {
			label = optarg;
		} else {
			return usage();
		}
	}
	if (optind != argc - 1)
		return usage();
	if (!strcmp(argv[optind], "kmm")) {
		kmm_setup();
	} else if (!strcmp(argv[optind], "malloc")) {
		if (!label)
			label = "malloc";
		fprintf(stderr, "bench_kmalloc: %s: malloc is %s\n", label, malloc_origin());
	} else {
		return usage();
	}

	permutation = make_permutation();
	pthread_barrier_init(&start, NULL, MAX_THREADS + 1);
	pthread_barrier_init(&done, NULL, MAX_THREADS + 1);
	for (int t = 0; t < MAX_THREADS; t++)
		pthread_create(&tid[t], NULL, worker, (void *)(intptr_t)t);

	if (!strcmp(argv[optind], "kmm"))
		run_tests(kmm_ops, 3, hot_tests, batch_tests, NULL);
	else
		run_tests(malloc_ops, 1, hot_tests, batch_tests, label);

	job.quit = true;
	pthread_barrier_wait(&start);
	for (int t = 0; t < MAX_THREADS; t++)
		pthread_join(tid[t], NULL);
	return 0;
}
