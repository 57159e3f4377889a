/* SPDX-License-Identifier: MIT */
/*
 * slub_debug.c - the slab_debug= boot option (KMM_DEBUG), as mm/slub.c parses it
 * (setup_slub_debug, parse_slub_debug_flags, kmem_cache_flags), for every back-end:
 * which SLAB_* debug flags each cache gets at creation. The checks themselves are each
 * back-end's (SLUB's in slub.c, as the kernel keeps them under CONFIG_SLUB_DEBUG).
 *
 * The syntax (Documentation/mm/slub.rst):
 *   slab_debug                          F, Z, P and U on every cache
 *   slab_debug=<flags>                  those flags on every cache
 *   slab_debug=<flags>,<cache>,<cache>  only on the caches listed ('*' ends a prefix)
 *   slab_debug=<block>;<block>...       the first block listing a cache decides for it;
 *                                       a block without a list sets the global flags
 * with flags F (consistency checks), Z (red zones), P (poisoning), U (store user), T
 * (trace), A (failslab), O (no debugging where it raises a cache's minimum order) and -
 * (none); letters are case-insensitive, unknown ones are reported and skipped.
 * A lone "<flags>,<caches>" block leaves the global flags as they were (none).
 */
#include "slab.h"

/* mm/slub.c: what "slab_debug" without options, or a block without flags, turns on. */
#define DEBUG_DEFAULT_FLAGS \
	(SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER)
/* The string is kept: kmem_cache_flags() re-reads its blocks for every new cache. */
#define SLUB_DEBUG_STRING_MAX 1024

static slab_flags_t slub_debug;
static const char *slub_debug_string;
static char slub_debug_buf[SLUB_DEBUG_STRING_MAX];
bool slub_debug_disable_higher_order;

static int to_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static const char *strchrnul_local(const char *s, int c)
{
	while (*s && *s != c)
		s++;
	return s;
}

static const char *strnchr_local(const char *s, size_t count, int c)
{
	for (; count-- && *s; s++)
		if (*s == c)
			return s;
	return NULL;
}

static slab_flags_t debug_flag_of(int c, bool *higher_order_disable, bool init)
{
	switch (to_lower(c)) {
	case 'f':
		return SLAB_CONSISTENCY_CHECKS;
	case 'z':
		return SLAB_RED_ZONE;
	case 'p':
		return SLAB_POISON;
	case 'u':
		return SLAB_STORE_USER;
	case 't':
		return SLAB_TRACE;
	case 'a':
		return SLAB_FAILSLAB;
	case 'o':
		*higher_order_disable = true;
		return 0;
	default:
		if (init)
			pr_err("slab_debug option '%c' unknown. skipped\n", c);
		return 0;
	}
}

/*
 * One block of @str: its flags in *@flags and the start of its cache list in *@slabs
 * (NULL: none). Returns the next block, or NULL at the end.
 */
static const char *parse_slub_debug_flags(const char *str, slab_flags_t *flags, const char **slabs,
					  bool init)
{
	bool higher_order_disable = false;

	while (*str == ';')
		str++;
	if (*str == ',') {
		/* no flags, only caches: full debugging for them */
		*flags = DEBUG_DEFAULT_FLAGS;
		goto check_slabs;
	}
	*flags = 0;
	for (; *str && *str != ',' && *str != ';'; str++) {
		if (*str == '-')
			*flags = 0;
		else
			*flags |= debug_flag_of(*str, &higher_order_disable, init);
	}
check_slabs:
	*slabs = *str == ',' ? ++str : NULL;
	while (*str && *str != ';')
		str++;
	while (*str == ';')
		str++;
	if (init && higher_order_disable)
		slub_debug_disable_higher_order = true;
	return *str ? str : NULL;
}

void setup_slub_debug(const char *str)
{
	slab_flags_t flags, global_flags = DEBUG_DEFAULT_FLAGS;
	bool global_changed = false, list_specified = false;
	const char *slab_list, *p;
	size_t len;

	slub_debug = 0;
	slub_debug_string = NULL;
	slub_debug_disable_higher_order = false;
	if (!str)
		return; /* no slab_debug option at all */
	if (!*str)
		goto out; /* "slab_debug" alone: full debugging */

	len = strlen(str);
	if (len >= sizeof(slub_debug_buf)) {
		pr_err("slab_debug: option longer than %zu characters, ignored\n",
		       sizeof(slub_debug_buf) - 1);
		return;
	}
	memcpy(slub_debug_buf, str, len + 1);
	for (p = slub_debug_buf; p;) {
		p = parse_slub_debug_flags(p, &flags, &slab_list, true);
		if (!slab_list) {
			global_flags = flags;
			global_changed = true;
		} else {
			list_specified = true;
		}
	}
	/* "<flags>,<caches>" alone changes only those caches: the global flags stay off */
	if (list_specified) {
		if (!global_changed)
			global_flags = slub_debug;
		slub_debug_string = slub_debug_buf;
	}
out:
	slub_debug = global_flags;
}

/* Does the list entry [iter, end) name the cache @name (of @len characters)? */
static bool slab_list_matches(const char *iter, const char *end, const char *name, size_t len)
{
	const char *glob = strnchr_local(iter, (size_t)(end - iter), '*');
	size_t cmplen = glob ? (size_t)(glob - iter) : max(len, (size_t)(end - iter));

	if (!glob && (size_t)(end - iter) != len)
		return false;
	return !strncmp(name, iter, cmplen);
}

slab_flags_t kmem_cache_flags(slab_flags_t flags, const char *name)
{
	slab_flags_t block_flags, slub_debug_local = slub_debug;
	const char *next_block = slub_debug_string, *iter;
	size_t len;

	if (flags & SLAB_NO_USER_FLAGS)
		return flags;
	/* kmemleak's own caches record no users unless a block names them */
	if (flags & SLAB_NOLEAKTRACE)
		slub_debug_local &= ~SLAB_STORE_USER;

	len = strlen(name);
	while (next_block) {
		next_block = parse_slub_debug_flags(next_block, &block_flags, &iter, false);
		if (!iter)
			continue;
		while (*iter) {
			const char *end = strchrnul_local(iter, ',');

			if (next_block && next_block < end)
				end = next_block - 1;
			if (slab_list_matches(iter, end, name, len))
				return flags | block_flags;
			if (!*end || *end == ';')
				break;
			iter = end + 1;
		}
	}
	return flags | slub_debug_local;
}
