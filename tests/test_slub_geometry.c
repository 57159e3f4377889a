/* kmm-test: labels=unit */
/*
 * test_slub_geometry.c - SLUB cache geometry against the real kernel.
 *
 * The reference is Linux itself: /sys/kernel/slab shows, for every cache, its object
 * size, flags, final alignment and what the kernel computed from them (slab_size,
 * order, objs_per_slab, cpu_partial, min_partial). For each cache we create the same
 * cache on paper with slub_calculate_geometry() and compare:
 *  1. with tests/data/sys_kernel_slab.txt, a snapshot of a Linux 6.18 machine made by
 *     scripts/snapshot-sys-slab.sh (so the test means the same on every machine);
 *  2. with the live /sys/kernel/slab, if this machine has one (skipped with a note
 *     where it does not, or where its page size is not kmm's 4 KiB);
 *  3. with hand-computed cases, the arithmetic written out beside them.
 *
 * Recreating a cache from what sysfs shows:
 *  - align: sysfs shows the final alignment, not the requested one. Passing it back as
 *    the request gives the same alignment (calculate_alignment() is idempotent, which
 *    the test checks), and the geometry depends on the final alignment only.
 *  - flags: the attributes reclaim_account, hwcache_align, cache_dma, destroy_by_rcu,
 *    red_zone, poison, store_user, sanity_checks and trace. SLAB_KMALLOC has no
 *    attribute; it is taken from the name (kmalloc-*, dma-kmalloc-*), and matters only
 *    for kmalloc caches with store_user (the request size kept after the tracks).
 *  - constructor: the ctor attribute prints the constructor's symbol, or nothing.
 *  - freeptr_offset: SLAB_TYPESAFE_BY_RCU caches may be created with
 *    kmem_cache_args.freeptr_offset, a word inside the object where the free pointer
 *    may go; they then need no extra word after the object. sysfs does not show it,
 *    so the test takes it from the kernel's source for the 6.18 caches that use it
 *    (filp, bfilp, vm_area_struct). For any other RCU cache without a constructor
 *    (another kernel, a module) it is inferred: first without it, and if slab_size then
 *    differs, with it (its value does not change the geometry); the test names every
 *    cache it inferred it for. Order, objects and the partial limits are still checked
 *    against what the kernel computed.
 *  - CPUs: calculate_order() counts present CPUs (/sys/devices/system/cpu/present),
 *    falling back to the possible ones (nr_cpu_ids) when only one is present.
 * Caches that merged into another appear in sysfs as symlinks (aliases): they have no
 * geometry of their own and are not listed. A merged cache's object_size may have
 * grown to the largest merged size; that leaves slab_size unchanged (a cache takes only
 * requests whose word-rounded size equals its slab_size), so it is recreated with the
 * object_size sysfs shows.
 * Not visible and assumed off: slab_debug=O (disable_higher_order_debug), KASAN.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "kmm_test.h"
#include "internal.h"

#define SNAPSHOT "data/sys_kernel_slab.txt"
#define SYS_SLAB "/sys/kernel/slab"
#define SYS_CPU	 "/sys/devices/system/cpu"

/* One cache as /sys/kernel/slab shows it. */
struct sys_cache {
	char name[256];
	unsigned int object_size, slab_size, align, order, objs_per_slab;
	unsigned int cpu_partial, min_partial;
	bool ctor;
	slab_flags_t flags;
};

/* The machine the caches come from. */
struct sys_machine {
	char kernel[128];
	unsigned int nr_cpu_ids, nr_present_cpus, page_size, cache_line_size;
};

/* sysfs flag attributes and the creation flags they show. */
static const struct {
	const char *attr;
	slab_flags_t flag;
} sys_flags[] = {
	{ "reclaim_account", SLAB_RECLAIM_ACCOUNT },
	{ "hwcache_align", SLAB_HWCACHE_ALIGN },
	{ "cache_dma", SLAB_CACHE_DMA },
	{ "destroy_by_rcu", SLAB_TYPESAFE_BY_RCU },
	{ "red_zone", SLAB_RED_ZONE },
	{ "poison", SLAB_POISON },
	{ "store_user", SLAB_STORE_USER },
	{ "sanity_checks", SLAB_CONSISTENCY_CHECKS },
	{ "trace", SLAB_TRACE },
};

/* Where a numeric attribute goes in struct sys_cache. */
static unsigned int *sys_cache_field(struct sys_cache *c, const char *attr)
{
	static const struct {
		const char *attr;
		size_t off;
	} fields[] = {
		{ "object_size", offsetof(struct sys_cache, object_size) },
		{ "slab_size", offsetof(struct sys_cache, slab_size) },
		{ "align", offsetof(struct sys_cache, align) },
		{ "order", offsetof(struct sys_cache, order) },
		{ "objs_per_slab", offsetof(struct sys_cache, objs_per_slab) },
		{ "cpu_partial", offsetof(struct sys_cache, cpu_partial) },
		{ "min_partial", offsetof(struct sys_cache, min_partial) },
	};

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (!strcmp(fields[i].attr, attr))
			return (unsigned int *)((char *)c + fields[i].off);
	return NULL;
}

/* Set attribute @attr of @c from its sysfs text; false if it is one the test needs
 * and @value is not a number. Attributes the test does not use are ignored. */
static bool sys_cache_set(struct sys_cache *c, const char *attr, const char *value)
{
	unsigned int *field = sys_cache_field(c, attr);
	char *end;

	if (!strcmp(attr, "ctor")) {
		c->ctor = value[0] && strcmp(value, "0");
		return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(sys_flags); i++) {
		if (strcmp(sys_flags[i].attr, attr))
			continue;
		if (strtoul(value, &end, 10))
			c->flags |= sys_flags[i].flag;
		return end != value;
	}
	if (!field)
		return true;
	*field = (unsigned int)strtoul(value, &end, 10);
	return end != value;
}

static bool is_kmalloc_cache_name(const char *name)
{
	return !strncmp(name, "kmalloc-", 8) || !strncmp(name, "dma-kmalloc-", 12);
}

/* ---- recreating a cache ---------------------------------------------------------- */

static struct slub_geometry_args cache_args(const struct sys_cache *c, const struct sys_machine *m)
{
	struct slub_geometry_args args = {
		.object_size = c->object_size,
		.align = c->align,
		.flags = c->flags,
		.has_ctor = c->ctor,
		.nr_cpus = m->nr_present_cpus,
		.nr_cpu_ids = m->nr_cpu_ids,
		.cache_line_size = m->cache_line_size,
	};

	if (is_kmalloc_cache_name(c->name))
		args.flags |= SLAB_KMALLOC;
	return args;
}

/*
 * Caches that Linux 6.18 creates with kmem_cache_args.freeptr_offset (fs/file_table.c,
 * mm/vma_init.c). Only vm_area_struct's slab_size depends on it here: filp and bfilp
 * come out the same either way, thanks to their alignment padding.
 */
static const char *const freeptr_offset_users[] = { "filp", "bfilp", "vm_area_struct" };

static bool is_freeptr_offset_user(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(freeptr_offset_users); i++)
		if (!strcmp(name, freeptr_offset_users[i]))
			return true;
	return false;
}

/*
 * Compute @c's geometry into @g. Another RCU cache whose slab_size shows no word for the
 * free pointer after the object was created with a freeptr_offset too (a kernel other
 * than 6.18, or a module): that is inferred, and said (see the top comment).
 */
static int recreate(const struct sys_cache *c, const struct sys_machine *m, struct slub_geometry *g,
		    bool *inferred_freeptr)
{
	struct slub_geometry_args args = cache_args(c, m);
	int err;

	*inferred_freeptr = false;
	if (is_freeptr_offset_user(c->name) && (c->flags & SLAB_TYPESAFE_BY_RCU)) {
		/* The value does not change the geometry, any word inside the object does. */
		args.use_freeptr_offset = true;
		args.freeptr_offset = 0;
	}
	err = slub_calculate_geometry(&args, g);
	if (err || g->size == c->slab_size || !(c->flags & SLAB_TYPESAFE_BY_RCU) || c->ctor ||
	    args.use_freeptr_offset)
		return err;
	args.use_freeptr_offset = true;
	args.freeptr_offset = 0;
	*inferred_freeptr = true;
	return slub_calculate_geometry(&args, g);
}

static int report_mismatch(const char *where, const char *name, const char *what, unsigned long got,
			   unsigned long want)
{
	fprintf(stderr, "%s: cache %s: %s computed %lu, kernel %lu\n", where, name, what, got,
		want);
	kmm_failures++;
	return 1;
}

/* Compare one cache; returns the number of mismatching attributes. */
static int check_cache(const char *where, const struct sys_cache *c, const struct sys_machine *m,
		       int *nr_inferred)
{
	struct slub_geometry g;
	bool inferred;
	int bad = 0;

	if (recreate(c, m, &g, &inferred)) {
		fprintf(stderr, "%s: cache %s: slub_calculate_geometry refused it\n", where,
			c->name);
		kmm_failures++;
		return 1;
	}
	if (inferred) {
		printf("  %s: %s: free pointer inside the object (freeptr_offset inferred)\n",
		       where, c->name);
		(*nr_inferred)++;
	}
	if (g.size != c->slab_size)
		bad += report_mismatch(where, c->name, "slab_size", g.size, c->slab_size);
	if (g.align != c->align)
		bad += report_mismatch(where, c->name, "align", g.align, c->align);
	if (g.order != c->order)
		bad += report_mismatch(where, c->name, "order", g.order, c->order);
	if (g.objects != c->objs_per_slab)
		bad += report_mismatch(where, c->name, "objs_per_slab", g.objects,
				       c->objs_per_slab);
	if (g.cpu_partial != c->cpu_partial)
		bad += report_mismatch(where, c->name, "cpu_partial", g.cpu_partial,
				       c->cpu_partial);
	if (g.min_partial != c->min_partial)
		bad += report_mismatch(where, c->name, "min_partial", g.min_partial,
				       c->min_partial);
	return bad;
}

struct cache_list {
	struct sys_cache *v;
	size_t n, cap;
};

static struct sys_cache *cache_list_add(struct cache_list *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v) {
			perror("realloc");
			exit(2);
		}
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

/* Check every cache; prints the tally. */
static void check_all(const char *where, const struct cache_list *l, const struct sys_machine *m)
{
	int matched = 0, nr_inferred = 0;

	for (size_t i = 0; i < l->n; i++)
		matched += check_cache(where, &l->v[i], m, &nr_inferred) == 0;
	printf("  %s: %d of %zu caches match (kernel %s, %u present / %u possible CPUs; "
	       "freeptr_offset inferred for %d)\n",
	       where, matched, l->n, m->kernel, m->nr_present_cpus, m->nr_cpu_ids, nr_inferred);
}

/* ---- 1. the shipped snapshot ------------------------------------------------------- */

/* tests/data/..., found beside this source file (the build passes KMM_TEST_DIR). */
static void snapshot_path(char *buf, size_t size)
{
	const char *env = getenv("KMM_SLAB_SNAPSHOT");
	const char *file = __FILE__, *slash = strrchr(file, '/');

	if (env)
		snprintf(buf, size, "%s", env);
#ifdef KMM_TEST_DIR
	else if (1)
		snprintf(buf, size, "%s/%s", KMM_TEST_DIR, SNAPSHOT);
#endif
	else if (slash)
		snprintf(buf, size, "%.*s/%s", (int)(slash - file), file, SNAPSHOT);
	else
		snprintf(buf, size, "%s", SNAPSHOT);
}

#define MAX_FIELDS 64

static int read_snapshot(const char *path, struct cache_list *l, struct sys_machine *m)
{
	char line[4096], *fields[MAX_FIELDS];
	int nr_fields = 0, lineno = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *tok[MAX_FIELDS], *save;
		int n = 0;

		lineno++;
		for (char *t = strtok_r(line, " \t\n", &save); t && n < MAX_FIELDS;
		     t = strtok_r(NULL, " \t\n", &save))
			tok[n++] = t;
		if (!n || tok[0][0] == '#')
			continue;
		if (!strcmp(tok[0], "fields")) {
			for (nr_fields = 0; nr_fields < n - 1; nr_fields++)
				fields[nr_fields] = strdup(tok[nr_fields + 1]);
		} else if (!strcmp(tok[0], "cache")) {
			struct sys_cache *c = cache_list_add(l);

			if (n - 1 != nr_fields) {
				fprintf(stderr, "%s:%d: %d values for %d fields\n", path, lineno,
					n - 1, nr_fields);
				fclose(f);
				return -EINVAL;
			}
			for (int i = 0; i < nr_fields; i++) {
				if (!strcmp(fields[i], "name"))
					snprintf(c->name, sizeof(c->name), "%s", tok[i + 1]);
				else if (!sys_cache_set(c, fields[i], tok[i + 1]))
					fprintf(stderr, "%s:%d: bad %s\n", path, lineno, fields[i]);
			}
		} else if (n == 2) {
			if (!strcmp(tok[0], "kernel"))
				snprintf(m->kernel, sizeof(m->kernel), "%s", tok[1]);
			else if (!strcmp(tok[0], "nr_cpu_ids"))
				m->nr_cpu_ids = (unsigned int)atoi(tok[1]);
			else if (!strcmp(tok[0], "nr_present_cpus"))
				m->nr_present_cpus = (unsigned int)atoi(tok[1]);
			else if (!strcmp(tok[0], "page_size"))
				m->page_size = (unsigned int)atoi(tok[1]);
			else if (!strcmp(tok[0], "cache_line_size"))
				m->cache_line_size = (unsigned int)atoi(tok[1]);
		}
	}
	fclose(f);
	for (int i = 0; i < nr_fields; i++)
		free(fields[i]);
	return 0;
}

TEST(snapshot)
{
	struct cache_list l = { 0 };
	struct sys_machine m = { 0 };
	char path[4096];

	snapshot_path(path, sizeof(path));
	if (read_snapshot(path, &l, &m))
		fprintf(stderr, "%s: cannot read (set KMM_SLAB_SNAPSHOT)\n", path);
	REQUIRE(l.n > 0);
	/* A Linux 6.18 machine with 2 CPUs and some 230 caches. */
	CHECK(l.n >= 200);
	CHECK_EQ(m.page_size, PAGE_SIZE);
	CHECK(m.nr_present_cpus >= 1 && m.nr_cpu_ids >= m.nr_present_cpus);
	check_all("snapshot", &l, &m);
	free(l.v);
}

/* ---- 2. the live kernel --------------------------------------------------------------- */

/* First line of a sysfs file, without the newline; false if it cannot be read. */
static bool read_sysfs(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)size, f) != NULL;
	if (!ok && !ferror(f)) {
		buf[0] = '\0'; /* an empty attribute (ctor of a cache without one) */
		ok = true;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

/* Number of CPUs in a list such as "0-3,8,10-11". */
static unsigned int count_cpu_list(const char *list)
{
	unsigned int n = 0;

	while (*list) {
		char *end;
		unsigned long lo = strtoul(list, &end, 10), hi = lo;

		if (end == list)
			break;
		if (*end == '-')
			hi = strtoul(end + 1, &end, 10);
		n += (unsigned int)(hi - lo + 1);
		list = *end == ',' ? end + 1 : end;
	}
	return n;
}

static bool read_live_machine(struct sys_machine *m)
{
	char buf[256];

	if (!read_sysfs("/proc/sys/kernel/osrelease", m->kernel, sizeof(m->kernel)))
		snprintf(m->kernel, sizeof(m->kernel), "(unknown)");
	if (!read_sysfs(SYS_CPU "/possible", buf, sizeof(buf)))
		return false;
	m->nr_cpu_ids = count_cpu_list(buf);
	if (!read_sysfs(SYS_CPU "/present", buf, sizeof(buf)))
		return false;
	m->nr_present_cpus = count_cpu_list(buf);
	m->page_size = (unsigned int)sysconf(_SC_PAGESIZE);
	m->cache_line_size = 0; /* the kernel's: 64 on x86-64 */
	if (read_sysfs(SYS_CPU "/cpu0/cache/index0/coherency_line_size", buf, sizeof(buf)))
		m->cache_line_size = (unsigned int)atoi(buf);
	return true;
}

static const char *const live_attrs[] = {
	"object_size",	 "slab_size",	   "align",    "order",		  "objs_per_slab",
	"cpu_partial",	 "min_partial",	   "ctor",     "reclaim_account", "hwcache_align",
	"cache_dma",	 "destroy_by_rcu", "red_zone", "poison",	  "store_user",
	"sanity_checks", "trace",
};

/* Read every real cache of the live /sys/kernel/slab; false if an attribute fails. */
static bool read_live_caches(DIR *dir, struct cache_list *l)
{
	struct dirent *de;
	bool ok = true;

	while ((de = readdir(dir))) {
		char path[512], value[256];
		struct sys_cache *c;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), SYS_SLAB "/%s", de->d_name);
		if (lstat(path, &st) || !S_ISDIR(st.st_mode))
			continue; /* aliases are symlinks */
		c = cache_list_add(l);
		snprintf(c->name, sizeof(c->name), "%s", de->d_name);
		for (size_t i = 0; i < ARRAY_SIZE(live_attrs); i++) {
			snprintf(path, sizeof(path), SYS_SLAB "/%s/%s", de->d_name, live_attrs[i]);
			if (!read_sysfs(path, value, sizeof(value)) ||
			    !sys_cache_set(c, live_attrs[i], value)) {
				fprintf(stderr, "live: cache %s: cannot read %s\n", c->name,
					live_attrs[i]);
				kmm_failures++;
				ok = false;
			}
		}
	}
	return ok;
}

TEST(live_sys_kernel_slab)
{
	struct cache_list l = { 0 };
	struct sys_machine m = { 0 };
	DIR *dir = opendir(SYS_SLAB);

	if (!dir) {
		printf("  note: live check skipped: %s: %s\n", SYS_SLAB, strerror(errno));
		return;
	}
	REQUIRE(read_live_machine(&m));
	if (m.page_size != PAGE_SIZE) {
		/* kmm's geometry is for 4 KiB pages; another page size is another kernel. */
		printf("  note: live check skipped: page size %u, kmm's is %lu\n", m.page_size,
		       PAGE_SIZE);
		closedir(dir);
		return;
	}
	read_live_caches(dir, &l);
	closedir(dir);
	CHECK(l.n > 0);
	check_all("live", &l, &m);
	free(l.v);
}

/* ---- 3. hand-computed cases -------------------------------------------------------------- */

static struct slub_geometry geometry(unsigned int size, unsigned int align, slab_flags_t flags,
				     unsigned int nr_cpus)
{
	struct slub_geometry_args args = {
		.object_size = size, .align = align, .flags = flags, .nr_cpus = nr_cpus
	};
	struct slub_geometry g;

	CHECK_EQ(slub_calculate_geometry(&args, &g), 0);
	return g;
}

/*
 * kmalloc-8 .. kmalloc-8k with 2 CPUs: min_objects = 4 * (fls(2) + 1) = 12, and the
 * smallest order holding 12 objects wastes at most 1/16 of the slab (96 and 192 leave
 * 64 bytes of 4096) except where slab_max_order 3 caps the objects: 4k holds 8 and 8k
 * 4 in 32 KiB. kmalloc alignment is the largest power of two dividing the size.
 */
TEST(kmalloc_caches_2_cpus)
{
	static const struct {
		unsigned int size, align, order, objects, cpu_partial, min_partial;
	} want[] = {
		{ 8, 8, 0, 512, 120, 5 },     { 16, 16, 0, 256, 120, 5 },
		{ 32, 32, 0, 128, 120, 5 },   { 64, 64, 0, 64, 120, 5 },
		{ 96, 32, 0, 42, 120, 5 },    { 128, 128, 0, 32, 120, 5 },
		{ 192, 64, 0, 21, 120, 5 },   { 256, 256, 0, 16, 52, 5 },
		{ 512, 512, 1, 16, 52, 5 },   { 1024, 1024, 2, 16, 24, 5 },
		{ 2048, 2048, 3, 16, 24, 5 }, { 4096, 4096, 3, 8, 6, 6 },
		{ 8192, 8192, 3, 4, 6, 6 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct slub_geometry g = geometry(want[i].size, want[i].align, SLAB_KMALLOC, 2);

		CHECK_EQ(g.size, want[i].size);
		CHECK_EQ(g.align, want[i].align);
		CHECK_EQ(g.order, want[i].order);
		CHECK_EQ(g.objects, want[i].objects);
		CHECK_EQ(g.cpu_partial, want[i].cpu_partial);
		CHECK_EQ(g.min_partial, want[i].min_partial);
		/* Free pointer mid-object: kmalloc-96 at 48, kmalloc-8 at 0. */
		CHECK_EQ(g.offset, want[i].size / 2 / 8 * 8);
		/* s->min: the order of one object. */
		CHECK_EQ(g.min_order, want[i].size <= 4096 ? 0 : 1);
	}
}

/* The CPU count sets min_objects = 4 * (fls(cpus) + 1). */
TEST(cpu_count)
{
	struct slub_geometry_args args = { .object_size = 256, .nr_cpus = 1, .nr_cpu_ids = 8 };
	struct slub_geometry g;

	/* 1 CPU: 8 objects. 512 * 8 = 4096: order 0; 1024 * 8: order 1. */
	CHECK_EQ(geometry(512, 512, SLAB_KMALLOC, 1).order, 0);
	CHECK_EQ(geometry(512, 512, SLAB_KMALLOC, 1).objects, 8);
	CHECK_EQ(geometry(1024, 1024, SLAB_KMALLOC, 1).order, 1);
	/* 4 CPUs: fls(4) = 3, 16 objects: 256 -> order 0, 512 -> 1, 1024 -> 2. */
	CHECK_EQ(geometry(256, 256, SLAB_KMALLOC, 4).order, 0);
	CHECK_EQ(geometry(512, 512, SLAB_KMALLOC, 4).order, 1);
	CHECK_EQ(geometry(1024, 1024, SLAB_KMALLOC, 4).order, 2);
	/* 64 CPUs: fls(64) = 7, 32 objects: 128 -> 0, 256 -> 1, 1024 -> 3 with 32 objects,
	 * 2048 -> capped at the 16 that fit in order 3. */
	CHECK_EQ(geometry(128, 128, SLAB_KMALLOC, 64).order, 0);
	CHECK_EQ(geometry(256, 256, SLAB_KMALLOC, 64).order, 1);
	CHECK_EQ(geometry(256, 256, SLAB_KMALLOC, 64).objects, 32);
	CHECK_EQ(geometry(1024, 1024, SLAB_KMALLOC, 64).order, 3);
	CHECK_EQ(geometry(1024, 1024, SLAB_KMALLOC, 64).objects, 32);
	CHECK_EQ(geometry(2048, 2048, SLAB_KMALLOC, 64).objects, 16);
	/* One CPU present of 8 possible: the kernel counts the 8, fls(8) = 4, 20 objects:
	 * 256 * 20 = 5120 -> order 1, 32 objects. */
	CHECK_EQ(slub_calculate_geometry(&args, &g), 0);
	CHECK_EQ(g.order, 1);
	CHECK_EQ(g.objects, 32);
}

/* SLAB_HWCACHE_ALIGN: a cache line, halved while the object fits in half of it. */
TEST(hwcache_align)
{
	/* 100 > 64 / 2: align 64; 100 rounds to 104 (free pointer at 48), stride 128. */
	struct slub_geometry g = geometry(100, 0, SLAB_HWCACHE_ALIGN, 2);

	CHECK_EQ(g.align, 64);
	CHECK_EQ(g.inuse, 104);
	CHECK_EQ(g.offset, 48);
	CHECK_EQ(g.size, 128);
	CHECK_EQ(g.order, 0);
	CHECK_EQ(g.objects, 32);
	/* 20 <= 32 but not <= 16: align 32, stride 32. */
	g = geometry(20, 0, SLAB_HWCACHE_ALIGN, 2);
	CHECK_EQ(g.align, 32);
	CHECK_EQ(g.size, 32);
	CHECK_EQ(g.objects, 128);
	/* A requested alignment above the line's wins. */
	CHECK_EQ(geometry(20, 128, SLAB_HWCACHE_ALIGN, 2).align, 128);
	/* 700: stride 704; 12 * 704 = 8448 -> order 2; 16384 - 23 * 704 = 192 wasted. */
	g = geometry(700, 0, SLAB_HWCACHE_ALIGN, 2);
	CHECK_EQ(g.size, 704);
	CHECK_EQ(g.order, 2);
	CHECK_EQ(g.objects, 23);
	/* No flag, no request: a word. */
	CHECK_EQ(geometry(13, 0, 0, 2).align, 8);
	CHECK_EQ(geometry(13, 0, 0, 2).size, 16);
}

/* calculate_alignment() is idempotent: the final alignment given back yields itself. */
TEST(alignment_idempotent)
{
	static const slab_flags_t flags[] = { 0, SLAB_HWCACHE_ALIGN };

	for (size_t f = 0; f < ARRAY_SIZE(flags); f++) {
		for (unsigned int size = 1; size <= 5000; size += 7) {
			for (unsigned int align = 0; align <= 4096; align = align ? 2 * align : 1) {
				unsigned int once = geometry(size, align, flags[f], 2).align;

				CHECK_EQ(geometry(size, once, flags[f], 2).align, once);
			}
		}
	}
}

/* The waste limit: 1/16 first, a higher order if needed, then 1/8. */
TEST(waste_fraction)
{
	/* 632: 12 objects need order 1, which wastes 8192 - 12 * 632 = 608 > 512; order 2
	 * wastes 16384 - 25 * 632 = 584 <= 1024. */
	struct slub_geometry g = geometry(632, 0, 0, 2);

	CHECK_EQ(g.order, 2);
	CHECK_EQ(g.objects, 25);
	/* 3000: only 10 fit in order 3, which wastes 32768 - 30000 = 2768: over 1/16
	 * (2048), within 1/8 (4096). */
	g = geometry(3000, 0, 0, 2);
	CHECK_EQ(g.order, 3);
	CHECK_EQ(g.objects, 10);
	CHECK_EQ(g.cpu_partial, 24);
	CHECK_EQ(g.min_partial, 5); /* ilog2(3000) / 2 = 5 */
	/* Beyond slab_max_order: the order of one object. 51488 (kvm_vcpu) -> order 4. */
	g = geometry(51488, 16, 0, 2);
	CHECK_EQ(g.order, 4);
	CHECK_EQ(g.objects, 1);
	CHECK_EQ(g.min_partial, 7); /* ilog2(51488) / 2 */
	CHECK_EQ(g.cpu_partial, 6);
	CHECK_EQ(g.cpu_partial_slabs, 12); /* 6 * 2 / 1 */
	/* The largest object: 4 MiB, order 10. */
	g = geometry(4u << 20, 0, 0, 2);
	CHECK_EQ(g.order, MAX_PAGE_ORDER);
	CHECK_EQ(g.min_partial, 10); /* MAX_PARTIAL */
}

/* Where the free pointer goes. */
TEST(free_pointer)
{
	struct slub_geometry_args args = {
		.object_size = 192,
		.flags = SLAB_TYPESAFE_BY_RCU | SLAB_HWCACHE_ALIGN,
		.nr_cpus = 2,
	};
	struct slub_geometry g;

	/* A constructor: the object must stay intact, so after it: 96 + 8 = 104, as
	 * anon_vma; 4096 - 39 * 104 = 40 wasted. */
	g = geometry(96, 0, 0, 2);
	CHECK_EQ(g.offset, 48);
	CHECK_EQ(g.size, 96);
	args.object_size = 96;
	args.flags = 0;
	args.has_ctor = true;
	CHECK_EQ(slub_calculate_geometry(&args, &g), 0);
	CHECK_EQ(g.inuse, 96);
	CHECK_EQ(g.offset, 96);
	CHECK_EQ(g.size, 104);
	CHECK_EQ(g.objects, 39);

	/* RCU-typesafe: after the object (200, aligned to 64: 256)... */
	args.object_size = 192;
	args.flags = SLAB_TYPESAFE_BY_RCU | SLAB_HWCACHE_ALIGN;
	args.has_ctor = false;
	CHECK_EQ(slub_calculate_geometry(&args, &g), 0);
	CHECK_EQ(g.offset, 192);
	CHECK_EQ(g.size, 256);
	CHECK_EQ(g.objects, 16);
	/* ...unless the creator names a word inside it (vm_area_struct): 192, 21 objects. */
	args.use_freeptr_offset = true;
	args.freeptr_offset = 64;
	CHECK_EQ(slub_calculate_geometry(&args, &g), 0);
	CHECK_EQ(g.offset, 64);
	CHECK_EQ(g.size, 192);
	CHECK_EQ(g.objects, 21);
	/* create_cache() refuses an offset outside the object, unaligned, or without RCU. */
	args.freeptr_offset = 192;
	CHECK_EQ(slub_calculate_geometry(&args, &g), -22);
	args.freeptr_offset = 4;
	CHECK_EQ(slub_calculate_geometry(&args, &g), -22);
	args.freeptr_offset = 64;
	args.flags = SLAB_HWCACHE_ALIGN;
	CHECK_EQ(slub_calculate_geometry(&args, &g), -22);
}

/* Debug flags lay out red zones, tracks and the request size (slab_debug=FZPU). */
TEST(debug_layout)
{
	slab_flags_t fzpu = SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER;
	struct slub_geometry_args args = { .object_size = 24,
					   .flags = SLAB_RED_ZONE | SLAB_POISON,
					   .has_ctor = true,
					   .nr_cpus = 2 };
	/*
	 * kmalloc-64: 64, no slack so a red zone word: inuse 72; poisoned, so the free
	 * pointer after it: 80; two tracks: 144; the request size: 152; a padding word:
	 * 160; left red zone of 8 aligned to 64: 64, total 224; aligned to 64: 256.
	 * 12 * 256 = 3072: order 0, 16 objects. Debug caches keep no per-CPU partials.
	 */
	struct slub_geometry g = geometry(64, 64, SLAB_KMALLOC | fzpu, 2);

	CHECK_EQ(g.inuse, 72);
	CHECK_EQ(g.offset, 72);
	CHECK_EQ(g.red_left_pad, 64);
	CHECK_EQ(g.size, 256);
	CHECK_EQ(g.order, 0);
	CHECK_EQ(g.objects, 16);
	CHECK_EQ(g.cpu_partial, 0);
	CHECK_EQ(g.cpu_partial_slabs, 0);
	CHECK(g.flags & __OBJECT_POISON);

	/* kmalloc-8 with only Z: 8 -> 16 with the red zone word; free pointer mid-object
	 * (at 0); a padding word and a left red zone of 8: 32. */
	g = geometry(8, 8, SLAB_KMALLOC | SLAB_RED_ZONE, 2);
	CHECK_EQ(g.inuse, 16);
	CHECK_EQ(g.offset, 0);
	CHECK_EQ(g.size, 32);
	CHECK_EQ(g.objects, 128);
	/* A 4-byte object with Z: rounding leaves slack (inuse 8), but the object is too
	 * small for the pointer: after it, 16; + padding + left red zone: 32. */
	g = geometry(4, 0, SLAB_RED_ZONE, 2);
	CHECK_EQ(g.inuse, 8);
	CHECK_EQ(g.offset, 8);
	CHECK_EQ(g.size, 32);
	/* With U but no Z, a kmalloc cache keeps its mid-object free pointer. */
	g = geometry(64, 64, SLAB_KMALLOC | SLAB_STORE_USER, 2);
	CHECK_EQ(g.offset, 32);
	CHECK_EQ(g.size, 192); /* 64 + 64 + 8 = 136, aligned to 64 */

	/* A constructor with Z and P: the object is not poisoned (the constructor's state
	 * must survive): 24 -> 32 -> 40 -> 48 -> 56; 4096 - 73 * 56 = 8 wasted. */
	CHECK_EQ(slub_calculate_geometry(&args, &g), 0);
	CHECK(!(g.flags & __OBJECT_POISON));
	CHECK_EQ(g.inuse, 32);
	CHECK_EQ(g.offset, 32);
	CHECK_EQ(g.size, 56);
	CHECK_EQ(g.objects, 73);
}

/* Boot options: slab_min_order=, slab_max_order=, slab_min_objects=, slab_debug=O. */
TEST(boot_options)
{
	struct slub_order_params p = { .min_order = 0, .max_order = 1 };
	struct slub_geometry_args args = {
		.object_size = 2048, .align = 2048, .nr_cpus = 2, .params = &p
	};
	struct slub_geometry g;

	/* slab_max_order=1: 4 objects of 2048 fit, order 1. */
	CHECK_EQ(slub_calculate_geometry(&args, &g), 0);
	CHECK_EQ(g.order, 1);
	CHECK_EQ(g.objects, 4);
	/* slab_min_order=2: 8-byte objects in order 2, 2048 of them. */
	p = (struct slub_order_params){ .min_order = 2, .max_order = 3 };
	args.object_size = 8;
	args.align = 8;
	CHECK_EQ(slub_calculate_geometry(&args, &g), 0);
	CHECK_EQ(g.order, 2);
	CHECK_EQ(g.objects, 2048);
	/* slab_min_order=10 would put 524288 objects in a slab; slab->objects has 15 bits:
	 * get_order(8 * 32767) - 1 = 6 - 1 = 5, 16384 objects. */
	p = (struct slub_order_params){ .min_order = 10, .max_order = 10 };
	CHECK_EQ(slub_calculate_geometry(&args, &g), 0);
	CHECK_EQ(g.order, 5);
	CHECK_EQ(g.objects, 16384);
	/* slab_min_objects=64: 64 * 256 = 16384, order 2. */
	p = (struct slub_order_params){ .max_order = 3, .min_objects = 64 };
	args.object_size = 256;
	args.align = 256;
	CHECK_EQ(slub_calculate_geometry(&args, &g), 0);
	CHECK_EQ(g.order, 2);

	/* slab_debug=U on a 4096 object: 4160 would raise the minimum order to 1... */
	p = (struct slub_order_params){ .max_order = 3 };
	args.object_size = 4096;
	args.align = 0;
	args.flags = SLAB_STORE_USER;
	CHECK_EQ(slub_calculate_geometry(&args, &g), 0);
	CHECK_EQ(g.size, 4160);
	CHECK_EQ(g.order, 3); /* 7 fit; 3648 wasted is over 1/16, within 1/8 */
	CHECK_EQ(g.objects, 7);
	CHECK_EQ(g.cpu_partial, 0);
	/* ...so slab_debug=O drops the tracks, and the cache is a normal one. */
	p.disable_higher_order_debug = true;
	CHECK_EQ(slub_calculate_geometry(&args, &g), 0);
	CHECK_EQ(g.size, 4096);
	CHECK(!(g.flags & SLAB_STORE_USER));
	CHECK_EQ(g.cpu_partial, 6);
}

/* What the kernel refuses. */
TEST(invalid)
{
	struct slub_geometry_args args = { .object_size = 0, .nr_cpus = 2 };
	struct slub_geometry g;

	CHECK_EQ(slub_calculate_geometry(&args, &g), -22); /* size 0 */
	args.object_size = (4u << 20) + 1;
	CHECK_EQ(slub_calculate_geometry(&args, &g), -22); /* over KMALLOC_MAX_SIZE */
	args.object_size = 4u << 20;
	args.flags = SLAB_RED_ZONE; /* metadata pushes it past MAX_PAGE_ORDER */
	CHECK_EQ(slub_calculate_geometry(&args, &g), -22);
	args.flags = 0;
	args.object_size = 64;
	args.align = 24; /* not a power of two */
	CHECK_EQ(slub_calculate_geometry(&args, &g), -22);
	args.align = 0;
	args.nr_cpus = 0;
	CHECK_EQ(slub_calculate_geometry(&args, &g), -22);
}

int main(void)
{
	return kmm_test_main();
}
