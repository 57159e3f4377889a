/* SPDX-License-Identifier: MIT */
/*
 * fault-inject.c - the fault-injection framework (the kernel's lib/fault-inject.c, with
 * /proc/<pid>/fail-nth and make-it-fail, and the debugfs files of each capability as a
 * text interface): should_fail_ex() decides, the capabilities (failslab.c,
 * fail_page_alloc.c) say where it is asked.
 *
 * The one idea: nothing is asked while nothing can fail. fault_inject_active counts the
 * reasons a failure may come - each capability whose probability is above zero, and
 * each thread with fail-nth armed - and the allocators' hooks test that word alone
 * (fault-inject.h). A reason that concerns slab allocations also holds slab_hooks_get(),
 * so that no slab allocation bypasses should_failslab() on a fast path.
 *
 * A thread's fail-nth reference is dropped when the thread sets fail-nth to 0 or reads
 * it back as 0 (the fault was injected), never from inside the allocation that consumed
 * it: that allocation may hold locks that slab_hooks_put() would take. A thread that
 * exits with fail-nth still armed leaves its reference behind (the fast paths stay off).
 */
#include "fault-inject.h"
#include "slab.h"

_Atomic int fault_inject_active;

/* Attribute writes, and the references that follow the probabilities. */
static DEFINE_MUTEX(fault_config_lock);

static const struct fault_capability *const capabilities[] = {
	&failslab_capability,
	&fail_page_alloc_capability,
};
/* capabilities[i] holds a reference: its probability is above zero (fault_config_lock) */
static bool capability_holds[ARRAY_SIZE(capabilities)];

/* ---- the references --------------------------------------------------------------------- */

static void fault_inject_get(bool slab_hooks)
{
	if (slab_hooks)
		slab_hooks_get();
	atomic_fetch_add_explicit(&fault_inject_active, 1, memory_order_relaxed);
}

static void fault_inject_put(bool slab_hooks)
{
	atomic_fetch_sub_explicit(&fault_inject_active, 1, memory_order_relaxed);
	if (slab_hooks)
		slab_hooks_put();
}

/* Take or drop capabilities[i]'s reference after its probability changed (config lock). */
static void capability_sync(unsigned int i)
{
	const struct fault_capability *cap = capabilities[i];
	bool want = __atomic_load_n(&cap->attr->probability, __ATOMIC_RELAXED) != 0;

	if (want == capability_holds[i])
		return;
	capability_holds[i] = want;
	if (want)
		fault_inject_get(cap->slab_hooks);
	else
		fault_inject_put(cap->slab_hooks);
}

/* ---- should_fail_ex() ------------------------------------------------------------------- */

/* A uniform number in [0, ceil), as the kernel's get_random_u32_below(). */
static uint32_t get_random_u32_below(uint32_t ceil)
{
	return (uint32_t)(((port_random_u64() & 0xffffffffULL) * ceil) >> 32);
}

static void fail_dump(struct fault_attr *attr)
{
	unsigned long verbose = __atomic_load_n(&attr->verbose, __ATOMIC_RELAXED);

	if (verbose > 0 && __ratelimit(&attr->ratelimit_state)) {
		printk(KERN_NOTICE "FAULT_INJECTION: forcing a failure.\n"
				   "name %s, interval %lu, probability %lu, space %d, times %d\n",
		       attr->dname, __atomic_load_n(&attr->interval, __ATOMIC_RELAXED),
		       __atomic_load_n(&attr->probability, __ATOMIC_RELAXED),
		       atomic_load(&attr->space), atomic_load(&attr->times));
		if (verbose > 1)
			dump_stack();
	}
}

static bool fail_task(void)
{
	return in_task() && current_task()->make_it_fail;
}

/* atomic_add_unless(v, -1, 0) */
static void atomic_dec_not_zero(_Atomic int *v)
{
	int old = atomic_load(v);

	while (old && !atomic_compare_exchange_weak(v, &old, old - 1))
		;
}

/*
 * The kernel's order of tests: an armed fail-nth decides alone; then probability 0,
 * the task filter, times, the space budget, the interval, and the dice.
 */
bool should_fail_ex(struct fault_attr *attr, long size, int flags)
{
	unsigned long probability, interval;

	if (in_task()) {
		struct kmm_task *task = current_task();
		unsigned int fail_nth = task->fail_nth;

		if (fail_nth) {
			task->fail_nth = --fail_nth;
			if (!fail_nth)
				goto fail;
			return false;
		}
	}
	probability = __atomic_load_n(&attr->probability, __ATOMIC_RELAXED);
	if (probability == 0)
		return false;
	if (__atomic_load_n(&attr->task_filter, __ATOMIC_RELAXED) && !fail_task())
		return false;
	if (atomic_load(&attr->times) == 0)
		return false;
	if (atomic_load(&attr->space) > size) {
		atomic_fetch_sub(&attr->space, (int)size);
		return false;
	}
	interval = __atomic_load_n(&attr->interval, __ATOMIC_RELAXED);
	if (interval > 1 && (atomic_fetch_add(&attr->count, 1) + 1) % interval)
		return false;
	if (probability <= get_random_u32_below(100))
		return false;
fail:
	if (!(flags & FAULT_NOWARN))
		fail_dump(attr);
	if (atomic_load(&attr->times) != -1)
		atomic_dec_not_zero(&attr->times);
	return true;
}

bool should_fail(struct fault_attr *attr, long size)
{
	return should_fail_ex(attr, size, 0);
}

/* ---- parsing ------------------------------------------------------------------------------ */

/* kstrtoull/kstrtoll(s, 0, ...): 0x hex, 0 octal or decimal, one trailing newline. */
static bool parse_number(const char *s, bool is_signed, long long *out)
{
	unsigned long long v = 0;
	unsigned int base = 10;
	bool neg = false, digits = false;

	if (is_signed && (*s == '-' || *s == '+'))
		neg = *s++ == '-';
	else if (*s == '+')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0') {
		base = 8;
	}
	for (;; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (unsigned int)((*s | 0x20) - 'a' + 10);
		else
			break;
		if (d >= base)
			return false;
		v = v * base + d;
		digits = true;
	}
	if (*s == '\n')
		s++;
	if (!digits || *s)
		return false;
	*out = neg ? -(long long)v : (long long)v;
	return true;
}

/* kstrtobool(): y/Y/1/on are true, n/N/0/off false. */
static bool parse_bool(const char *s, bool *out)
{
	if (*s == 'y' || *s == 'Y' || *s == '1')
		return *out = true;
	if (*s == 'n' || *s == 'N' || *s == '0')
		return !(*out = false);
	if ((s[0] | 0x20) == 'o' && (s[1] | 0x20) == 'n')
		return *out = true;
	if ((s[0] | 0x20) == 'o' && (s[1] | 0x20) == 'f')
		return !(*out = false);
	return false;
}

/* sscanf's "%ld," for one field: optional sign, decimal digits, then @sep. */
static const char *scan_field(const char *s, long long *out, char sep)
{
	long long v = 0;
	bool neg = false;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (*s < '0' || *s > '9')
		return NULL;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	if (sep && *s++ != sep)
		return NULL;
	*out = neg ? -v : v;
	return s;
}

int setup_fault_attr(struct fault_attr *attr, const char *str)
{
	long long interval, probability, space, times;

	/* "<interval>,<probability>,<space>,<times>" */
	if (!str || !(str = scan_field(str, &interval, ',')) ||
	    !(str = scan_field(str, &probability, ',')) || !(str = scan_field(str, &space, ',')) ||
	    !scan_field(str, &times, 0)) {
		printk(KERN_WARNING "FAULT_INJECTION: failed to parse arguments\n");
		return 0;
	}
	__atomic_store_n(&attr->probability, (unsigned long)probability, __ATOMIC_RELAXED);
	__atomic_store_n(&attr->interval, (unsigned long)interval, __ATOMIC_RELAXED);
	atomic_store(&attr->times, (int)times);
	atomic_store(&attr->space, (int)space);
	return 1;
}

/* ---- the debugfs files, as a text interface ---------------------------------------------- */

static int capability_index(const char *name)
{
	for (unsigned int i = 0; name && i < ARRAY_SIZE(capabilities); i++)
		if (!strcmp(name, capabilities[i]->attr->dname))
			return (int)i;
	return -ENOENT;
}

static const struct fault_extra_attr *extra_attr(const struct fault_capability *cap,
						 const char *name)
{
	for (unsigned int i = 0; i < cap->nr_extra; i++)
		if (!strcmp(name, cap->extra[i].name))
			return &cap->extra[i];
	return NULL;
}

#define NSEC_PER_MSEC 1000000ULL

static int attr_show(const struct fault_capability *cap, const char *name, char *buf, size_t size)
{
	struct fault_attr *a = cap->attr;
	const struct fault_extra_attr *x;

	if (!strcmp(name, "probability"))
		return scnprintf(buf, size, "%lu\n",
				 __atomic_load_n(&a->probability, __ATOMIC_RELAXED));
	if (!strcmp(name, "interval"))
		return scnprintf(buf, size, "%lu\n",
				 __atomic_load_n(&a->interval, __ATOMIC_RELAXED));
	if (!strcmp(name, "times"))
		return scnprintf(buf, size, "%d\n", atomic_load(&a->times));
	if (!strcmp(name, "space"))
		return scnprintf(buf, size, "%d\n", atomic_load(&a->space));
	if (!strcmp(name, "verbose"))
		return scnprintf(buf, size, "%lu\n",
				 __atomic_load_n(&a->verbose, __ATOMIC_RELAXED));
	if (!strcmp(name, "verbose_ratelimit_interval_ms"))
		return scnprintf(
			buf, size, "%llu\n",
			(unsigned long long)(a->ratelimit_state.interval_ns / NSEC_PER_MSEC));
	if (!strcmp(name, "verbose_ratelimit_burst"))
		return scnprintf(buf, size, "%d\n", a->ratelimit_state.burst);
	if (!strcmp(name, "task-filter"))
		return scnprintf(buf, size, "%c\n", a->task_filter ? 'Y' : 'N');
	x = extra_attr(cap, name);
	if (x && x->flag)
		return scnprintf(buf, size, "%c\n", *x->flag ? 'Y' : 'N');
	if (x)
		return scnprintf(buf, size, "%u\n", *x->u32);
	return -ENOENT;
}

static int attr_store_number(struct fault_attr *a, const char *name, const char *value)
{
	bool is_signed = !strcmp(name, "times") || !strcmp(name, "space");
	long long v;

	if (!parse_number(value, is_signed, &v))
		return -EINVAL;
	if (!strcmp(name, "probability"))
		__atomic_store_n(&a->probability, (unsigned long)v, __ATOMIC_RELAXED);
	else if (!strcmp(name, "interval"))
		__atomic_store_n(&a->interval, (unsigned long)v, __ATOMIC_RELAXED);
	else if (!strcmp(name, "times"))
		atomic_store(&a->times, (int)v);
	else if (!strcmp(name, "space"))
		atomic_store(&a->space, (int)v);
	else if (!strcmp(name, "verbose"))
		__atomic_store_n(&a->verbose, (unsigned long)v, __ATOMIC_RELAXED);
	else if (!strcmp(name, "verbose_ratelimit_interval_ms"))
		a->ratelimit_state.interval_ns = (uint32_t)v * NSEC_PER_MSEC;
	else if (!strcmp(name, "verbose_ratelimit_burst"))
		a->ratelimit_state.burst = (int)(uint32_t)v;
	else
		return -ENOENT;
	return 0;
}

static int attr_store(const struct fault_capability *cap, const char *name, const char *value)
{
	const struct fault_extra_attr *x = extra_attr(cap, name);
	long long v;
	bool b;

	if (!strcmp(name, "task-filter") || (x && x->flag)) {
		if (!parse_bool(value, &b))
			return -EINVAL;
		__atomic_store_n(x ? x->flag : &cap->attr->task_filter, b, __ATOMIC_RELAXED);
		return 0;
	}
	if (x) {
		if (!parse_number(value, false, &v))
			return -EINVAL;
		__atomic_store_n(x->u32, (unsigned int)v, __ATOMIC_RELAXED);
		return 0;
	}
	return attr_store_number(cap->attr, name, value);
}

int kmm_fault_attr_get(const char *capability, const char *attr, char *buf, size_t size)
{
	int i = capability_index(capability);

	if (i < 0 || !attr)
		return -ENOENT;
	return attr_show(capabilities[i], attr, buf, size);
}

int kmm_fault_attr_set(const char *capability, const char *attr, const char *value)
{
	int i = capability_index(capability), err;

	if (i < 0 || !attr)
		return -ENOENT;
	if (!value)
		return -EINVAL;
	kmm_ensure_init();
	mutex_lock(&fault_config_lock);
	err = attr_store(capabilities[i], attr, value);
	capability_sync((unsigned int)i);
	mutex_unlock(&fault_config_lock);
	return err;
}

int kmm_fault_setup(const char *capability, const char *str)
{
	int i = capability_index(capability), ok;

	if (i < 0)
		return -ENOENT;
	kmm_ensure_init();
	mutex_lock(&fault_config_lock);
	ok = setup_fault_attr(capabilities[i]->attr, str);
	capability_sync((unsigned int)i);
	mutex_unlock(&fault_config_lock);
	return ok ? 0 : -EINVAL;
}

static bool attr_separator(char c)
{
	return c == ';' || c == ',' || c == ' ' || c == '\t';
}

/*
 * One "capability/attr=value" of KMM_FAULT_ATTR, as a write to
 * /sys/kernel/debug/<capability>/<attr> (config lock held). False if malformed.
 */
static bool apply_fault_attr(const char *entry, size_t len)
{
	char buf[96], *attr = NULL, *value = NULL;
	int i;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, entry, len);
	buf[len] = 0;
	for (char *p = buf; *p; p++) {
		if (*p == '/' && !attr)
			*p = 0, attr = p + 1;
		else if (*p == '=' && attr && !value)
			*p = 0, value = p + 1;
	}
	i = capability_index(buf);
	if (!value || i < 0 || attr_store(capabilities[i], attr, value))
		return false;
	capability_sync((unsigned int)i);
	return true;
}

/* KMM_FAULT_ATTR: entries separated by ';', ',' or blanks; a bad one is named and skipped. */
static void apply_fault_attrs(const char *s)
{
	while (s && *s) {
		size_t len = 0;

		while (s[len] && !attr_separator(s[len]))
			len++;
		if (len && !apply_fault_attr(s, len))
			printk(KERN_WARNING "FAULT_INJECTION: bad attribute \"%.*s\"\n", (int)len,
			       s);
		s += len;
		while (*s && attr_separator(*s))
			s++;
	}
}

void fault_inject_init(void)
{
	const char *boot[] = { kmm_cfg.failslab, kmm_cfg.fail_page_alloc };

	_Static_assert(ARRAY_SIZE(boot) == ARRAY_SIZE(capabilities), "one option each");
	mutex_lock(&fault_config_lock);
	for (unsigned int i = 0; i < ARRAY_SIZE(capabilities); i++) {
		if (boot[i] && *boot[i] && setup_fault_attr(capabilities[i]->attr, boot[i]))
			capability_sync(i);
	}
	apply_fault_attrs(kmm_cfg.fault_attr);
	mutex_unlock(&fault_config_lock);
}

/* ---- per thread: fail-nth and make-it-fail ------------------------------------------------ */

/* Hold a reference while the calling thread's fail-nth is armed. */
static void fail_nth_hold(struct kmm_task *task, bool hold)
{
	if (hold == task->fail_nth_held)
		return;
	task->fail_nth_held = hold;
	if (hold)
		fault_inject_get(true);
	else
		fault_inject_put(true);
}

void kmm_fail_nth_set(unsigned int n)
{
	struct kmm_task *task = current_task();

	kmm_ensure_init();
	task->fail_nth = n;
	fail_nth_hold(task, n != 0);
}

unsigned int kmm_fail_nth_get(void)
{
	struct kmm_task *task = current_task();
	unsigned int n = task->fail_nth;

	if (!n)
		fail_nth_hold(task, false);
	return n;
}

int kmm_make_it_fail_set(int value)
{
	if (value < 0 || value > 1)
		return -EINVAL;
	current_task()->make_it_fail = value;
	return 0;
}

int kmm_make_it_fail_get(void)
{
	return current_task()->make_it_fail;
}
