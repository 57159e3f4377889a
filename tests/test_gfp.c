/* kmm-test: labels=unit */
/*
 * test_gfp.c - GFP flags by name (the kernel's %pGg) and dump_page().
 *
 * The expected strings are the kernel's: lib/vsprintf.c's format_flags() over
 * include/trace/events/mmflags.h, checked against lib/test_printf.c's cases and against
 * gfp_flags= strings of a real Linux 6.18 ftrace capture (the project's data file).
 */
#include <linux/gfp.h>
#include <linux/mm.h>

#include "internal.h"
#include "kmm_test.h"

static const char *gfp_str(gfp_t gfp)
{
	static char buf[512];

	gfp_flags_snprint(buf, sizeof(buf), gfp);
	return buf;
}

#define CHECK_GFP(gfp, expected)                                                                   \
	do {                                                                                       \
		const char *got_ = gfp_str(gfp);                                                   \
		if (strcmp(got_, expected)) {                                                      \
			fprintf(stderr, "%s:%d: %s: gfp %#x: got \"%s\", want \"%s\"\n", __FILE__, \
				__LINE__, kmm_current_test, (unsigned int)(gfp), got_, expected);  \
			kmm_failures++;                                                            \
		}                                                                                  \
	} while (0)

TEST(gfp_common_masks)
{
	CHECK_GFP(GFP_KERNEL, "GFP_KERNEL");
	CHECK_GFP(GFP_ATOMIC, "GFP_ATOMIC");
	/* GFP_NOWAIT carries __GFP_NOWARN in this kernel: still one name */
	CHECK_GFP(GFP_NOWAIT, "GFP_NOWAIT");
	CHECK_GFP(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, "GFP_KERNEL|__GFP_ZERO|__GFP_NOWARN");
	CHECK_GFP(GFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE");
	CHECK_GFP(GFP_KERNEL_ACCOUNT, "GFP_KERNEL_ACCOUNT");
	CHECK_GFP(GFP_NOFS, "GFP_NOFS");
	CHECK_GFP(GFP_NOIO, "GFP_NOIO");
	CHECK_GFP(GFP_USER, "GFP_USER");
	CHECK_GFP(GFP_HIGHUSER, "GFP_HIGHUSER");
	CHECK_GFP(GFP_DMA, "GFP_DMA");
	CHECK_GFP(GFP_DMA32, "GFP_DMA32");
	CHECK_GFP(GFP_TRANSHUGE_LIGHT, "GFP_TRANSHUGE_LIGHT");
}

/* The greedy walk: the first table entry that fits wins, even when the caller meant others. */
TEST(gfp_greedy_order)
{
	CHECK_GFP(GFP_KERNEL | __GFP_HARDWALL, "GFP_USER");
	CHECK_GFP(__GFP_RECLAIM, "GFP_NOIO");
	CHECK_GFP(__GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM");
	CHECK_GFP(__GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM");
	/* GFP_ATOMIC comes before GFP_NOWAIT, so NOWARN is left over */
	CHECK_GFP(GFP_ATOMIC | __GFP_NOWARN, "GFP_ATOMIC|__GFP_NOWARN");
	CHECK_GFP(GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY | __GFP_COMP,
		  "GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP");
}

/* lib/test_printf.c, flags(): the kernel's own expectations for %pGg. */
TEST(gfp_kernel_selftest_cases)
{
	gfp_t unknown = ~__GFP_BITS_MASK;

	CHECK_GFP(GFP_TRANSHUGE, "GFP_TRANSHUGE");
	CHECK_GFP(GFP_ATOMIC | __GFP_DMA, "GFP_ATOMIC|GFP_DMA");
	CHECK_GFP(__GFP_HIGH, "__GFP_HIGH");
	CHECK_GFP(unknown, "0xfc000000");
	CHECK_GFP(unknown | __GFP_HIGH, "__GFP_HIGH|0xfc000000");
}

TEST(gfp_zero_and_unknown_bits)
{
	char buf[16];

	/* format_flags() prints nothing for no flags: warn_alloc shows "mode:0x0()" */
	CHECK_GFP(0, "");
	CHECK_EQ(gfp_flags_snprint(buf, sizeof(buf), 0), 0);
	CHECK_EQ(buf[0], '\0');
	/* 0x200 is the one unused bit */
	CHECK_GFP(0x200, "0x200");
	CHECK_GFP(GFP_KERNEL | 0x200, "GFP_KERNEL|0x200");
	CHECK_GFP(GFP_KERNEL | 0x4000000, "GFP_KERNEL|0x4000000");
}

TEST(gfp_snprint_truncates_like_snprintf)
{
	char buf[8];
	int n = gfp_flags_snprint(buf, sizeof(buf), GFP_KERNEL | __GFP_ZERO);

	CHECK_EQ(n, (int)strlen("GFP_KERNEL|__GFP_ZERO"));
	CHECK(!strcmp(buf, "GFP_KER"));
	CHECK_EQ(gfp_flags_snprint(NULL, 0, GFP_ATOMIC), (int)strlen("GFP_ATOMIC"));
}

/* ---- round trip through strings a real kernel printed --------------------------------- */

static const struct {
	const char *name;
	gfp_t value;
} gfp_bits[] = {
	{ "GFP_KERNEL", GFP_KERNEL },
	{ "GFP_KERNEL_ACCOUNT", GFP_KERNEL_ACCOUNT },
	{ "GFP_NOFS", GFP_NOFS },
	{ "GFP_NOWAIT", GFP_NOWAIT },
	{ "GFP_ATOMIC", GFP_ATOMIC },
	{ "GFP_HIGHUSER", GFP_HIGHUSER },
	{ "GFP_HIGHUSER_MOVABLE", GFP_HIGHUSER_MOVABLE },
	{ "__GFP_HIGHMEM", __GFP_HIGHMEM },
	{ "__GFP_MOVABLE", __GFP_MOVABLE },
	{ "__GFP_RECLAIMABLE", __GFP_RECLAIMABLE },
	{ "__GFP_IO", __GFP_IO },
	{ "__GFP_FS", __GFP_FS },
	{ "__GFP_ZERO", __GFP_ZERO },
	{ "__GFP_WRITE", __GFP_WRITE },
	{ "__GFP_NOWARN", __GFP_NOWARN },
	{ "__GFP_NOFAIL", __GFP_NOFAIL },
	{ "__GFP_NORETRY", __GFP_NORETRY },
	{ "__GFP_COMP", __GFP_COMP },
	{ "__GFP_NOMEMALLOC", __GFP_NOMEMALLOC },
	{ "__GFP_HARDWALL", __GFP_HARDWALL },
	{ "__GFP_THISNODE", __GFP_THISNODE },
	{ "__GFP_ACCOUNT", __GFP_ACCOUNT },
};

static gfp_t parse_gfp(const char *s)
{
	char copy[256], *save, *tok;
	gfp_t gfp = 0;

	snprintf(copy, sizeof(copy), "%s", s);
	for (tok = strtok_r(copy, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
		size_t i;

		for (i = 0; i < sizeof(gfp_bits) / sizeof(gfp_bits[0]); i++)
			if (!strcmp(tok, gfp_bits[i].name))
				break;
		if (i == sizeof(gfp_bits) / sizeof(gfp_bits[0])) {
			fprintf(stderr, "unknown GFP name %s\n", tok);
			kmm_failures++;
			continue;
		}
		gfp |= gfp_bits[i].value;
	}
	return gfp;
}

/* gfp_flags= values of data/kernel-kmem-trace-A.txt.xz (Linux 6.18), printed by the same table. */
TEST(gfp_matches_a_real_kernel_trace)
{
	static const char *const seen[] = {
		"GFP_KERNEL",
		"GFP_KERNEL|__GFP_ZERO",
		"GFP_NOFS|__GFP_HIGHMEM|__GFP_MOVABLE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|"
		"__GFP_HARDWALL",
		"GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP",
		"GFP_NOWAIT|__GFP_NORETRY|__GFP_NOMEMALLOC",
		"GFP_NOWAIT|__GFP_FS|__GFP_NORETRY|__GFP_NOMEMALLOC",
		"GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP",
		"GFP_NOWAIT|__GFP_ZERO|__GFP_ACCOUNT",
		"GFP_HIGHUSER|__GFP_ACCOUNT",
		"GFP_NOFS|__GFP_ZERO|__GFP_NOFAIL|__GFP_HARDWALL|__GFP_ACCOUNT",
		"GFP_ATOMIC|__GFP_NOWARN|__GFP_NORETRY|__GFP_NOMEMALLOC",
		"__GFP_RECLAIMABLE|__GFP_IO|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_NOMEMALLOC",
		"GFP_KERNEL|__GFP_RECLAIMABLE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP",
		"GFP_NOFS|__GFP_MOVABLE|__GFP_ZERO|__GFP_NOFAIL|__GFP_HARDWALL|__GFP_ACCOUNT",
		"GFP_HIGHUSER_MOVABLE|__GFP_WRITE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP",
		"GFP_NOWAIT|__GFP_NORETRY|__GFP_COMP|__GFP_THISNODE",
		"GFP_ATOMIC|__GFP_NOWARN",
	};

	for (size_t i = 0; i < sizeof(seen) / sizeof(seen[0]); i++)
		CHECK_GFP(parse_gfp(seen[i]), seen[i]);
}

/* ---- dump_page ------------------------------------------------------------------------ */

static struct page fake_map[8];

static void dump_fake_pages(void *arg)
{
	struct page *saved = mem_map;
	unsigned long saved_max_pfn = max_pfn;

	(void)arg;
	mem_map = fake_map;
	max_pfn = sizeof(fake_map) / sizeof(fake_map[0]);
	dump_page(&fake_map[1], "test buddy");
	dump_page(&fake_map[3], "test tail");
	dump_page(&fake_map[5], NULL);
	dump_page(&fake_map[6], "poison");
	mem_map = saved;
	max_pfn = saved_max_pfn;
}

TEST(dump_page_format)
{
	char expect[512];
	int status;
	char *out;

	memset(fake_map, 0, sizeof(fake_map));
	/* pfn 1: a free order-0 buddy block in ZONE_DMA32 */
	fake_map[1].flags = (unsigned long)ZONE_DMA32 << ZONES_PGSHIFT;
	fake_map[1].page_type = (unsigned int)PGTY_buddy << 24;
	/* pfns 2-3: an order-1 compound page in ZONE_NORMAL, index 7 */
	fake_map[2].flags = (unsigned long)ZONE_NORMAL << ZONES_PGSHIFT | 1UL << PG_head;
	fake_map[2].index = 7;
	set_page_count(&fake_map[2], 1);
	fake_map[3].compound_head = (unsigned long)&fake_map[2] | 1;
	fake_map[3].compound_order = 1;
	/* pfn 5: a slab page with a referenced flag and a mapping the kernel hides */
	fake_map[5].flags = (unsigned long)ZONE_NORMAL << ZONES_PGSHIFT | 1UL << PG_referenced;
	fake_map[5].page_type = (unsigned int)PGTY_slab << 24;
	fake_map[5].mapping = (void *)0x1234;
	set_page_count(&fake_map[5], 1);
	/* pfn 6: never initialised */
	memset(&fake_map[6], 0xff, sizeof(fake_map[6]));

	out = kmm_run_child(dump_fake_pages, NULL, &status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	CHECK_STR_CONTAINS(out, "page: refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 "
				"pfn:0x1\n"
				"flags: 0x2000000000000000(node=0|zone=1)\n"
				"page_type: f0(buddy)\n"
				"raw: 2000000000000000 0000000000000000 0000000000000000 "
				"0000000000000000\n"
				"raw: 0000000000000000 0000000000000000 00000000f0000000 "
				"0000000000000000\n"
				"page dumped because: test buddy\n");

	snprintf(expect, sizeof(expect),
		 "page: refcount:1 mapcount:0 mapping:0000000000000000 index:0x8 pfn:0x3\n"
		 "head: order:1 mapcount:0 entire_mapcount:0 nr_pages_mapped:0 pincount:0\n"
		 "flags: 0x%lx(head|node=0|zone=2)\n"
		 "raw: 0000000000000000 %016lx 0000000000000001 0000000000000000\n",
		 fake_map[2].flags, fake_map[3].compound_head);
	CHECK_STR_CONTAINS(out, expect);
	CHECK_STR_CONTAINS(out, "head: ");
	CHECK_STR_CONTAINS(out, "page dumped because: test tail\n");

	snprintf(expect, sizeof(expect),
		 "page: refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x5\n"
		 "flags: 0x%lx(referenced|node=0|zone=2)\n"
		 "page_type: f5(slab)\n",
		 fake_map[5].flags);
	CHECK_STR_CONTAINS(out, expect);

	snprintf(expect, sizeof(expect),
		 "page:%016lx is uninitialized and poisoned\n"
		 "page dumped because: poison\n",
		 (unsigned long)&fake_map[6]);
	CHECK_STR_CONTAINS(out, expect);
	free(out);
}

int main(void)
{
	return kmm_test_main();
}
