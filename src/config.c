/* SPDX-License-Identifier: MIT */
/*
 * config.c - kmm's configuration and start-up: defaults, environment variables, the
 * kmm_init() entry point, and initialisation on first use.
 *
 * Every environment variable is read here and nowhere else. Initialisation runs once:
 * the first caller takes init_lock and brings up the page allocator (and, as later
 * layers arrive, the slab layer and vmalloc); every other caller that arrives meanwhile
 * waits on the same lock. kmm_initialised becomes 1 (release) only when everything is
 * ready, so the fast check in kmm_ensure_init() is one acquire load.
 */
#include "fault-inject.h"
#include "kasan.h"

struct kmm_config kmm_cfg;
unsigned int nr_cpu_ids = 1;
_Atomic int kmm_initialised;
static spinlock_t init_lock = SPIN_LOCK_UNLOCKED;
static bool init_in_progress;
/*
 * Set in the thread bringing kmm up: its own allocations during start-up must not wait
 * for it (a thread-local flag, not a thread id: asking the host for one is a system call
 * per allocation of the bring-up).
 */
static port_thread_local bool init_owner;

unsigned long long memparse(const char *s, const char **end)
{
	unsigned long long v = 0;
	const char *p = s;

	if (!s || *p < '0' || *p > '9') {
		if (end)
			*end = s;
		return 0;
	}
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (unsigned long long)(*p++ - '0');
	switch (*p) {
	case 'E':
	case 'e':
		v <<= 10; /* fall through */
	case 'P':
	case 'p':
		v <<= 10; /* fall through */
	case 'T':
	case 't':
		v <<= 10; /* fall through */
	case 'G':
	case 'g':
		v <<= 10; /* fall through */
	case 'M':
	case 'm':
		v <<= 10; /* fall through */
	case 'K':
	case 'k':
		v <<= 10;
		p++;
		break;
	default:
		break;
	}
	if (end)
		*end = p;
	return v;
}

static unsigned long parse_ulong(const char *s, bool *ok)
{
	const char *end;
	unsigned long long v = memparse(s, &end);

	*ok = s && end != s && *end == '\0';
	return (unsigned long)v;
}

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = port_getenv(name);

	return v && *v ? v : fallback;
}

/* Each node holds at least this much RAM, the minimum kmm accepts for a whole machine. */
#define NODE_MIN_BYTES (16ULL << 20)

/*
 * The 32-bit layout stays one node: its lowmem and highmem split is node 0's, and a
 * second node would hold only highmem, which 32-bit NUMA kernels (NUMAQ) were dropped
 * for. Each node must hold at least NODE_MIN_BYTES.
 */
static int config_check_nodes(const struct kmm_config *c)
{
	if (c->nr_nodes > MAX_NUMNODES) {
		pr_err("kmm: %u nodes: at most %d\n", c->nr_nodes, MAX_NUMNODES);
		return -EINVAL;
	}
	if (c->nr_nodes > 1 && !strcmp(c->layout, "x86_32")) {
		pr_err("kmm: KMM_NODES=%u: the x86_32 layout has one node\n", c->nr_nodes);
		return -EINVAL;
	}
	if (c->ram / c->nr_nodes < NODE_MIN_BYTES) {
		pr_err("kmm: %u nodes need at least %lluM of RAM (16M a node)\n", c->nr_nodes,
		       (unsigned long long)c->nr_nodes * (NODE_MIN_BYTES >> 20));
		return -EINVAL;
	}
	return 0;
}

/* A number from @name for a field left at 0; false (after a message) if malformed. */
static bool env_ulong(const char *name, unsigned long max, unsigned long *out)
{
	const char *v = port_getenv(name);
	bool ok = true;

	if (!v || !*v)
		return true;
	*out = parse_ulong(v, &ok);
	if (!ok || *out > max) {
		pr_err("kmm: %s=%s: expected a number up to %lu\n", name, v, max);
		return false;
	}
	return true;
}

/* KFENCE and kmemleak: kfence.sample_interval, CONFIG_KFENCE_NUM_OBJECTS, kmemleak=. */
static int config_resolve_debug(struct kmm_config *c)
{
	unsigned long v = 0;
	const char *s;

	if (!c->kfence_sample_interval) {
		if (!env_ulong("KMM_KFENCE_SAMPLE_INTERVAL", 1UL << 31, &v))
			return -EINVAL;
		c->kfence_sample_interval = v ? (long)v : -1;
	}
	if (c->kfence_num_objects <= 0) {
		v = 255; /* CONFIG_KFENCE_NUM_OBJECTS */
		if (!env_ulong("KMM_KFENCE_NUM_OBJECTS", 65535, &v) || !v)
			return -EINVAL;
		c->kfence_num_objects = (int)v;
	}
	if (!c->kmemleak && (s = port_getenv("KMM_KMEMLEAK")) && *s) {
		if (strcmp(s, "on") && strcmp(s, "off")) {
			pr_err("kmm: KMM_KMEMLEAK=%s: expected on or off\n", s);
			return -EINVAL;
		}
		c->kmemleak = strcmp(s, "on") ? -1 : 1;
	}
	if (!c->kmemleak)
		c->kmemleak = -1;
	if (!c->kmemleak_scan_secs) {
		v = 600; /* the kernel's SECS_SCAN_WAIT */
		if (!env_ulong("KMM_KMEMLEAK_SCAN", 1UL << 31, &v))
			return -EINVAL;
		c->kmemleak_scan_secs = v ? (long)v : -1;
	}
	if (!c->kmemleak_min_age_ms) {
		v = 5000; /* the kernel's MSECS_MIN_AGE */
		if (!env_ulong("KMM_KMEMLEAK_MIN_AGE", 1UL << 31, &v))
			return -EINVAL;
		c->kmemleak_min_age_ms = v ? (long)v : -1;
	}
	return 0;
}

/*
 * What a program linking kmm may choose instead of the library's reporting defaults
 * (the malloc shim does: see shim/malloc.c); plain values, the environment still wins.
 */
extern const unsigned int kmm_page_reporting_order_default __attribute__((weak));
extern const unsigned long kmm_page_reporting_delay_ms_default __attribute__((weak));

/*
 * Free page reporting: on or off, page_reporting.page_reporting_order= and the delay
 * before a requested report runs (the kernel's PAGE_REPORTING_DELAY, 2 s).
 */
static int config_resolve_reporting(struct kmm_config *c)
{
	const char *s;
	unsigned long v = 0;

	if (!c->page_reporting && (s = port_getenv("KMM_PAGE_REPORTING")) && *s)
		c->page_reporting = strcmp(s, "0") ? 1 : -1;
	if (!c->page_reporting)
		c->page_reporting = 1;
	if (!c->page_reporting_order) {
		v = &kmm_page_reporting_order_default ? kmm_page_reporting_order_default :
							MAX_PAGE_ORDER;
		if (!env_ulong("KMM_PAGE_REPORTING_ORDER", MAX_PAGE_ORDER, &v))
			return -EINVAL;
		c->page_reporting_order = v ? (int)v : -1;
	}
	if (c->page_reporting_order > MAX_PAGE_ORDER) {
		pr_err("kmm: page reporting order %d: at most %d\n", c->page_reporting_order,
		       MAX_PAGE_ORDER);
		return -EINVAL;
	}
	if (!c->page_reporting_delay_ms) {
		/* the kernel's PAGE_REPORTING_DELAY, 2 * HZ */
		v = &kmm_page_reporting_delay_ms_default ? kmm_page_reporting_delay_ms_default :
							   2000;
		if (!env_ulong("KMM_PAGE_REPORTING_DELAY", 1UL << 31, &v))
			return -EINVAL;
		c->page_reporting_delay_ms = v ? (long)v : -1;
	}
	return 0;
}

/* Environment overrides fields the caller left unset; then defaults fill the rest. */
static int config_resolve(struct kmm_config *c)
{
	const char *v;
	bool ok = true;

	c->slab = env_or("KMM_SLAB", c->slab ? c->slab : "slub");
	if (strcmp(c->slab, "slub") && strcmp(c->slab, "slab") && strcmp(c->slab, "slob")) {
		pr_err("kmm: KMM_SLAB=%s: expected slub, slab or slob\n", c->slab);
		return -EINVAL;
	}
	if (!c->ram && (v = port_getenv("KMM_RAM")) && *v) {
		c->ram = memparse(v, NULL);
		if (!c->ram) {
			pr_err("kmm: KMM_RAM=%s: expected a size such as 512M or 4G\n", v);
			return -EINVAL;
		}
	}
	if (!c->ram)
		c->ram = port_default_ram_bytes();
	if (c->ram < (16ULL << 20)) {
		pr_err("kmm: RAM of %llu bytes is too small: at least 16M\n", c->ram);
		return -EINVAL;
	}
	if (!c->nr_cpus && (v = port_getenv("KMM_NR_CPUS")) && *v) {
		c->nr_cpus = (unsigned int)parse_ulong(v, &ok);
		if (!ok || !c->nr_cpus || c->nr_cpus > 4096) {
			pr_err("kmm: KMM_NR_CPUS=%s: expected 1..4096\n", v);
			return -EINVAL;
		}
	}
	if (!c->nr_cpus)
		c->nr_cpus = port_nr_host_cpus();
	if (!c->debug)
		c->debug = port_getenv("KMM_DEBUG");
	c->layout = env_or("KMM_LAYOUT", c->layout ? c->layout : "x86_64");
	if (strcmp(c->layout, "x86_64") && strcmp(c->layout, "x86_32")) {
		pr_err("kmm: KMM_LAYOUT=%s: expected x86_64 or x86_32\n", c->layout);
		return -EINVAL;
	}
	if (!c->nr_nodes && (v = port_getenv("KMM_NODES")) && *v) {
		c->nr_nodes = (unsigned int)parse_ulong(v, &ok);
		if (!ok || !c->nr_nodes || c->nr_nodes > MAX_NUMNODES) {
			pr_err("kmm: KMM_NODES=%s: expected 1..%d\n", v, MAX_NUMNODES);
			return -EINVAL;
		}
	}
	if (!c->nr_nodes)
		c->nr_nodes = 1;
	if (config_check_nodes(c))
		return -EINVAL;
	if (!c->min_free_kbytes && (v = port_getenv("KMM_MIN_FREE_KBYTES")) && *v) {
		c->min_free_kbytes = parse_ulong(v, &ok);
		if (!ok) {
			pr_err("kmm: KMM_MIN_FREE_KBYTES=%s: expected a number\n", v);
			return -EINVAL;
		}
	}
	if (config_resolve_reporting(c))
		return -EINVAL;
	if (!c->numa_bind && (v = port_getenv("KMM_NUMA_BIND")) && *v)
		c->numa_bind = strcmp(v, "0") ? 1 : -1;
	if (!c->numa_bind)
		c->numa_bind = -1;
	if (!c->stats && (v = port_getenv("KMM_STATS")) && *v)
		c->stats = strcmp(v, "0") ? 1 : -1;
	if (!c->failslab)
		c->failslab = port_getenv("KMM_FAILSLAB");
	if (!c->fail_page_alloc)
		c->fail_page_alloc = port_getenv("KMM_FAIL_PAGE_ALLOC");
	if (!c->fault_attr)
		c->fault_attr = port_getenv("KMM_FAULT_ATTR");
	if (!c->check_at_exit && (v = port_getenv("KMM_CHECK_AT_EXIT")) && *v)
		c->check_at_exit = !strcmp(v, "strict") ? 2 : strcmp(v, "0") ? 1 : -1;
	if (!c->init_on_alloc && (v = port_getenv("KMM_INIT_ON_ALLOC")) && *v)
		c->init_on_alloc = strcmp(v, "0") ? 1 : -1;
	if (!c->init_on_free && (v = port_getenv("KMM_INIT_ON_FREE")) && *v)
		c->init_on_free = strcmp(v, "0") ? 1 : -1;
	if (!c->kasan && (v = port_getenv("KMM_KASAN")) && *v)
		c->kasan = strcmp(v, "off") && strcmp(v, "0") ? 1 : -1;
	return config_resolve_debug(c);
}

/* Hold every lock of the allocator across fork(), outermost layer first. */
static void kmm_fork_prepare(void)
{
	rcu_fork_prepare(); /* first: an RCU callback may be freeing, and need these locks */
	kmemleak_fork_prepare();
	kfence_fork_prepare();
	highmem_fork_prepare();
	vmalloc_fork_prepare();
	slab_fork_prepare();
	page_alloc_fork_prepare();
}

static void kmm_fork_parent(void)
{
	page_alloc_fork_parent();
	slab_fork_parent();
	vmalloc_fork_release();
	highmem_fork_release();
	kfence_fork_parent();
	kmemleak_fork_parent();
	rcu_fork_parent();
}

static void kmm_fork_child(void)
{
	page_alloc_fork_child();
	slab_fork_child();
	vmalloc_fork_release();
	highmem_fork_release();
	kfence_fork_child();
	kmemleak_fork_child();
	rcu_fork_child();
}

static const struct port_fork_ops kmm_fork_ops = {
	.prepare = kmm_fork_prepare,
	.parent = kmm_fork_parent,
	.child = kmm_fork_child,
};

static int kmm_bring_up(void)
{
	int err;

	init_mem_debugging_and_hardening();
	err = page_alloc_init();
	if (err)
		return err;
	err = slab_init();
	if (err)
		return err;
	kasan_init();
	err = vmalloc_init();
	if (err)
		return err;
	kfence_init();
	kmemleak_init();
	stats_area_init();
	port_fork_register(&kmm_fork_ops);
	fault_inject_init();
	atomic_store_explicit(&kmm_initialised, 1, memory_order_release);
	return 0;
}

int kmm_init(const struct kmm_config *config)
{
	struct kmm_config c = { 0 };
	int err;

	if (config)
		c = *config;
	spin_lock(&init_lock);
	if (atomic_load_explicit(&kmm_initialised, memory_order_acquire) || init_in_progress) {
		spin_unlock(&init_lock);
		return -EBUSY;
	}
	err = config_resolve(&c);
	if (!err) {
		init_in_progress = true;
		kmm_cfg = c;
		nr_cpu_ids = c.nr_cpus;
		init_owner = true;
		err = kmm_bring_up();
		init_owner = false;
		init_in_progress = err == 0;
	}
	spin_unlock(&init_lock);
	if (!err)
		exit_check_init(); /* it allocates and frees: after the lock */
	return err;
}

void kmm_init_slow(void)
{
	int err;

	if (init_owner)
		return;
	err = kmm_init(NULL);

	if (err && err != -EBUSY) {
		pr_emerg("kmm: initialisation failed (%d)\n", err);
		port_panic();
	}
	/* -EBUSY: another thread finished it while we waited for init_lock */
}

const struct kmm_config *kmm_config_get(void)
{
	kmm_ensure_init();
	return &kmm_cfg;
}
