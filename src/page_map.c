/* SPDX-License-Identifier: MIT */
/*
 * page_map.c - the memory map: a picture (SVG) of kmm's physical memory, one cell per
 * page or per group of pages, coloured by who owns them, zone by zone, with a legend.
 * It is the "map" report, so every command that prints reports can draw it.
 *
 * The one idea: first say who owns every page frame, then draw. The walk reads struct
 * page as /proc/kpageflags and page_owner do: a PGTY_buddy head is a free block of
 * 2^order pages (skipped whole, so untouched RAM costs one read per max-order block), a
 * PGTY_slab head a slab of its cache (SLOB's shared heap pages have no cache), a
 * PGTY_large_kmalloc head a large kmalloc, PG_reserved a reserved frame, and any other
 * page in use a page allocation, named by the migratetype of its pageblock; the per-CPU
 * lists and vmalloc's areas are asked for their pages. The owner of each frame goes
 * into a scratch array from the port's metadata memory (kmm's own allocators are what is
 * being drawn), and a cell is drawn in the colour of the owner of most of its pages.
 *
 * Locking: the owners are gathered with slab_mutex held (caches stay put and their names
 * are copied), each zone's pcp locks and then zone->lock taken in turn, and vmap_area_lock
 * for vmalloc; all of them are dropped before the first byte is emitted, as for every
 * report. The picture is a snapshot: pages that change hands during the walk may be seen
 * in either state.
 */
#include "slab.h"

/* ---- owners --------------------------------------------------------------------------- */

/* Who owns a page frame: one number per kind, one per free order, migratetype, cache. */
enum {
	OWNER_NONE,	/* outside every zone, or not seen (a block changing hands) */
	OWNER_RESERVED, /* PG_reserved: never given to the allocator */
	OWNER_FREE,	/* + order: a free buddy block */
	OWNER_PCP = OWNER_FREE + NR_PAGE_ORDERS, /* free, on a per-CPU list */
	OWNER_PAGES,				 /* + migratetype: alloc_pages() */
	OWNER_VMALLOC = OWNER_PAGES + MIGRATE_TYPES,
	OWNER_KMALLOC_LARGE,
	OWNER_SLOB_HEAP, /* SLOB's pages shared by kmalloc and every cache */
	OWNER_SLAB,	 /* + the cache's cpu_index */
	NR_OWNERS = OWNER_SLAB + SLAB_MAX_CACHES
};
_Static_assert(NR_OWNERS <= 0xffff, "an owner fits the 16 bits kept per page frame");

#define MAP_NAME_LEN 32 /* cache names are cut there in the legend */

struct page_map {
	unsigned long cell_pages; /* a power of two */
	unsigned int columns;
	unsigned long pages[NR_OWNERS]; /* frames per owner */
	unsigned long cells[NR_OWNERS]; /* cells drawn in its colour */
	char slab_name[SLAB_MAX_CACHES][MAP_NAME_LEN];
	unsigned short *owner; /* [max_pfn]: OWNER_* of each frame */
	size_t bytes;	       /* of this scratch area, for port_metadata_free() */
};

static void map_set(struct page_map *map, unsigned long pfn, unsigned long nr, unsigned int owner)
{
	if (pfn >= max_pfn)
		return;
	nr = min(nr, max_pfn - pfn);
	for (unsigned long i = 0; i < nr; i++)
		map->owner[pfn + i] = (unsigned short)owner;
}

static void map_copy_name(char *dst, const char *src)
{
	size_t i = 0;

	for (; src && src[i] && i < MAP_NAME_LEN - 1; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

/* What the walk needs of a struct page, read in one go. */
struct page_snap {
	unsigned long flags;
	unsigned int page_type; /* PGTY_* in the top byte, 0: none */
	unsigned long private;	/* a free block's order */
	int refcount;
	unsigned int order; /* a compound head's order, else 0 */
	const struct kmem_cache *slab_cache;
};

/*
 * Read a page its owner may be changing under us: the map is a snapshot, as the
 * kernel's kpageflags and page_owner walkers are (their data_race()), and
 * ThreadSanitizer is told so. Plain field reads only: a helper would be instrumented.
 */
#if defined(__SANITIZE_THREAD__)
#define map_data_race __attribute__((no_sanitize("thread")))
#else
#define map_data_race
#endif

map_data_race static void page_snapshot(const struct page *page, struct page_snap *snap)
{
	snap->flags = page->flags;
	snap->page_type = page_type_word(page);
	snap->private = page->private;
	snap->refcount = page->_refcount.counter;
	snap->order = (snap->flags >> PG_head) & 1 ? page[1].compound_order : 0;
	snap->slab_cache =
		(snap->page_type >> 24) == PGTY_slab ? page_slab(page)->slab_cache : NULL;
}

/* The owner of an allocated head page and how many frames it covers. */
static unsigned int page_owner_of(struct page_map *map, const struct zone *zone, unsigned long pfn,
				  const struct page_snap *snap, unsigned long *nr)
{
	unsigned int type = snap->page_type >> 24;

	*nr = 1UL << min(snap->order, (unsigned int)MAX_PAGE_ORDER);
	if (type == PGTY_slab) {
		const struct kmem_cache *s = snap->slab_cache;

		if (!s)
			return OWNER_SLOB_HEAP;
		/* by the page, not slab_caches: back-ends keep caches of their own off that list */
		if (!map->slab_name[s->cpu_index][0])
			map_copy_name(map->slab_name[s->cpu_index], s->name);
		return OWNER_SLAB + s->cpu_index;
	}
	if (type == PGTY_large_kmalloc)
		return OWNER_KMALLOC_LARGE;
	if ((snap->flags >> PG_reserved) & 1)
		return OWNER_RESERVED;
	return OWNER_PAGES + (unsigned int)pageblock_migratetype(zone, pfn);
}

/*
 * Walk one zone's frames (zone->lock held: the free blocks stay put, while pages in use
 * may change hands). A frame that is neither free nor the head of something in use is
 * the tail of a non-compound multi-page allocation (split_page() pages and alloc_pages()
 * without __GFP_COMP keep no order): it goes with the allocation before it. Frames
 * already marked (per-CPU lists) are left as they are.
 */
static void map_walk_zone_locked(struct page_map *map, struct zone *zone)
{
	unsigned int prev = OWNER_NONE;
	unsigned long pfn = zone->zone_start_pfn;

	while (pfn < zone_end_pfn(zone)) {
		struct page_snap snap;
		unsigned long nr = 1;
		unsigned int owner;

		if (map->owner[pfn] == OWNER_PCP) {
			prev = OWNER_NONE;
			pfn++;
			continue;
		}
		if (pfn == zone->first_deferred_pfn && zone_deferred_blocks(zone)) {
			/* free max-order blocks not yet listed: their struct pages are blank */
			nr = zone->deferred_end_pfn - pfn;
			map_set(map, pfn, nr, OWNER_FREE + MAX_PAGE_ORDER);
			prev = OWNER_NONE;
			pfn += nr;
			continue;
		}
		page_snapshot(pfn_to_page(pfn), &snap);
		if ((snap.page_type >> 24) == PGTY_buddy) {
			unsigned int order =
				min((unsigned int)snap.private, (unsigned int)MAX_PAGE_ORDER);

			nr = 1UL << order;
			owner = OWNER_FREE + order;
			prev = OWNER_NONE;
		} else if (snap.page_type || snap.order || snap.refcount > 0 ||
			   ((snap.flags >> PG_reserved) & 1)) {
			owner = page_owner_of(map, zone, pfn, &snap, &nr);
			prev = owner >= OWNER_PAGES && owner < OWNER_VMALLOC ? owner : OWNER_NONE;
		} else {
			owner = prev;
		}
		map_set(map, pfn, min(nr, zone_end_pfn(zone) - pfn), owner);
		pfn += nr;
	}
}

static void map_mark_pcp(void *ctx, struct page *page, unsigned int order)
{
	map_set(ctx, page_to_pfn(page), 1UL << order, OWNER_PCP);
}

static void map_mark_vmalloc(void *ctx, const struct page *page)
{
	map_set(ctx, page_to_pfn(page), 1, OWNER_VMALLOC);
}

/* Every frame's owner and the names of their caches; no lock is held on return. */
static void map_gather(struct page_map *map)
{
	struct zone *zone;

	mutex_lock(&slab_mutex);
	for_each_populated_zone(zone) {
		pcp_for_each_block(zone, map_mark_pcp, map);
		spin_lock(&zone->lock);
		map_walk_zone_locked(map, zone);
		spin_unlock(&zone->lock);
	}
	mutex_unlock(&slab_mutex);
	vmalloc_for_each_page(map_mark_vmalloc, map);
	for (unsigned long pfn = 0; pfn < max_pfn; pfn++)
		if (map->owner[pfn] != OWNER_NONE)
			map->pages[map->owner[pfn]]++;
}

/*
 * The owner of most frames of the cell at @first (frames outside the zone not counted).
 * A cell has few owners in practice; past eight distinct ones the rest are not counted.
 */
static unsigned int map_cell_owner(const struct page_map *map, const struct zone *zone,
				   unsigned long first)
{
	unsigned int owner[8], count[8], nr = 0, best = 0;
	unsigned long start = max(first, zone->zone_start_pfn);
	unsigned long end = min(first + map->cell_pages, zone_end_pfn(zone));

	for (unsigned long pfn = start; pfn < end; pfn++) {
		unsigned int o = map->owner[pfn], i;

		for (i = 0; i < nr && owner[i] != o; i++)
			;
		if (i == nr) {
			if (nr == ARRAY_SIZE(owner))
				continue;
			owner[nr] = o;
			count[nr++] = 0;
		}
		count[i]++;
	}
	for (unsigned int i = 1; i < nr; i++)
		if (count[i] > count[best])
			best = i;
	return nr ? owner[best] : OWNER_NONE;
}

/* ---- colours and names ------------------------------------------------------------------- */

/* Free blocks: pale for max order, darker as they get smaller, so fragmentation shows. */
static const char *const free_colours[NR_PAGE_ORDERS] = {
	"#7f99b3", "#8aa3bb", "#95acc3", "#a0b5ca", "#abbfd2", "#b6c8d9",
	"#c1d1e1", "#ccdae8", "#d7e3f0", "#e2ecf7", "#eef3f9",
};
static const char *const page_colours[MIGRATE_TYPES] = {
	"#2e7d32", "#81c784", "#00897b", "#c0ca33", "#9e9e9e",
};
_Static_assert(MIGRATE_TYPES == 5, "one colour per migratetype");

/* FNV-1a: a cache keeps its colour from one run and one back-end to the next. */
static unsigned int name_hash(const char *s)
{
	unsigned int h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void owner_colour(const struct page_map *map, unsigned int owner, char *buf, size_t size)
{
	const char *fixed = "#ffffff";

	if (owner >= OWNER_SLAB) {
		unsigned int h = name_hash(map->slab_name[owner - OWNER_SLAB]);

		scnprintf(buf, size, "hsl(%u,%u%%,%u%%)", h % 360, 55 + (h >> 9) % 30,
			  42 + (h >> 17) % 16);
		return;
	}
	if (owner >= OWNER_FREE && owner < OWNER_PCP)
		fixed = free_colours[owner - OWNER_FREE];
	else if (owner >= OWNER_PAGES && owner < OWNER_VMALLOC)
		fixed = page_colours[owner - OWNER_PAGES];
	else if (owner == OWNER_PCP)
		fixed = "#5c7fa3";
	else if (owner == OWNER_RESERVED)
		fixed = "#212121";
	else if (owner == OWNER_VMALLOC)
		fixed = "#7b1fa2";
	else if (owner == OWNER_KMALLOC_LARGE)
		fixed = "#e65100";
	else if (owner == OWNER_SLOB_HEAP)
		fixed = "#c62828";
	scnprintf(buf, size, "%s", fixed);
}

/* How many caches before @owner in the legend have its name. */
static unsigned int same_name_before(const struct page_map *map, unsigned int owner)
{
	const char *name = map->slab_name[owner - OWNER_SLAB];
	unsigned int n = 0;

	for (unsigned int o = OWNER_SLAB; o < owner; o++)
		n += map->pages[o] && !strcmp(map->slab_name[o - OWNER_SLAB], name);
	return n;
}

/* The legend's words, and a stable key ("slab:kmalloc-64", "free:3") for programs. */
static void owner_label(const struct page_map *map, unsigned int owner, char *label, size_t lsize,
			char *key, size_t ksize)
{
	if (owner >= OWNER_SLAB) {
		const char *name = map->slab_name[owner - OWNER_SLAB];
		unsigned int dup = same_name_before(map, owner);

		/* two caches may share a name (one from a trace, one kmm's own): number them */
		if (dup) {
			scnprintf(label, lsize, "slab %s (#%u)", name, dup + 1);
			scnprintf(key, ksize, "slab:%s#%u", name, dup + 1);
		} else {
			scnprintf(label, lsize, "slab %s", name);
			scnprintf(key, ksize, "slab:%s", name);
		}
	} else if (owner >= OWNER_FREE && owner < OWNER_PCP) {
		scnprintf(label, lsize, "free, order %u", owner - OWNER_FREE);
		scnprintf(key, ksize, "free:%u", owner - OWNER_FREE);
	} else if (owner >= OWNER_PAGES && owner < OWNER_VMALLOC) {
		scnprintf(label, lsize, "pages, %s", migratetype_names[owner - OWNER_PAGES]);
		scnprintf(key, ksize, "pages:%s", migratetype_names[owner - OWNER_PAGES]);
	} else {
		static const char *const names[][2] = {
			[OWNER_RESERVED] = { "reserved", "reserved" },
			[OWNER_PCP] = { "free, per-CPU lists", "pcp" },
			[OWNER_VMALLOC] = { "vmalloc", "vmalloc" },
			[OWNER_KMALLOC_LARGE] = { "kmalloc_large", "kmalloc_large" },
			[OWNER_SLOB_HEAP] = { "SLOB heap (kmalloc and caches)", "slob_heap" },
		};

		scnprintf(label, lsize, "%s", names[owner][0] ? names[owner][0] : "?");
		scnprintf(key, ksize, "%s", names[owner][1] ? names[owner][1] : "?");
	}
}

/* Text with XML's five special characters escaped. */
static void seq_put_xml(struct seq_file *m, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			seq_puts(m, "&lt;");
			break;
		case '>':
			seq_puts(m, "&gt;");
			break;
		case '&':
			seq_puts(m, "&amp;");
			break;
		case '"':
			seq_puts(m, "&quot;");
			break;
		case '\'':
			seq_puts(m, "&apos;");
			break;
		default:
			seq_putc(m, *s);
		}
	}
}

/* ---- drawing ----------------------------------------------------------------------------- */

#define CELL_PX	      6	  /* a cell's side */
#define FOLD_PX	      8	  /* a band of folded free rows */
#define MARGIN_PX     12  /* around everything */
#define TITLE_PX      54  /* the title lines at the top */
#define HEADING_PX    22  /* a zone's heading above its cells */
#define ZONE_GAP_PX   10  /* between two zones */
#define LEGEND_GAP_PX 24  /* between the cells and the legend */
#define LEGEND_ROW_PX 16  /* one legend entry */
#define LEGEND_W_PX   380 /* the legend's column */
#define MAP_COLUMNS   128
/* The automatic scale keeps the frames in use within this many cells (rows of 128). */
#define MAP_BUSY_CELLS 32768

static unsigned long zone_first_cell(const struct page_map *map, const struct zone *zone)
{
	return zone->zone_start_pfn & ~(map->cell_pages - 1);
}

static unsigned long zone_rows(const struct page_map *map, const struct zone *zone)
{
	unsigned long cells =
		(ALIGN(zone_end_pfn(zone), map->cell_pages) - zone_first_cell(map, zone)) /
		map->cell_pages;

	return (cells + map->columns - 1) / map->columns;
}

static bool owner_is_idle(unsigned int owner)
{
	return owner == OWNER_NONE || owner == OWNER_FREE + MAX_PAGE_ORDER;
}

/*
 * A row of the zone's cells that is nothing but free max-order blocks. Runs of such rows
 * are folded into one thin band, so that the part of RAM in use gets the room.
 */
static bool row_is_idle(const struct page_map *map, const struct zone *zone, unsigned long row)
{
	unsigned long row_pages = map->columns * map->cell_pages;
	unsigned long start =
		max(zone_first_cell(map, zone) + row * row_pages, zone->zone_start_pfn);
	unsigned long end = min(start + row_pages, zone_end_pfn(zone));

	for (unsigned long pfn = start; pfn < end; pfn++)
		if (!owner_is_idle(map->owner[pfn]))
			return false;
	return true;
}

/* Rows of @zone from @row on that are idle (0 if @row is not). */
static unsigned long idle_rows_from(const struct page_map *map, const struct zone *zone,
				    unsigned long row)
{
	unsigned long rows = zone_rows(map, zone), n = 0;

	while (row + n < rows && row_is_idle(map, zone, row + n))
		n++;
	return n;
}

/* Height of a zone's cells: drawn rows, and one band per run of two or more idle rows. */
static unsigned long zone_cells_height(const struct page_map *map, const struct zone *zone)
{
	unsigned long rows = zone_rows(map, zone), h = 0;

	for (unsigned long row = 0; row < rows;) {
		unsigned long idle = idle_rows_from(map, zone, row);

		h += idle >= 2 ? FOLD_PX : CELL_PX;
		row += idle >= 2 ? idle : 1;
	}
	return h;
}

static unsigned long zones_height(const struct page_map *map)
{
	unsigned long h = 0;
	struct zone *zone;

	for_each_populated_zone(zone)
		h += HEADING_PX + zone_cells_height(map, zone) + ZONE_GAP_PX;
	return h;
}

static unsigned long legend_entries(const struct page_map *map)
{
	unsigned long n = 0;

	for (unsigned int o = OWNER_RESERVED; o < NR_OWNERS; o++)
		n += map->pages[o] != 0;
	return n;
}

/* A run of @n cells of one owner starting at column @col of row @y. */
static void draw_run(struct seq_file *m, struct page_map *map, unsigned int owner, unsigned long y,
		     unsigned int col, unsigned int n)
{
	char colour[32];

	map->cells[owner] += n;
	if (owner == OWNER_NONE)
		return;
	owner_colour(map, owner, colour, sizeof(colour));
	seq_printf(m, "<rect x=\"%u\" y=\"%lu\" width=\"%u\" height=\"%u\" fill=\"%s\"/>\n",
		   MARGIN_PX + col * CELL_PX, y, n * CELL_PX, CELL_PX, colour);
}

/* One row of cells, runs of one owner drawn as one rectangle. */
static void draw_row(struct seq_file *m, struct page_map *map, const struct zone *zone,
		     unsigned long row, unsigned long y)
{
	unsigned long first = zone_first_cell(map, zone), end = zone_end_pfn(zone);
	unsigned int run_owner = OWNER_NONE, run_col = 0, col;

	for (col = 0; col < map->columns; col++) {
		unsigned long cell = first + (row * map->columns + col) * map->cell_pages;
		unsigned int owner = cell < end ? map_cell_owner(map, zone, cell) : OWNER_NONE;

		if (col && owner != run_owner) {
			draw_run(m, map, run_owner, y, run_col, col - run_col);
			run_col = col;
		}
		run_owner = owner;
	}
	draw_run(m, map, run_owner, y, run_col, col - run_col);
}

/* @rows idle rows folded into a band that says what it stands for. */
static void draw_fold(struct seq_file *m, struct page_map *map, const struct zone *zone,
		      unsigned long row, unsigned long rows, unsigned long y)
{
	unsigned long row_pages = map->columns * map->cell_pages;
	unsigned long start =
		max(zone_first_cell(map, zone) + row * row_pages, zone->zone_start_pfn);
	unsigned long end =
		min(zone_first_cell(map, zone) + (row + rows) * row_pages, zone_end_pfn(zone));
	char colour[32];

	/* the cells stand for what they would have been: free max-order blocks */
	map->cells[OWNER_FREE + MAX_PAGE_ORDER] +=
		(end - start + map->cell_pages - 1) / map->cell_pages;
	owner_colour(map, OWNER_FREE + MAX_PAGE_ORDER, colour, sizeof(colour));
	seq_printf(m,
		   "<g class=\"fold\" data-start-pfn=\"%lu\" data-end-pfn=\"%lu\"><rect x=\"%u\" "
		   "y=\"%lu\" width=\"%u\" height=\"%u\" fill=\"%s\" stroke=\"#889\" "
		   "stroke-dasharray=\"3,2\" stroke-width=\"0.5\"/>",
		   start, end, MARGIN_PX, y + 1, map->columns * CELL_PX, FOLD_PX - 2, colour);
	seq_printf(m,
		   "<text x=\"%u\" y=\"%lu\" font-size=\"7\">%lu rows, pfn 0x%lx-0x%lx: free "
		   "order-%d blocks (%lu MiB)</text></g>\n",
		   MARGIN_PX + 4, y + FOLD_PX - 2, rows, start, end, MAX_PAGE_ORDER,
		   ((end - start) << PAGE_SHIFT) >> 20);
}

/* One zone: its heading, then its cells, runs of idle rows folded. */
static unsigned long draw_zone(struct seq_file *m, struct page_map *map, struct zone *zone,
			       unsigned long y)
{
	unsigned long end = zone_end_pfn(zone), rows = zone_rows(map, zone), top;

	seq_printf(m,
		   "<text class=\"zone\" x=\"%u\" y=\"%lu\">Node %d, zone %s: pfn 0x%lx-0x%lx "
		   "(%lu MiB)</text>\n",
		   MARGIN_PX, y + HEADING_PX - 6, zone->zone_pgdat->node_id, zone->name,
		   zone->zone_start_pfn, end, (zone->spanned_pages << PAGE_SHIFT) >> 20);
	y += HEADING_PX;
	top = y;
	seq_printf(m,
		   "<g class=\"zone-cells\" data-node=\"%d\" data-zone=\"%s\" "
		   "data-start-pfn=\"%lu\" data-end-pfn=\"%lu\">\n",
		   zone->zone_pgdat->node_id, zone->name, zone->zone_start_pfn, end);
	for (unsigned long row = 0; row < rows;) {
		unsigned long idle = idle_rows_from(map, zone, row);

		if (idle >= 2) {
			draw_fold(m, map, zone, row, idle, y);
			y += FOLD_PX;
			row += idle;
			continue;
		}
		draw_row(m, map, zone, row, y);
		y += CELL_PX;
		row++;
	}
	seq_printf(m,
		   "</g>\n<rect class=\"zone-border\" x=\"%u\" y=\"%lu\" width=\"%u\" "
		   "height=\"%lu\" fill=\"none\" stroke=\"#333\" stroke-width=\"1\"/>\n",
		   MARGIN_PX - 1, top - 1, map->columns * CELL_PX + 2, y - top + 2);
	return y + ZONE_GAP_PX;
}

static void draw_legend(struct seq_file *m, const struct page_map *map, unsigned long x,
			unsigned long y)
{
	char colour[32], label[64], key[64];

	seq_printf(m,
		   "<g class=\"legend\">\n<text x=\"%lu\" y=\"%lu\" class=\"h\">owner "
		   "(pages, cells)</text>\n",
		   x, y);
	y += LEGEND_ROW_PX;
	for (unsigned int o = OWNER_RESERVED; o < NR_OWNERS; o++) {
		if (!map->pages[o])
			continue;
		owner_colour(map, o, colour, sizeof(colour));
		owner_label(map, o, label, sizeof(label), key, sizeof(key));
		seq_puts(m, "<g class=\"owner\" data-owner=\"");
		seq_put_xml(m, key);
		seq_printf(m, "\" data-pages=\"%lu\" data-cells=\"%lu\" data-fill=\"%s\">",
			   map->pages[o], map->cells[o], colour);
		seq_printf(m,
			   "<rect x=\"%lu\" y=\"%lu\" width=\"12\" height=\"12\" fill=\"%s\" "
			   "stroke=\"#333\" stroke-width=\"0.5\"/><text x=\"%lu\" y=\"%lu\">",
			   x, y - 10, colour, x + 18, y);
		seq_put_xml(m, label);
		seq_printf(m, " (%lu, %lu)</text></g>\n", map->pages[o], map->cells[o]);
		y += LEGEND_ROW_PX;
	}
	seq_puts(m, "</g>\n");
}

static void draw(struct seq_file *m, struct page_map *map)
{
	unsigned long grid_w = map->columns * CELL_PX,
		      legend_x = MARGIN_PX + grid_w + LEGEND_GAP_PX;
	unsigned long legend_h = (legend_entries(map) + 1) * LEGEND_ROW_PX;
	unsigned long width = legend_x + LEGEND_W_PX + MARGIN_PX;
	unsigned long height = TITLE_PX + max(zones_height(map), legend_h) + MARGIN_PX;
	unsigned long y = TITLE_PX;
	struct zone *zone;

	seq_puts(m, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	seq_printf(m,
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%lu\" height=\"%lu\" "
		   "viewBox=\"0 0 %lu %lu\" data-slab=\"%s\" data-cell-pages=\"%lu\" "
		   "data-columns=\"%u\">\n",
		   width, height, width, height, slab_ops->name, map->cell_pages, map->columns);
	seq_puts(m, "<style>text{font-family:sans-serif;font-size:11px;fill:#222}"
		    ".t{font-size:14px;font-weight:bold}.h,.zone{font-weight:bold}</style>\n");
	seq_printf(m, "<rect width=\"%lu\" height=\"%lu\" fill=\"#ffffff\"/>\n", width, height);
	seq_printf(m,
		   "<text class=\"t\" x=\"%u\" y=\"18\">kmm physical memory: %lu MiB, %s, %d "
		   "node(s)</text>\n",
		   MARGIN_PX, (max_pfn << PAGE_SHIFT) >> 20, slab_ops->name, nr_online_nodes);
	seq_printf(m,
		   "<text x=\"%u\" y=\"33\">one cell = %lu page(s) (%lu KiB), %u cells a row; "
		   "a cell has the colour of the owner of most of its pages;</text>\n"
		   "<text x=\"%u\" y=\"47\">rows wholly in free order-%d blocks are folded "
		   "into dashed bands</text>\n",
		   MARGIN_PX, map->cell_pages, (map->cell_pages << PAGE_SHIFT) >> 10, map->columns,
		   MARGIN_PX, MAX_PAGE_ORDER);
	for_each_populated_zone(zone)
		y = draw_zone(m, map, zone, y);
	draw_legend(m, map, legend_x, TITLE_PX + LEGEND_ROW_PX);
	seq_puts(m, "</svg>\n");
}

/* ---- entry points ------------------------------------------------------------------------ */

/*
 * The smallest power of two of frames per cell that draws the frames in use (all but
 * the free max-order blocks, which fold away) within MAP_BUSY_CELLS cells.
 */
static unsigned long auto_cell_pages(const struct page_map *map)
{
	unsigned long busy = 0, cell = 1;

	for (unsigned int o = OWNER_RESERVED; o < NR_OWNERS; o++)
		if (!owner_is_idle(o))
			busy += map->pages[o];
	while (busy / cell > MAP_BUSY_CELLS)
		cell <<= 1;
	return cell;
}

static int page_map_show_opts(struct seq_file *m, const struct kmm_map_options *opt)
{
	size_t bytes = sizeof(struct page_map) + max_pfn * sizeof(unsigned short);
	struct page_map *map = port_metadata_alloc(bytes);
	unsigned long cell = opt ? opt->cell_pages : 0;

	if (!map)
		return -ENOMEM;
	map->bytes = bytes;
	map->owner = (unsigned short *)(map + 1);
	map->columns = opt && opt->columns ? opt->columns : MAP_COLUMNS;
	map_gather(map);
	map->cell_pages = cell && !(cell & (cell - 1)) ? cell : auto_cell_pages(map);
	draw(m, map);
	port_metadata_free(map, map->bytes);
	return 0;
}

void page_map_show(struct seq_file *m)
{
	page_map_show_opts(m, NULL);
}

int kmm_map_write(const struct kmm_map_options *opt,
		  void (*emit)(void *ctx, const char *text, size_t len), void *ctx)
{
	struct seq_file m = { .emit = emit, .ctx = ctx };

	kmm_ensure_init();
	return page_map_show_opts(&m, opt);
}
