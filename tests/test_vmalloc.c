/* kmm-test: labels=unit env=KMM_RAM=1G,KMM_NR_CPUS=2 */
/*
 * test_vmalloc - vmalloc with real mappings: contents across page boundaries, aliasing
 * with the direct map, scattered frames, guard pages, vmap and vm_map_ram, lazy purge,
 * the vmap trees under 10^5 random operations, window exhaustion, vmallocinfo and
 * meminfo, vrealloc, deferred frees, and the unwinding of failures.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "internal.h"
#include "kmm_test.h"

static struct vmap_tree_stats tree_stats(void)
{
	struct vmap_tree_stats s;

	CHECK_EQ(vmap_tree_check(&s), 0);
	return s;
}

/* After everything is freed and purged, the window is one free area again. */
static void check_window_clean(void)
{
	struct vmap_tree_stats s;

	vm_unmap_aliases();
	s = tree_stats();
	CHECK_EQ(s.nr_busy, 0);
	CHECK_EQ(s.nr_lazy, 0);
	CHECK_EQ(s.nr_free, 1);
	CHECK_EQ(s.largest_free, VMALLOC_END - VMALLOC_START);
}

static unsigned long nr_runs(const void *addr, unsigned long nr_pages)
{
	unsigned long runs = 1;

	for (unsigned long i = 1; i < nr_pages; i++)
		if (vmalloc_to_pfn((const char *)addr + i * PAGE_SIZE) !=
		    vmalloc_to_pfn((const char *)addr + (i - 1) * PAGE_SIZE) + 1)
			runs++;
	return runs;
}

/* No initialisation call is needed: vmalloc may be the program's first kmm call. */
TEST(vmalloc_may_be_the_first_call)
{
	void *p = vmalloc(3 * PAGE_SIZE);

	CHECK(p != NULL);
	CHECK(is_vmalloc_addr(p));
	vfree(p);
}

TEST(window_reserved)
{
	CHECK(VMALLOC_START != 0);
	CHECK(VMALLOC_END - VMALLOC_START >= (8UL << 30)); /* 8 x 1 GiB of RAM */
	CHECK_EQ(VMALLOC_START % (2UL << 20), 0);
	check_window_clean();
}

TEST(contents_across_pages)
{
	unsigned long size = 5 * PAGE_SIZE + 100;
	unsigned char *p = vmalloc(size);

	REQUIRE(p);
	CHECK(is_vmalloc_addr(p));
	CHECK(!is_vmalloc_addr(page_address(vmalloc_to_page(p))));
	CHECK_EQ((unsigned long)p % PAGE_SIZE, 0);
	for (unsigned long i = 0; i < size; i++)
		p[i] = (unsigned char)(i * 7 + 3);
	for (unsigned long i = 0; i < size; i++)
		if (p[i] != (unsigned char)(i * 7 + 3)) {
			CHECK(!"byte differs");
			break;
		}
	vfree(p);
	vfree(NULL);
}

TEST(vzalloc_and_user_are_zeroed)
{
	unsigned char *p = vmalloc(64 * PAGE_SIZE), *z, *u;
	struct vm_struct *vm;

	REQUIRE(p);
	memset(p, 0xaa, 64 * PAGE_SIZE);
	vfree(p);
	vm_unmap_aliases();
	z = vzalloc(64 * PAGE_SIZE);
	u = vmalloc_user(3 * PAGE_SIZE);
	REQUIRE(z && u);
	for (unsigned long i = 0; i < 64 * PAGE_SIZE; i++)
		if (z[i]) {
			CHECK(!"vzalloc memory not zero");
			break;
		}
	for (unsigned long i = 0; i < 3 * PAGE_SIZE; i++)
		if (u[i]) {
			CHECK(!"vmalloc_user memory not zero");
			break;
		}
	vm = find_vm_area(u);
	REQUIRE(vm);
	CHECK(vm->flags & VM_USERMAP);
	CHECK(vm->flags & VM_ALLOC);
	CHECK(!(vm->flags & VM_UNINITIALIZED));
	CHECK_EQ(vm->nr_pages, 3);
	CHECK_EQ(vm->size, 4 * PAGE_SIZE); /* the guard page counts */
	CHECK_EQ(get_vm_area_size(vm), 3 * PAGE_SIZE);
	vfree(z);
	vfree(u);
}

TEST(vmalloc_32_takes_dma32_pages)
{
	unsigned long n = 300;
	char *p = vmalloc_32(n * PAGE_SIZE), *q = vmalloc_32_user(PAGE_SIZE);

	REQUIRE(p && q);
	for (unsigned long i = 0; i < n; i++) {
		struct page *page = vmalloc_to_page(p + i * PAGE_SIZE);

		CHECK(page_zonenum(page) <= ZONE_DMA32);
		CHECK(page_to_pfn(page) < (4UL << 30) >> PAGE_SHIFT);
	}
	CHECK(find_vm_area(q)->flags & VM_USERMAP);
	vfree(p);
	vfree(q);
}

TEST(aliases_direct_map)
{
	unsigned long n = 9;
	unsigned char *p = vmalloc(n * PAGE_SIZE);

	REQUIRE(p);
	for (unsigned long i = 0; i < n; i++) {
		unsigned long off = i * PAGE_SIZE + (i * 131) % PAGE_SIZE;
		struct page *page = vmalloc_to_page(p + off);
		unsigned char *direct;

		REQUIRE(page);
		CHECK_EQ(vmalloc_to_pfn(p + off), page_to_pfn(page));
		direct = (unsigned char *)page_address(page) + off % PAGE_SIZE;
		p[off] = (unsigned char)(0x5a + i);
		CHECK_EQ(*direct, 0x5a + i); /* vmalloc address -> direct map */
		*direct = (unsigned char)(0xc3 - i);
		CHECK_EQ(p[off], 0xc3 - i); /* and back */
	}
	CHECK(vmalloc_to_page(p + n * PAGE_SIZE) == NULL); /* the guard page maps nothing */
	vfree(p);
}

/*
 * Ask for more than is free: the failure warns and leaves nothing behind. (Early in the
 * file: the warnings are rate limited, and window_exhaustion prints many.) The hog's
 * 1.4 MiB page array is vmalloc'd too: 718200 kB in two areas.
 */
static void vmalloc_fails(void *arg)
{
	unsigned long used = meminfo_kb("VmallocUsed"), free_kb;
	struct vmap_tree_stats s;
	char *hog = vmalloc(700UL << 20), *p;

	vm_unmap_aliases();
	free_kb = meminfo_kb("MemFree");
	p = __vmalloc(600UL << 20, GFP_KERNEL | __GFP_NORETRY | (arg ? __GFP_NOWARN : 0));
	vm_unmap_aliases();
	fprintf(stderr, "hog %d p %d used %ld free %ld\n", hog != NULL, p != NULL,
		(long)(meminfo_kb("VmallocUsed") - used), (long)(meminfo_kb("MemFree") - free_kb));
	vmap_tree_check(&s);
	fprintf(stderr, "busy %lu\n", s.nr_busy);
}

TEST(failure_unwinds_completely)
{
	int status;
	char *out = kmm_run_child(vmalloc_fails, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "vmalloc error: size ");
	CHECK_STR_CONTAINS(out, ", failed to allocate pages, mode:0x");
	CHECK_STR_CONTAINS(out, "(GFP_KERNEL|__GFP_HIGHMEM|__GFP_NORETRY), nodemask=(null)");
	CHECK_STR_CONTAINS(out, "hog 1 p 0 used 718200 ");
	CHECK_STR_CONTAINS(out, "busy 2\n");
	printf("# %s", strstr(out, "hog ") ? strstr(out, "hog ") : out);
	free(out);
	out = kmm_run_child(vmalloc_fails, (void *)1, &status);
	CHECK(!strstr(out, "vmalloc error"));
	CHECK_STR_CONTAINS(out, "hog 1 p 0 used 718200 ");
	free(out);
}

/*
 * Physically scattered frames are fine: map every other one of 512 pages (vmap), and
 * vmalloc in the holes left by freeing the rest.
 */
TEST(scattered_frames)
{
	enum { N = 512 };
	struct page *pages[N], *odd[N / 2];
	unsigned long n = N / 2;
	unsigned char *p, *v;

	for (int i = 0; i < N; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		REQUIRE(pages[i]);
	}
	for (int i = 0; i < N / 2; i++)
		odd[i] = pages[2 * i + 1];
	v = vmap(odd, N / 2, VM_MAP, PAGE_KERNEL);
	REQUIRE(v);
	for (int i = 0; i < N; i += 2)
		__free_page(pages[i]);
	p = vmalloc(n * PAGE_SIZE);
	REQUIRE(p);
	for (unsigned long i = 0; i < n * PAGE_SIZE; i++) {
		p[i] = (unsigned char)(i >> 12);
		v[i] = (unsigned char)~(i >> 12);
	}
	for (unsigned long i = 0; i < n; i++) {
		CHECK_EQ(*(unsigned char *)page_address(vmalloc_to_page(p + i * PAGE_SIZE)),
			 (unsigned char)i);
		CHECK_EQ(*(unsigned char *)page_address(odd[i]), (unsigned char)~i);
	}
	CHECK_EQ(nr_runs(v, n), n); /* no two frames adjacent: one mapping each */
	printf("# vmalloc: %lu pages in %lu runs\n", n, nr_runs(p, n));
	vfree(p);
	vunmap(v);
	for (int i = 1; i < N; i += 2)
		__free_page(pages[i]);
}

/* A large vmalloc takes big blocks and maps them as few runs. */
TEST(large_area_few_runs)
{
	unsigned long n = (16UL << 20) / PAGE_SIZE;
	char *p = vmalloc(n * PAGE_SIZE);
	unsigned long runs;

	REQUIRE(p);
	runs = nr_runs(p, n);
	printf("# 16 MiB: %lu pages in %lu runs\n", n, runs);
	CHECK(runs <= 16); /* order-10 blocks: 4 at best */
	p[0] = 1;
	p[n * PAGE_SIZE - 1] = 2;
	CHECK_EQ(find_vm_area(p)->nr_pages, n);
	vfree(p);
}

static void touch_guard(void *arg)
{
	volatile char *p = arg;

	__asm__("" : "+r"(p)); /* the compiler must not reason about the bounds: we go past them */
	p[0] = 1;	       /* the last byte of the area is fine */
	fprintf(stderr, "area ok\n");
	p[1] = 1; /* the guard page */
	fprintf(stderr, "guard page did not fault\n");
}

static void touch_freed(void *arg)
{
	volatile char *p = arg;

	p[0] = 1;
}

/* Killed by SIGSEGV (a sanitizer's handler reports "SEGV" and exits instead). */
static bool died_of_segv(int status, const char *out)
{
	if (WIFSIGNALED(status))
		return WTERMSIG(status) == SIGSEGV ||
		       (WTERMSIG(status) == SIGABRT && strstr(out, "SEGV")); /* abort_on_error */
	return WIFEXITED(status) && WEXITSTATUS(status) && strstr(out, "SEGV");
}

TEST(guard_page_faults)
{
	char *p = vmalloc(3 * PAGE_SIZE);
	int status;
	char *out;

	REQUIRE(p);
	out = kmm_run_child(touch_guard, p + 3 * PAGE_SIZE - 1, &status);
	CHECK(died_of_segv(status, out));
	CHECK_STR_CONTAINS(out, "area ok");
	CHECK(!strstr(out, "did not fault"));
	free(out);
	vfree(p);
	/* A freed area is unmapped at once (its address space waits for a purge). */
	out = kmm_run_child(touch_freed, p, &status);
	CHECK(died_of_segv(status, out));
	free(out);
}

TEST(no_guard_area)
{
	struct vm_struct *a = get_vm_area(2 * PAGE_SIZE, VM_NO_GUARD), *b;

	REQUIRE(a);
	CHECK_EQ(a->size, 2 * PAGE_SIZE);
	CHECK_EQ(get_vm_area_size(a), 2 * PAGE_SIZE);
	b = get_vm_area_caller(PAGE_SIZE, VM_IOREMAP, (void *)0x1234);
	REQUIRE(b);
	CHECK_EQ(b->size, 2 * PAGE_SIZE);
	CHECK(b->caller == (void *)0x1234);
	CHECK(find_vm_area((char *)a->addr + PAGE_SIZE) == a);
	CHECK(find_vm_area(b->addr) == b);
	free_vm_area(a);
	free_vm_area(b);
	CHECK(find_vm_area(a) == NULL);
}

TEST(vmap_given_pages)
{
	enum { N = 6 };
	struct page *pages[N];
	unsigned char *v;

	for (int i = 0; i < N; i++) {
		pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		REQUIRE(pages[i]);
		memset(page_address(pages[i]), 0x10 + i, PAGE_SIZE);
	}
	v = vmap(pages, N, VM_MAP, PAGE_KERNEL);
	REQUIRE(v);
	CHECK(is_vmalloc_addr(v));
	for (int i = 0; i < N; i++) {
		CHECK(vmalloc_to_page(v + i * PAGE_SIZE) == pages[i]);
		CHECK_EQ(v[i * PAGE_SIZE + 17], 0x10 + i);
		v[i * PAGE_SIZE + 99] = 0xee;
		CHECK_EQ(((unsigned char *)page_address(pages[i]))[99], 0xee);
	}
	CHECK(find_vm_area(v)->flags & VM_MAP);
	CHECK_EQ(find_vm_area(v)->nr_pages, 0);
	vunmap(v);
	/* The pages are the caller's: still there. */
	CHECK_EQ(((unsigned char *)page_address(pages[3]))[99], 0xee);
	for (int i = 0; i < N; i++)
		__free_page(pages[i]);
}

TEST(vmap_put_pages)
{
	enum { N = 4 };
	struct page **pages = kvmalloc_array(N, sizeof(*pages), GFP_KERNEL);
	unsigned long used = meminfo_kb("VmallocUsed");
	char *v;

	REQUIRE(pages);
	for (int i = 0; i < N; i++)
		pages[i] = alloc_page(GFP_KERNEL);
	v = vmap(pages, N, VM_MAP | VM_MAP_PUT_PAGES, PAGE_KERNEL);
	REQUIRE(v);
	CHECK_EQ(find_vm_area(v)->nr_pages, N);
	CHECK(vmalloc_to_page(v + PAGE_SIZE) == pages[1]);
	CHECK_EQ(meminfo_kb("VmallocUsed"), used); /* not vmalloc's pages */
	vfree(v);				   /* puts the pages and frees the array */
}

TEST(vm_map_ram_roundtrip)
{
	enum { N = 3 };
	struct page *pages[N];
	char *buf = NULL, *v;

	for (int i = 0; i < N; i++)
		pages[i] = alloc_page(GFP_KERNEL);
	v = vm_map_ram(pages, N, NUMA_NO_NODE);
	REQUIRE(v);
	strcpy(v + PAGE_SIZE - 3, "across");
	CHECK_EQ(memcmp(page_address(pages[0]) + PAGE_SIZE - 3, "acr", 3), 0);
	CHECK_EQ(memcmp(page_address(pages[1]), "oss", 4), 0);
	CHECK(vmalloc_to_page(v + 2 * PAGE_SIZE) == pages[2]);
	CHECK(find_vm_area(v) == NULL); /* no vm_struct */
	CAPTURE(buf, kmm_report(out, "vmallocinfo"));
	CHECK_STR_CONTAINS(buf, "   12288 vm_map_ram\n");
	free(buf);
	vm_unmap_ram(v, N);
	for (int i = 0; i < N; i++)
		__free_page(pages[i]);
}

TEST(lazy_purge_and_vm_unmap_aliases)
{
	struct vmap_tree_stats s;
	char *a, *b, *c;

	vm_unmap_aliases();
	a = vmalloc(PAGE_SIZE);
	REQUIRE(a);
	vfree(a);
	s = tree_stats();
	CHECK(s.nr_lazy >= 1);
	CHECK_EQ(s.lazy_pages, 2); /* the page and its guard */
	b = vmalloc(PAGE_SIZE);
	CHECK(b != a); /* a's range is not reusable before a purge */
	vfree(b);
	check_window_clean();
	c = vmalloc(PAGE_SIZE);
	CHECK(c == a); /* the lowest fit again */
	vfree(c);

	/*
	 * Past lazy_max_pages() (2 CPUs: 2 x 32 MiB), vfree purges by itself. Each 16 MiB
	 * area leaves 4096 pages and a guard, and its 32 KiB page array (vmalloc'd: 8 + 1).
	 */
	vm_unmap_aliases();
	for (int i = 0; i < 4; i++) {
		char *p = vmalloc(16UL << 20);

		REQUIRE(p);
		vfree(p);
		s = tree_stats();
		if (i < 3)
			CHECK_EQ(s.lazy_pages, (unsigned long)(i + 1) * (4097 + 9));
		else
			CHECK_EQ(s.lazy_pages, 9); /* the array, freed after the purge */
	}
	check_window_clean();
}

static unsigned long rnd_state = 88172645463325252UL;

static unsigned long rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

TEST(tree_consistency_random)
{
	enum { SLOTS = 512, OPS = 100000 };
	static char *slot[SLOTS];
	static unsigned long slot_size[SLOTS];
	int errors = 0;

	for (int op = 0; op < OPS; op++) {
		int i = (int)(rnd() % SLOTS);

		if (slot[i]) {
			if (slot[i][0] != (char)i || slot[i][slot_size[i] - 1] != (char)~i) {
				printf("# op %d: slot %d contents lost\n", op, i);
				errors++;
			}
			vfree(slot[i]);
			slot[i] = NULL;
		} else {
			unsigned long r = rnd() % 100, size;
			unsigned long align = 1;

			if (r < 70)
				size = 2 + rnd() % (4 * PAGE_SIZE);
			else if (r < 95)
				size = 2 + rnd() % (64 * PAGE_SIZE);
			else
				size = 2 + rnd() % (1024 * PAGE_SIZE);
			if (rnd() % 8 == 0)
				align = PAGE_SIZE << (rnd() % 6);
			slot[i] = __vmalloc_node(size, align, GFP_KERNEL, NUMA_NO_NODE,
						 __builtin_return_address(0));
			if (!slot[i]) {
				printf("# op %d: vmalloc(%lu, align %lu) failed\n", op, size,
				       align);
				errors++;
				continue;
			}
			if ((unsigned long)slot[i] % align) {
				printf("# op %d: %p not aligned to %lu\n", op, slot[i], align);
				errors++;
			}
			slot_size[i] = size;
			slot[i][0] = (char)i;
			slot[i][size - 1] = (char)~i;
		}
		if (op % 5000 == 0)
			CHECK_EQ(vmap_tree_check(NULL), 0);
	}
	CHECK_EQ(errors, 0);
	CHECK_EQ(vmap_tree_check(NULL), 0);
	for (int i = 0; i < SLOTS; i++)
		vfree(slot[i]);
	check_window_clean();
}

TEST(window_exhaustion)
{
	static struct vm_struct *areas[256];
	unsigned long window = VMALLOC_END - VMALLOC_START, used = meminfo_kb("VmallocUsed");
	struct vmap_tree_stats s;
	int n = 0;

	/* Take the whole window with areas of halving sizes, down to one page. */
	for (unsigned long size = 1UL << 30; size >= PAGE_SIZE && n < 256;) {
		struct vm_struct *a = get_vm_area(size, 0);

		if (a)
			areas[n++] = a;
		else
			size >>= 1;
	}
	s = tree_stats();
	CHECK(s.free_bytes < 2 * PAGE_SIZE); /* no room for a page and its guard */
	CHECK(get_vm_area(PAGE_SIZE, 0) == NULL);
	CHECK(__vmalloc(PAGE_SIZE, GFP_KERNEL | __GFP_NOWARN) == NULL);
	CHECK(vmalloc(10 * PAGE_SIZE) == NULL);
	CHECK_EQ(meminfo_kb("VmallocUsed"), used); /* nothing was kept */
	CHECK_EQ(vmap_tree_check(NULL), 0);
	for (int i = 0; i < n; i++)
		free_vm_area(areas[i]);
	CHECK(window >= (8UL << 30));
	/* More than RAM is refused before any address space is taken. */
	CHECK(__vmalloc(2UL << 30, GFP_KERNEL | __GFP_NOWARN) == NULL);
	check_window_clean();
}

/* Exported, so that vmallocinfo names it as the caller. */
noinline void *vmallocinfo_caller(unsigned long size)
{
	void *p = vmalloc(size);

	__asm__("" : "+r"(p)); /* no tail call: vmalloc must return here */
	return p;
}

TEST(vmallocinfo_format)
{
	char *p = vmallocinfo_caller(3 * PAGE_SIZE), *u = vmalloc_user(PAGE_SIZE);
	char *big = vmalloc(4 << 20), *gone = vmalloc(PAGE_SIZE);
	char *buf = NULL, line[160];

	REQUIRE(p && u && big && gone);
	vm_unmap_aliases();
	vfree(gone);
	CAPTURE(buf, kmm_report(out, "vmallocinfo"));
	snprintf(line, sizeof(line), "0x%016lx-0x%016lx   16384 vmallocinfo_caller+0x",
		 (unsigned long)p, (unsigned long)p + 4 * PAGE_SIZE);
	CHECK_STR_CONTAINS(buf, line);
	CHECK_STR_CONTAINS(buf, " pages=3 vmalloc N0=3\n");
	snprintf(line, sizeof(line), "0x%016lx-0x%016lx    8192 ", (unsigned long)u,
		 (unsigned long)u + 2 * PAGE_SIZE);
	CHECK_STR_CONTAINS(buf, line);
	CHECK_STR_CONTAINS(buf, " pages=1 vmalloc user N0=1\n");
	CHECK_STR_CONTAINS(buf, " pages=1024 vmalloc vpages N0=1024\n");
	snprintf(line, sizeof(line), "0x%016lx-0x%016lx    8192 unpurged vm_area\n",
		 (unsigned long)gone, (unsigned long)gone + 2 * PAGE_SIZE);
	CHECK_STR_CONTAINS(buf, line);
	free(buf);
	vfree(p);
	vfree(u);
	vfree(big);
}

TEST(meminfo_vmalloc_used)
{
	unsigned long before = meminfo_kb("VmallocUsed");
	char *p = vmalloc(1 << 20);

	REQUIRE(p);
	CHECK_EQ(meminfo_kb("VmallocUsed"), before + 1024);
	CHECK(meminfo_kb("VmallocTotal") > 0);
	vfree(p);
	CHECK_EQ(meminfo_kb("VmallocUsed"), before);
}

TEST(vrealloc_semantics)
{
	char *p = vrealloc(NULL, 100, GFP_KERNEL), *q;

	REQUIRE(p);
	memset(p, 'x', 100);
	q = vrealloc(p, 3000, GFP_KERNEL | __GFP_ZERO); /* within the page: in place */
	CHECK(q == p);
	CHECK_EQ(q[99], 'x');
	CHECK_EQ(q[100], 0);
	CHECK_EQ(q[2999], 0);
	q = vrealloc(p, 10, GFP_KERNEL | __GFP_ZERO); /* shrink: in place, tail zeroed */
	CHECK(q == p);
	CHECK_EQ(p[50], 0);
	q = vrealloc(p, 5 * PAGE_SIZE, GFP_KERNEL); /* grow: moved, contents kept */
	REQUIRE(q);
	CHECK(q != p);
	CHECK_EQ(q[9], 'x');
	CHECK_EQ(find_vm_area(q)->requested_size, 5 * PAGE_SIZE);
	CHECK(vrealloc(q, 0, GFP_KERNEL) == NULL); /* frees */
	CHECK(find_vm_area(q) == NULL);
}

TEST(array_helpers)
{
	unsigned int *a = vcalloc(3000, sizeof(*a));
	void *b = vmalloc_array(10, 100);

	volatile size_t huge = SIZE_MAX / 2; /* hidden from the compiler's size checks */

	REQUIRE(a && b);
	for (int i = 0; i < 3000; i++)
		CHECK_EQ(a[i], 0);
	CHECK(vmalloc_array(huge, 3) == NULL);
	CHECK(vcalloc(huge / 2, 8) == NULL);
	CHECK(__vmalloc_array(huge, huge, GFP_KERNEL) == NULL);
	vfree(a);
	vfree(b);
	b = vmalloc_huge(3 << 20, GFP_KERNEL);
	REQUIRE(b);
	CHECK(find_vm_area(b)->flags & VM_ALLOW_HUGE_VMAP);
	vfree(b);
}

static void vfree_in_irq(void *arg)
{
	vfree(arg);
}

TEST(deferred_vfree)
{
	char *p = vmalloc(2 * PAGE_SIZE), *q = vmalloc(PAGE_SIZE), *r;

	REQUIRE(p && q);
	kmm_run_in_interrupt(vfree_in_irq, p);
	CHECK(find_vm_area(p) != NULL); /* deferred */
	vfree_atomic(q);
	CHECK(find_vm_area(q) != NULL);
	r = vmalloc(PAGE_SIZE); /* the next vmalloc does the work */
	CHECK(find_vm_area(p) == NULL);
	CHECK(find_vm_area(q) == NULL);
	vfree(r);
	check_window_clean();
}

static void vfree_atomic_context(void *arg)
{
	char *p = vmalloc(PAGE_SIZE);

	preempt_disable();
	vfree(p);
	preempt_enable();
	fprintf(stderr, "still busy: %d\n", find_vm_area(p) != NULL);
	vm_unmap_aliases();
	fprintf(stderr, "after: %d\n", find_vm_area(p) != NULL);
}

TEST(vfree_in_atomic_context_reports_and_defers)
{
	int status;
	char *out = kmm_run_child(vfree_atomic_context, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "BUG: sleeping function called from invalid context");
	CHECK_STR_CONTAINS(out, "still busy: 1");
	CHECK_STR_CONTAINS(out, "after: 0");
	free(out);
}

static void *concurrent_worker(void *arg)
{
	unsigned long seed = (unsigned long)arg, bad = 0;

	for (int i = 0; i < 3000; i++) {
		unsigned long size, pages;
		char *p;

		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		size = 1 + (seed >> 33) % (32 * PAGE_SIZE);
		pages = PFN_UP(size);
		p = (seed >> 20) & 1 ? vmalloc(size) : kvmalloc(size, GFP_KERNEL);
		if (!p)
			return (void *)1;
		p[0] = 1;
		p[size - 1] = 2;
		if (is_vmalloc_addr(p) && !vmalloc_to_page(p + (pages - 1) * PAGE_SIZE))
			bad++;
		/* Deferred: freed by a later vmalloc or vfree, maybe the other thread's. */
		if (i % 3 == 0 && is_vmalloc_addr(p))
			vfree_atomic(p);
		else
			kvfree(p);
	}
	return (void *)bad;
}

static void discard(void *ctx, const char *text, size_t len)
{
}

/* Two threads allocating and freeing while a third reads vmallocinfo (for TSan). */
TEST(concurrent_alloc_free)
{
	pthread_t t[2];
	void *ret;

	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, concurrent_worker, (void *)(i + 1));
	for (int i = 0; i < 50; i++)
		kmm_report_write("vmallocinfo", discard, NULL);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], &ret);
		CHECK(ret == NULL);
	}
	check_window_clean();
}

int main(void)
{
	return kmm_test_main();
}
