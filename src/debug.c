/* SPDX-License-Identifier: MIT */
/*
 * debug.c - the kernel's mm/debug.c: GFP flags by name (printk's %pGg) and dump_page().
 *
 * The one idea: flags are named by lib/vsprintf.c's format_flags() over the kernel's own
 * name tables, greedily and in table order: the first entry whose bits are all set is
 * printed and its bits cleared, names are joined by '|', and bits no entry names are
 * printed last as one hex number. So the tables' order is the output, and both follow
 * include/trace/events/mmflags.h exactly: composite masks first (most bits first), then
 * __GFP_RECLAIM, then every single bit in bit order. No flags print as nothing at all.
 *
 * The kernel's printf writes "%#x" of zero as "0x0" where C writes "0"; the hex here is
 * always written as "0x%lx", the kernel's way.
 */
#include <linux/mm.h>

#include "internal.h"

struct flag_name {
	unsigned long mask;
	const char *name;
};

#define FLAG_NAME(flag)                      \
	{                                    \
		(unsigned long)(flag), #flag \
	}

/* __def_gfpflag_names: kmm has no KASAN hardware tags and no lockdep, as such a kernel. */
static const struct flag_name gfpflag_names[] = {
	FLAG_NAME(GFP_TRANSHUGE),
	FLAG_NAME(GFP_TRANSHUGE_LIGHT),
	FLAG_NAME(GFP_HIGHUSER_MOVABLE),
	FLAG_NAME(GFP_HIGHUSER),
	FLAG_NAME(GFP_USER),
	FLAG_NAME(GFP_KERNEL_ACCOUNT),
	FLAG_NAME(GFP_KERNEL),
	FLAG_NAME(GFP_NOFS),
	FLAG_NAME(GFP_ATOMIC),
	FLAG_NAME(GFP_NOIO),
	FLAG_NAME(GFP_NOWAIT),
	FLAG_NAME(GFP_DMA),
	FLAG_NAME(GFP_DMA32),
	FLAG_NAME(__GFP_RECLAIM),
	/* TRACE_GFP_FLAGS: one bit each, in bit order */
	FLAG_NAME(__GFP_DMA),
	FLAG_NAME(__GFP_HIGHMEM),
	FLAG_NAME(__GFP_DMA32),
	FLAG_NAME(__GFP_MOVABLE),
	FLAG_NAME(__GFP_RECLAIMABLE),
	FLAG_NAME(__GFP_HIGH),
	FLAG_NAME(__GFP_IO),
	FLAG_NAME(__GFP_FS),
	FLAG_NAME(__GFP_ZERO),
	FLAG_NAME(__GFP_DIRECT_RECLAIM),
	FLAG_NAME(__GFP_KSWAPD_RECLAIM),
	FLAG_NAME(__GFP_WRITE),
	FLAG_NAME(__GFP_NOWARN),
	FLAG_NAME(__GFP_RETRY_MAYFAIL),
	FLAG_NAME(__GFP_NOFAIL),
	FLAG_NAME(__GFP_NORETRY),
	FLAG_NAME(__GFP_MEMALLOC),
	FLAG_NAME(__GFP_COMP),
	FLAG_NAME(__GFP_NOMEMALLOC),
	FLAG_NAME(__GFP_HARDWALL),
	FLAG_NAME(__GFP_THISNODE),
	FLAG_NAME(__GFP_ACCOUNT),
	FLAG_NAME(__GFP_ZEROTAGS),
	{ 0, NULL },
};

#define PAGEFLAG_NAME(flag)             \
	{                               \
		1UL << PG_##flag, #flag \
	}

/* __def_pageflag_names, in the kernel's order (kmm's bit numbers differ, names do not). */
static const struct flag_name pageflag_names[] = {
	PAGEFLAG_NAME(locked),	     PAGEFLAG_NAME(waiters),
	PAGEFLAG_NAME(referenced),   PAGEFLAG_NAME(uptodate),
	PAGEFLAG_NAME(dirty),	     PAGEFLAG_NAME(lru),
	PAGEFLAG_NAME(active),	     PAGEFLAG_NAME(workingset),
	PAGEFLAG_NAME(owner_priv_1), PAGEFLAG_NAME(owner_2),
	PAGEFLAG_NAME(arch_1),	     PAGEFLAG_NAME(reserved),
	PAGEFLAG_NAME(private),	     PAGEFLAG_NAME(private_2),
	PAGEFLAG_NAME(writeback),    PAGEFLAG_NAME(head),
	PAGEFLAG_NAME(reclaim),	     PAGEFLAG_NAME(swapbacked),
	PAGEFLAG_NAME(unevictable),  PAGEFLAG_NAME(dropbehind),
	PAGEFLAG_NAME(mlocked),	     { 0, NULL },
};
_Static_assert(ARRAY_SIZE(pageflag_names) == __NR_PAGEFLAGS + 1, "a name for every page flag");

/* page_type_names[], indexed by the type byte minus PGTY_buddy. */
static const char *const page_type_names[] = {
	[PGTY_buddy - PGTY_buddy] = "buddy",
	[PGTY_offline - PGTY_buddy] = "offline",
	[PGTY_table - PGTY_buddy] = "table",
	[PGTY_guard - PGTY_buddy] = "guard",
	[PGTY_hugetlb - PGTY_buddy] = "hugetlb",
	[PGTY_slab - PGTY_buddy] = "slab",
	[PGTY_zsmalloc - PGTY_buddy] = "zsmalloc",
	[PGTY_unaccepted - PGTY_buddy] = "unaccepted",
	[PGTY_large_kmalloc - PGTY_buddy] = "large_kmalloc",
};

/* ---- a bounded string that counts what it would have held, as snprintf ----------------- */

struct strbuf {
	char *buf;
	size_t size;
	size_t len; /* would-be length; the text in buf is cut at size - 1 */
};

static void sb_putc(struct strbuf *sb, char c)
{
	if (sb->len + 1 < sb->size)
		sb->buf[sb->len] = c;
	sb->len++;
}

static void sb_puts(struct strbuf *sb, const char *s)
{
	while (*s)
		sb_putc(sb, *s++);
}

/* The kernel's default_flag_spec: "0x" and lower-case hex, "0x0" for zero. */
static void sb_hex(struct strbuf *sb, unsigned long v)
{
	char digits[2 * sizeof(v)];
	int n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	sb_puts(sb, "0x");
	while (n)
		sb_putc(sb, digits[--n]);
}

static void sb_dec(struct strbuf *sb, unsigned long v)
{
	char digits[20];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		sb_putc(sb, digits[--n]);
}

static int sb_finish(struct strbuf *sb)
{
	if (sb->size)
		sb->buf[sb->len < sb->size ? sb->len : sb->size - 1] = '\0';
	return (int)sb->len;
}

/* lib/vsprintf.c's format_flags(). */
static void format_flags(struct strbuf *sb, unsigned long flags, const struct flag_name *names)
{
	for (; flags && names->name; names++) {
		unsigned long mask = names->mask;

		if ((flags & mask) != mask)
			continue;
		sb_puts(sb, names->name);
		flags &= ~mask;
		if (flags)
			sb_putc(sb, '|');
	}
	if (flags)
		sb_hex(sb, flags);
}

int gfp_flags_snprint(char *buf, size_t size, gfp_t gfp)
{
	struct strbuf sb = { buf, size, 0 };

	format_flags(&sb, (unsigned long)gfp, gfpflag_names);
	return sb_finish(&sb);
}

/* %pGp: the value, then "(names|node=N|zone=N)" (kmm has no sections or cpupid fields). */
static void format_page_flags(struct strbuf *sb, unsigned long flags)
{
	unsigned long main_flags = flags & ((1UL << __NR_PAGEFLAGS) - 1);

	sb_hex(sb, flags);
	sb_putc(sb, '(');
	if (main_flags) {
		format_flags(sb, main_flags, pageflag_names);
		sb_putc(sb, '|');
	}
	sb_puts(sb, "node=");
	sb_dec(sb, (flags >> NODES_PGSHIFT) & NODES_MASK);
	sb_puts(sb, "|zone=");
	sb_dec(sb, (flags >> ZONES_PGSHIFT) & ZONES_MASK);
	sb_putc(sb, ')');
}

/* ---- dump_page ----------------------------------------------------------------------------- */

#define PAGE_POISON_PATTERN (~0UL) /* a struct page never initialised (page_init_poison) */
#define PAGE_MAPPING_ANON   0x1UL
#define PAGE_MAPPING_KSM    0x3UL
#define PAGE_MAPPING_FLAGS  0x3UL

/* The kernel's page_type_has_type(): a type byte, not a (negative) mapcount of -1. */
static bool page_type_known(unsigned int page_type)
{
	return (page_type >> 24) >= PGTY_buddy && (page_type >> 24) < 0xff;
}

static const char *page_type_name(unsigned int page_type)
{
	unsigned int i = (page_type >> 24) - PGTY_buddy;

	if (i >= ARRAY_SIZE(page_type_names) || !page_type_names[i])
		return "unknown";
	return page_type_names[i];
}

/* print_hex_dump(KERN_WARNING, prefix, DUMP_PREFIX_NONE, 32, 8, ...): four words a line. */
static void hex_dump_words(const char *prefix, const void *p, size_t bytes)
{
	unsigned long w[4];

	for (size_t off = 0; off + sizeof(w) <= bytes; off += sizeof(w)) {
		memcpy(w, (const char *)p + off, sizeof(w));
		pr_warn("%s%016lx %016lx %016lx %016lx\n", prefix, w[0], w[1], w[2], w[3]);
	}
}

/* The head of @page's compound page, if its tail link is believable; else NULL. */
static const struct page *believable_head(const struct page *page, unsigned long *idx)
{
	const struct page *head = compound_head(page);
	unsigned long pfn;

	if (head == page) {
		*idx = 0;
		return page;
	}
	if (head > page || !mem_map || head < mem_map)
		return NULL;
	pfn = page_to_pfn(head);
	*idx = (unsigned long)(page - head);
	if (!pfn_valid(pfn) || !PageHead(head) || *idx >= (1UL << compound_order(head)))
		return NULL;
	return head;
}

/* mm/debug.c's __dump_folio(), for the page at @idx in the folio headed by @head. */
static void dump_folio(const struct page *head, const struct page *page, unsigned long pfn,
		       unsigned long idx)
{
	unsigned long mapping = (unsigned long)head->mapping;
	bool large = PageHead(head);
	const char *type = "";
	char flags[256];
	struct strbuf sb = { flags, sizeof(flags), 0 };
	/* kmm maps no page into user space: untyped pages hold 0 where the kernel has -1 */
	int mapcount = page_type_known(page_type_word(page)) || !page_type_word(page) ?
			       0 :
			       page->_mapcount.counter + 1;

	if ((mapping & PAGE_MAPPING_FLAGS) == PAGE_MAPPING_KSM)
		type = "ksm ";
	else if (mapping & PAGE_MAPPING_ANON)
		type = "anon ";
	/* folio_mapping(): none for slab pages or anonymous ones */
	if (PageSlab(head) || (mapping & PAGE_MAPPING_FLAGS))
		mapping = 0;
	pr_warn("page: refcount:%d mapcount:%d mapping:%016lx index:0x%lx pfn:0x%lx\n",
		page_ref_count(head), mapcount, mapping, head->index + idx, pfn);
	if (large)
		pr_warn("head: order:%u mapcount:%d entire_mapcount:%d nr_pages_mapped:%d "
			"pincount:%d\n",
			compound_order(head), 0, 0, 0, 0);
	if (head->memcg_data)
		pr_warn("memcg:%lx\n", head->memcg_data);
	format_page_flags(&sb, head->flags);
	sb_finish(&sb);
	pr_warn("%sflags: %s\n", type, flags); /* kmm has no CMA: no " CMA" */
	if (page_type_known(page_type_word(head)))
		pr_warn("page_type: %x(%s)\n", page_type_word(head) >> 24,
			page_type_name(page_type_word(head)));
	hex_dump_words("raw: ", page, sizeof(*page));
	if (large)
		hex_dump_words("head: ", head, 2 * sizeof(*head));
}

void dump_page(const struct page *page, const char *reason)
{
	const struct page *head;
	unsigned long idx;

	if (page->flags == PAGE_POISON_PATTERN) {
		pr_warn("page:%016lx is uninitialized and poisoned\n", (unsigned long)page);
	} else {
		head = believable_head(page, &idx);
		if (!head) {
			pr_warn("page does not match folio\n");
			head = page;
			idx = 0;
		}
		dump_folio(head, page, page_to_pfn(page), idx);
	}
	if (reason)
		pr_warn("page dumped because: %s\n", reason);
}
