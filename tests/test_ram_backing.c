/* kmm-test: labels=unit env=KMM_RAM=256M */
/*
 * test_ram_backing - the hosted port's second RAM backing, KMM_RAM_BACKING=anon
 * (private anonymous memory, the malloc shim's choice): the port's contract as far as it
 * holds without aliasing, and what kmm does on top of it: vmalloc works (its pages are
 * moved into the window), vmap refuses, fork is the host's copy-on-write, discard gives
 * memory back; and the port leaves errno alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

#include "kmm_test.h"
#include "port.h"

#define PAGE 4096UL

static long rss_anon_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "RssAnon:", 8))
			kb = strtol(line + 8, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

TEST(anon_ram_does_not_alias)
{
	CHECK(!port_ram_aliases()); /* as configured, before kmm is up */
	CHECK(kmm_config_get() != NULL);
	CHECK(!port_ram_aliases()); /* and after */
}

/* vmalloc moves its pages into the window: the bytes are there, and stay there. */
TEST(vmalloc_works_without_aliasing)
{
	size_t size = 9 << 20;
	unsigned char *p = vmalloc(size), *z = vzalloc(3 << 20);
	size_t bad = 0;

	REQUIRE(p && z);
	for (size_t i = 0; i < size; i += 512)
		p[i] = (unsigned char)(i >> 9);
	for (size_t i = 0; i < size; i += 512)
		bad += p[i] != (unsigned char)(i >> 9);
	for (size_t i = 0; i < (3 << 20); i += 64)
		bad += z[i] != 0;
	CHECK_EQ(bad, 0);
	vfree(p);
	vfree(z);
}

static void vmap_pages(void *arg)
{
	struct page *pages[2] = { alloc_page(GFP_KERNEL), alloc_page(GFP_KERNEL) };
	void *v;

	CHILD_REQUIRE(pages[0] && pages[1]);
	v = vmap(pages, 2, VM_MAP, PAGE_KERNEL);
	printf("vmap: %s\n", v ? "mapped" : "refused");
	__free_page(pages[0]);
	__free_page(pages[1]);
}

/* vmap would hide the caller's pages from their owner: it refuses, and says why. */
TEST(vmap_refuses)
{
	int status;
	char *out = kmm_run_child(vmap_pages, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "vmap: refused");
	CHECK_STR_CONTAINS(out, "KMM_RAM_BACKING=memfd");
	free(out);
}

TEST(fork_is_copy_on_write)
{
	struct page *page = alloc_pages(GFP_KERNEL, 4);
	unsigned char *p;
	pid_t pid;
	int status;

	REQUIRE(page);
	p = page_address(page);
	memset(p, 'P', PAGE << 4);
	pid = fork();
	if (pid == 0) {
		int ok = p[100] == 'P';

		memset(p, 'C', PAGE << 4);
		_exit(ok && p[PAGE] == 'C' ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(p[0] == 'P' && p[(PAGE << 4) - 1] == 'P');
	__free_pages(page, 4);
}

/* Discarded frames read as zero and leave the process's resident memory. */
TEST(discard_gives_memory_back)
{
	struct page *page = alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER);
	unsigned long pfn;
	unsigned char *p;
	long before, touched, after;

	REQUIRE(page);
	pfn = page_to_pfn(page);
	p = page_address(page);
	before = rss_anon_kb();
	memset(p, 1, PAGE << MAX_PAGE_ORDER);
	touched = rss_anon_kb();
	port_ram_discard(pfn, 1UL << MAX_PAGE_ORDER);
	after = rss_anon_kb();
	CHECK(touched - before >= 3 * 1024);
	CHECK(touched - after >= 3 * 1024);
	CHECK(p[0] == 0 && p[(PAGE << MAX_PAGE_ORDER) - 1] == 0);
	__free_pages(page, MAX_PAGE_ORDER);
}

/* The core may run inside free(): no port call may change errno. */
TEST(port_calls_leave_errno_alone)
{
	unsigned int word = 0;
	void *window, *meta;
	struct page *page = alloc_page(GFP_KERNEL);

	REQUIRE(page);
	errno = 777;
	window = port_vm_reserve(4 * PAGE, PAGE);
	meta = port_metadata_alloc(PAGE);
	CHECK(port_map_pages(window, page_to_pfn(page), 1, PORT_PROT_READ | PORT_PROT_WRITE) == 0);
	CHECK(port_map_pages(window, ~0UL, 1, PORT_PROT_READ) != 0); /* fails: errno stays */
	port_unmap_pages(window, 1);
	port_ram_discard(page_to_pfn(page), 1);
	port_wait(&word, 1, 1000);
	port_wake(&word, 1);
	port_metadata_free(meta, PAGE);
	port_vm_release(window, 4 * PAGE);
	(void)port_random_u64();
	CHECK_EQ(errno, 777);
	__free_page(page);
}

/* A backing kmm does not know stops start-up with a message (a fresh process: the CLI). */
TEST(unknown_backing_is_refused)
{
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[1024];
	FILE *f = popen("KMM_RAM_BACKING=tmpfs " KMM_BUILD_DIR "/kmm report meminfo 2>&1", "r");
	FILE *out = open_memstream(&buf, &len);
	int status;

	REQUIRE(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, out);
	status = pclose(f);
	fclose(out);
	CHECK(status != 0);
	CHECK_STR_CONTAINS(buf, "kmm: KMM_RAM_BACKING: expected memfd or anon");
	free(buf);
}

int main(void)
{
	setenv("KMM_RAM_BACKING", "anon", 1);
	return kmm_test_main();
}
