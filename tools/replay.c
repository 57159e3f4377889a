/* SPDX-License-Identifier: MIT */
/*
 * replay.c - `kmm replay`: a real kernel's kmem trace replayed on kmm's allocators.
 *
 * Input: the text that `trace-cmd report` or /sys/kernel/tracing/trace prints for the
 * kmem:kmalloc, kmalloc_node, kfree, kmem_cache_alloc, kmem_cache_alloc_node,
 * kmem_cache_free, mm_page_alloc and mm_page_free events, plain or compressed with gzip
 * or xz (recognised by their magic bytes), read in chunks and never held whole.
 *
 * Replay: events are done in trace order on the kmm of this process, in task context.
 *  - kmem_cache_alloc: the cache is created on first sight of its name (and object
 *    size) as kmem_cache_create(name, bytes_alloc, 0, flags, NULL), SLAB_ACCOUNT when the
 *    event was accounted without __GFP_ACCOUNT; the front end merges it as the kernel
 *    would. kmalloc gets the traced bytes_req, page allocations the traced order; both
 *    get the traced GFP flags, parsed from their printed names (<linux/gfp_types.h>).
 *  - Frees pair with allocations by the hashed ptr= (objects) or pfn= (pages): two open
 *    addressing tables map each traced key to the live kmm object or page. A free of a
 *    key never allocated in the capture (allocated before it started) is counted and
 *    skipped; an allocation whose key is still live means the trace lost the free, and
 *    the old object is freed first (counted as an implicit free).
 *  - GFP bits kmm cannot honour for the call (__GFP_HIGHMEM or __GFP_DMA32 on slab
 *    memory, contradictory zone bits, a node that does not exist, __GFP_NOFAIL above
 *    order 1) are dropped and counted, so that no report is printed for them.
 * Statistics are sampled every replay_options.sample_every events (meminfo's Slab and
 * kmm_page_stats()); everything else is counted exactly per event.
 *
 * The command runs one back-end in its own process, since KMM_SLAB is chosen per process:
 * `--slab=all` forks one child per back-end before kmm is initialised, and each child
 * writes its struct replay_summary into a pipe for the side-by-side comparison.
 *
 * The engine is libc code on top of kmm's public API: it is the command, not the core.
 * Built with REPLAY_PLAIN_ONLY, it needs neither zlib nor liblzma (plain traces only):
 * the unit tests include this file that way.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef REPLAY_PLAIN_ONLY
#include <lzma.h>
#include <zlib.h>
#endif

#include <kmm.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "replay.h"

const char *const trace_kind_names[NR_EV_KINDS] = {
	[EV_KMALLOC] = "kmalloc",
	[EV_KFREE] = "kfree",
	[EV_CACHE_ALLOC] = "kmem_cache_alloc",
	[EV_CACHE_FREE] = "kmem_cache_free",
	[EV_PAGE_ALLOC] = "mm_page_alloc",
	[EV_PAGE_FREE] = "mm_page_free",
};

/* ==== trace input =========================================================================== */

#define INPUT_CHUNK  (64u << 10)  /* compressed bytes read at a time */
#define OUTPUT_CHUNK (256u << 10) /* text decompressed at a time */
#define LINE_MAX_LEN (64u << 10)  /* a longer line is cut there (and is then malformed) */

enum input_format { IN_PLAIN, IN_GZIP, IN_XZ };

struct trace_input {
	int fd;
	enum input_format fmt;
	unsigned char *in; /* compressed input: in[in_pos..in_len) not yet decoded */
	size_t in_len, in_pos;
	bool in_eof;
	char *out; /* text: out[out_pos..out_len) not yet cut into lines */
	size_t out_len, out_pos;
	bool out_eof;
	char *line; /* a line that spans two chunks of text */
	size_t line_cap;
	unsigned long long file_size, consumed; /* raw bytes: for the progress bar */
#ifndef REPLAY_PLAIN_ONLY
	z_stream z;
	lzma_stream xz;
	bool codec_ready;
#endif
};

static int input_read(struct trace_input *in, unsigned char *buf, size_t size, size_t *got)
{
	ssize_t n;

	do
		n = read(in->fd, buf, size);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	*got = (size_t)n;
	in->consumed += (size_t)n;
	if (!n)
		in->in_eof = true;
	return 0;
}

static __attribute__((unused)) int input_refill(struct trace_input *in)
{
	if (in->in_pos < in->in_len || in->in_eof)
		return 0;
	in->in_pos = 0;
	return input_read(in, in->in, INPUT_CHUNK, &in->in_len);
}

/* Decode the next chunk of text into in->out. Returns 0, or -1 with *why set. */
static int input_decode(struct trace_input *in, const char **why)
{
	in->out_pos = in->out_len = 0;
	if (in->fmt == IN_PLAIN) {
		/* the first chunk was read into in->in to look at its magic */
		if (in->in_pos < in->in_len) {
			in->out_len = in->in_len - in->in_pos;
			memcpy(in->out, in->in + in->in_pos, in->out_len);
			in->in_pos = in->in_len;
			return 0;
		}
		if (input_read(in, (unsigned char *)in->out, OUTPUT_CHUNK, &in->out_len)) {
			*why = strerror(errno);
			return -1;
		}
		in->out_eof = in->out_len == 0;
		return 0;
	}
#ifndef REPLAY_PLAIN_ONLY
	while (!in->out_len && !in->out_eof) {
		if (input_refill(in)) {
			*why = strerror(errno);
			return -1;
		}
		if (in->fmt == IN_GZIP) {
			int rc;

			in->z.next_in = in->in + in->in_pos;
			in->z.avail_in = (uInt)(in->in_len - in->in_pos);
			in->z.next_out = (Bytef *)in->out;
			in->z.avail_out = OUTPUT_CHUNK;
			rc = inflate(&in->z, Z_NO_FLUSH);
			in->in_pos = in->in_len - in->z.avail_in;
			in->out_len = OUTPUT_CHUNK - in->z.avail_out;
			if (rc == Z_STREAM_END) {
				/* concatenated members (as `cat a.gz b.gz`) continue the text */
				if (input_refill(in) == 0 && in->in_pos < in->in_len)
					inflateReset(&in->z);
				else
					in->out_eof = true;
			} else if (rc != Z_OK && !(rc == Z_BUF_ERROR && in->in_pos < in->in_len)) {
				*why = rc == Z_BUF_ERROR ? "gzip: truncated file" :
							   "gzip: corrupt data";
				return -1;
			} else if (in->in_eof && in->in_pos == in->in_len && !in->out_len) {
				*why = "gzip: truncated file";
				return -1;
			}
		} else {
			lzma_ret rc;

			in->xz.next_in = in->in + in->in_pos;
			in->xz.avail_in = in->in_len - in->in_pos;
			in->xz.next_out = (uint8_t *)in->out;
			in->xz.avail_out = OUTPUT_CHUNK;
			rc = lzma_code(&in->xz, in->in_eof ? LZMA_FINISH : LZMA_RUN);
			in->in_pos = in->in_len - in->xz.avail_in;
			in->out_len = OUTPUT_CHUNK - in->xz.avail_out;
			if (rc == LZMA_STREAM_END) {
				in->out_eof = true;
			} else if (rc != LZMA_OK) {
				*why = rc == LZMA_BUF_ERROR    ? "xz: truncated file" :
				       rc == LZMA_MEM_ERROR    ? "xz: out of memory" :
				       rc == LZMA_FORMAT_ERROR ? "xz: not an xz stream" :
								 "xz: corrupt data";
				return -1;
			}
		}
	}
	return 0;
#else
	*why = "compressed traces need a kmm built with zlib and liblzma";
	return -1;
#endif
}

struct trace_input *trace_input_open(const char *path, const char **why)
{
	static const unsigned char xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	struct trace_input *in = calloc(1, sizeof(*in));
	struct stat st;

	*why = NULL;
	if (!in)
		return NULL;
	in->fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(0);
	in->in = malloc(INPUT_CHUNK);
	in->out = malloc(OUTPUT_CHUNK + 1);
	if (in->fd < 0 || !in->in || !in->out)
		goto fail;
	if (!fstat(in->fd, &st) && S_ISREG(st.st_mode))
		in->file_size = (unsigned long long)st.st_size;
	/* a pipe may hand over fewer bytes than the magic: read until there are 6 */
	while (in->in_len < sizeof(xz_magic) && !in->in_eof) {
		size_t got;

		if (input_read(in, in->in + in->in_len, INPUT_CHUNK - in->in_len, &got))
			goto fail;
		in->in_len += got;
	}
	in->in_eof = false; /* the read that saw the end is repeated by the decoder */
	if (in->in_len >= 2 && in->in[0] == 0x1f && in->in[1] == 0x8b)
		in->fmt = IN_GZIP;
	else if (in->in_len >= 6 && !memcmp(in->in, xz_magic, sizeof(xz_magic)))
		in->fmt = IN_XZ;
#ifdef REPLAY_PLAIN_ONLY
	if (in->fmt != IN_PLAIN) {
		*why = "compressed traces need a kmm built with zlib and liblzma";
		errno = ENOTSUP;
		goto fail;
	}
#else
	if (in->fmt == IN_GZIP && inflateInit2(&in->z, 15 + 32) != Z_OK) {
		*why = "gzip: cannot initialise zlib";
		goto fail;
	}
	if (in->fmt == IN_XZ) {
		in->xz = (lzma_stream)LZMA_STREAM_INIT;
		if (lzma_stream_decoder(&in->xz, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
			*why = "xz: cannot initialise liblzma";
			goto fail;
		}
	}
	in->codec_ready = true;
#endif
	return in;
fail:
	if (!*why)
		*why = strerror(errno);
	trace_input_close(in);
	return NULL;
}

static bool line_append(struct trace_input *in, size_t *len, const char *s, size_t n)
{
	if (*len + n > LINE_MAX_LEN)
		n = *len < LINE_MAX_LEN ? LINE_MAX_LEN - *len : 0;
	if (*len + n + 1 > in->line_cap) {
		size_t cap = in->line_cap ? in->line_cap * 2 : 4096;
		char *p;

		while (cap < *len + n + 1)
			cap *= 2;
		p = realloc(in->line, cap);
		if (!p)
			return false;
		in->line = p;
		in->line_cap = cap;
	}
	memcpy(in->line + *len, s, n);
	*len += n;
	in->line[*len] = '\0';
	return true;
}

char *trace_input_getline(struct trace_input *in, size_t *len, const char **why)
{
	size_t have = 0;
	bool partial = false;

	*why = NULL;
	for (;;) {
		char *start = in->out + in->out_pos, *nl;
		size_t avail = in->out_len - in->out_pos;

		nl = avail ? memchr(start, '\n', avail) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - start);

			in->out_pos += n + 1;
			if (!partial) { /* the common case: the whole line is in the chunk */
				*nl = '\0';
				*len = n;
				return start;
			}
			if (!line_append(in, &have, start, n)) {
				*why = "out of memory";
				return NULL;
			}
			*len = have;
			return in->line;
		}
		if (avail) {
			if (!line_append(in, &have, start, avail)) {
				*why = "out of memory";
				return NULL;
			}
			partial = true;
			in->out_pos = in->out_len;
		}
		if (in->out_eof || input_decode(in, why)) {
			if (*why || !partial)
				return NULL;
			*len = have; /* the last line had no newline */
			return in->line;
		}
	}
}

double trace_input_progress(struct trace_input *in)
{
	if (!in->file_size)
		return -1;
	return (double)in->consumed / (double)in->file_size;
}

void trace_input_close(struct trace_input *in)
{
	if (!in)
		return;
#ifndef REPLAY_PLAIN_ONLY
	if (in->codec_ready && in->fmt == IN_GZIP)
		inflateEnd(&in->z);
	if (in->codec_ready && in->fmt == IN_XZ)
		lzma_end(&in->xz);
#endif
	if (in->fd >= 0)
		close(in->fd);
	free(in->in);
	free(in->out);
	free(in->line);
	free(in);
}

/* ==== GFP flags by name ====================================================================== */

struct gfp_name {
	const char *name;
	gfp_t value;
};

/*
 * Every name the kernel's show_gfp_flags() prints (include/trace/events/mmflags.h): the
 * composite GFP_* first, then each __GFP_* bit; older kernels' names map to today's bits
 * (or to nothing where the bit is gone), so that their traces parse as well.
 */
static const struct gfp_name gfp_names[] = {
	{ "GFP_TRANSHUGE", GFP_TRANSHUGE },
	{ "GFP_TRANSHUGE_LIGHT", GFP_TRANSHUGE_LIGHT },
	{ "GFP_HIGHUSER_MOVABLE", GFP_HIGHUSER_MOVABLE },
	{ "GFP_HIGHUSER", GFP_HIGHUSER },
	{ "GFP_USER", GFP_USER },
	{ "GFP_KERNEL_ACCOUNT", GFP_KERNEL_ACCOUNT },
	{ "GFP_KERNEL", GFP_KERNEL },
	{ "GFP_NOFS", GFP_NOFS },
	{ "GFP_ATOMIC", GFP_ATOMIC },
	{ "GFP_NOIO", GFP_NOIO },
	{ "GFP_NOWAIT", GFP_NOWAIT },
	{ "GFP_DMA", GFP_DMA },
	{ "GFP_DMA32", GFP_DMA32 },
	{ "__GFP_DMA", __GFP_DMA },
	{ "__GFP_HIGHMEM", __GFP_HIGHMEM },
	{ "__GFP_DMA32", __GFP_DMA32 },
	{ "__GFP_MOVABLE", __GFP_MOVABLE },
	{ "__GFP_RECLAIMABLE", __GFP_RECLAIMABLE },
	{ "__GFP_HIGH", __GFP_HIGH },
	{ "__GFP_IO", __GFP_IO },
	{ "__GFP_FS", __GFP_FS },
	{ "__GFP_ZERO", __GFP_ZERO },
	{ "__GFP_RECLAIM", __GFP_RECLAIM },
	{ "__GFP_DIRECT_RECLAIM", __GFP_DIRECT_RECLAIM },
	{ "__GFP_KSWAPD_RECLAIM", __GFP_KSWAPD_RECLAIM },
	{ "__GFP_WRITE", __GFP_WRITE },
	{ "__GFP_NOWARN", __GFP_NOWARN },
	{ "__GFP_RETRY_MAYFAIL", __GFP_RETRY_MAYFAIL },
	{ "__GFP_NOFAIL", __GFP_NOFAIL },
	{ "__GFP_NORETRY", __GFP_NORETRY },
	{ "__GFP_MEMALLOC", __GFP_MEMALLOC },
	{ "__GFP_COMP", __GFP_COMP },
	{ "__GFP_NOMEMALLOC", __GFP_NOMEMALLOC },
	{ "__GFP_HARDWALL", __GFP_HARDWALL },
	{ "__GFP_THISNODE", __GFP_THISNODE },
	{ "__GFP_ACCOUNT", __GFP_ACCOUNT },
	{ "__GFP_ZEROTAGS", __GFP_ZEROTAGS },
	{ "__GFP_SKIP_ZERO", __GFP_SKIP_ZERO },
	{ "__GFP_SKIP_KASAN", __GFP_SKIP_KASAN },
	{ "__GFP_SKIP_KASAN_POISON", 0 },
	{ "__GFP_SKIP_KASAN_UNPOISON", 0 },
	{ "__GFP_NOLOCKDEP", __GFP_NOLOCKDEP },
	{ "__GFP_NO_OBJ_EXT", 0 },
	{ "__GFP_UNMAPPED", 0 },
	/* names of older kernels */
	{ "GFP_TEMPORARY", GFP_KERNEL | __GFP_RECLAIMABLE },
	{ "GFP_IOFS", __GFP_IO | __GFP_FS },
	{ "__GFP_WAIT", __GFP_DIRECT_RECLAIM },
	{ "__GFP_REPEAT", __GFP_RETRY_MAYFAIL },
	{ "__GFP_ATOMIC", 0 },
	{ "__GFP_COLD", 0 },
	{ "__GFP_NOTRACK", 0 },
	{ "__GFP_OTHER_NODE", 0 },
	{ "__GFP_NO_KSWAPD", 0 },
};

static bool parse_ull(const char *s, size_t len, int base, unsigned long long *v)
{
	unsigned long long x = 0;
	size_t i = 0;

	if (base == 0) {
		base = 10;
		if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
			base = 16;
			i = 2;
		}
	}
	if (i == len)
		return false;
	for (; i < len; i++) {
		int d;

		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else if (base == 16 && s[i] >= 'A' && s[i] <= 'F')
			d = s[i] - 'A' + 10;
		else
			return false;
		if (x > (~0ULL - (unsigned long long)d) / (unsigned long long)base)
			return false; /* overflow */
		x = x * (unsigned long long)base + (unsigned long long)d;
	}
	*v = x;
	return true;
}

int replay_parse_gfp(const char *s, size_t len, gfp_t *gfp)
{
	gfp_t v = 0;

	if (!len)
		return -1;
	while (len) {
		const char *bar = memchr(s, '|', len);
		size_t n = bar ? (size_t)(bar - s) : len;
		unsigned long long raw;
		size_t i;

		if (!n)
			return -1;
		for (i = 0; i < sizeof(gfp_names) / sizeof(gfp_names[0]); i++)
			if (strlen(gfp_names[i].name) == n && !memcmp(gfp_names[i].name, s, n))
				break;
		if (i < sizeof(gfp_names) / sizeof(gfp_names[0]))
			v |= gfp_names[i].value;
		else if (n == 4 && !memcmp(s, "none", 4))
			;
		else if (parse_ull(s, n, 0, &raw) && raw <= 0xffffffffULL)
			v |= (gfp_t)raw; /* bits the kernel has no name for print as hex */
		else
			return -1;
		if (!bar)
			break;
		len -= n + 1;
		s = bar + 1;
		if (!len)
			return -1; /* a trailing '|' */
	}
	*gfp = v;
	return 0;
}

/* ==== parsing a line ========================================================================= */

static bool has_prefix(const char *s, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);

	return (size_t)(end - s) >= n && !memcmp(s, prefix, n);
}

/*
 * Header lines of trace-cmd report ("cpus=2", "version = 6") and its notes between
 * events ("CPU 1 is empty", "CPU:0 [LOST 12 EVENTS]").
 */
static bool is_header_line(const char *s, const char *end)
{
	if (has_prefix(s, end, "cpus=") || has_prefix(s, end, "version = "))
		return true;
	if (!has_prefix(s, end, "CPU"))
		return false;
	s += 3;
	if (s < end && (*s == ':' || *s == ' '))
		s++;
	if (s == end || !isdigit((unsigned char)*s))
		return false;
	while (s < end && isdigit((unsigned char)*s))
		s++;
	return has_prefix(s, end, " is empty") || has_prefix(s, end, " [LOST ");
}

/*
 * The event name follows the timestamp: "TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: FIELDS".
 * The task name may hold anything, so look for "DIGITS.DIGITS: NAME:" from the left.
 */
static const char *find_event(const char *s, const char *end, size_t *name_len)
{
	for (const char *p = s; (p = memchr(p, ':', (size_t)(end - p))) != NULL; p++) {
		const char *t = p, *name, *q;
		bool dot = false;

		if (p + 1 >= end || p[1] != ' ')
			continue;
		while (t > s && (isdigit((unsigned char)t[-1]) || t[-1] == '.')) {
			dot |= t[-1] == '.';
			t--;
		}
		if (t == p || !dot || !isdigit((unsigned char)*t) ||
		    (t > s && t[-1] != ' ' && t[-1] != ']'))
			continue;
		name = p + 1;
		while (name < end && *name == ' ')
			name++;
		for (q = name; q < end && (isalnum((unsigned char)*q) || *q == '_'); q++)
			;
		if (q == name || q == end || *q != ':')
			return NULL;
		*name_len = (size_t)(q - name);
		return name;
	}
	return NULL;
}

static const struct {
	const char *name;
	enum trace_kind kind;
	unsigned int needs; /* fields an event of this kind must carry */
} event_formats[] = {
	{ "kmalloc", EV_KMALLOC, TF_PTR | TF_BYTES_REQ | TF_BYTES_ALLOC | TF_GFP },
	{ "kmalloc_node", EV_KMALLOC, TF_PTR | TF_BYTES_REQ | TF_BYTES_ALLOC | TF_GFP },
	{ "kfree", EV_KFREE, TF_PTR },
	{ "kmem_cache_alloc", EV_CACHE_ALLOC, TF_PTR | TF_BYTES_REQ | TF_BYTES_ALLOC | TF_GFP },
	{ "kmem_cache_alloc_node", EV_CACHE_ALLOC,
	  TF_PTR | TF_BYTES_REQ | TF_BYTES_ALLOC | TF_GFP },
	{ "kmem_cache_free", EV_CACHE_FREE, TF_PTR },
	{ "mm_page_alloc", EV_PAGE_ALLOC, TF_PFN | TF_ORDER | TF_GFP },
	{ "mm_page_free", EV_PAGE_FREE, TF_PFN | TF_ORDER },
	{ "mm_page_free_batched", EV_PAGE_FREE, TF_PFN },
};

static const char *const field_names[] = {
	"ptr=",	  "bytes_req=", "bytes_alloc=", "gfp_flags=", "pfn=",
	"order=", "name=",	"node=",	"accounted=",
};

/* One key=value field into *ev; NULL, or what is wrong with it. */
static const char *parse_field(const char *tok, const char *end, struct trace_event *ev)
{
	unsigned long long v;
	const char *val;
	size_t n;
	int f;

	for (f = 0; f < (int)(sizeof(field_names) / sizeof(field_names[0])); f++)
		if (has_prefix(tok, end, field_names[f]))
			break;
	if (f == (int)(sizeof(field_names) / sizeof(field_names[0])))
		return NULL; /* call_site=, page=, migratetype=, ...: not needed */
	val = tok + strlen(field_names[f]);
	n = (size_t)(end - val);
	switch (1u << f) {
	case TF_PTR:
		if (n > 2 && val[0] == '0' && val[1] == 'x') { /* hashing off: a raw pointer */
			val += 2;
			n -= 2;
		}
		if (n == 6 && !memcmp(val, "(null)", 6))
			v = 0;
		else if (!parse_ull(val, n, 16, &v) || n > 16)
			return "bad pointer in ptr=";
		ev->ptr = v;
		break;
	case TF_BYTES_REQ:
		if (!parse_ull(val, n, 10, &v) || v > 0xffffffffULL)
			return "bad number in bytes_req=";
		ev->bytes_req = (unsigned long)v;
		break;
	case TF_BYTES_ALLOC:
		if (!parse_ull(val, n, 10, &v) || v > 0xffffffffULL)
			return "bad number in bytes_alloc=";
		ev->bytes_alloc = (unsigned long)v;
		break;
	case TF_GFP:
		if (replay_parse_gfp(val, n, &ev->gfp))
			return "bad gfp_flags=";
		break;
	case TF_PFN:
		if (!parse_ull(val, n, 0, &v))
			return "bad number in pfn=";
		ev->pfn = v;
		break;
	case TF_ORDER:
		if (!parse_ull(val, n, 10, &v) || v > 31)
			return "bad number in order=";
		ev->order = (unsigned int)v;
		break;
	case TF_NAME:
		if (!n)
			return "empty name=";
		ev->name = val;
		ev->name_len = n;
		break;
	case TF_NODE:
		if (n && *val == '-' ? !parse_ull(val + 1, n - 1, 10, &v) || v > 1 :
				       !parse_ull(val, n, 10, &v) || v > 1u << 20)
			return "bad number in node=";
		ev->node = n && *val == '-' ? -(int)v : (int)v;
		break;
	case TF_ACCOUNTED:
		if (n == 4 && !memcmp(val, "true", 4))
			ev->accounted = true;
		else if (n == 5 && !memcmp(val, "false", 5))
			ev->accounted = false;
		else
			return "bad accounted=";
		break;
	}
	ev->have |= 1u << f;
	return NULL;
}

static const char *missing_field(unsigned int missing)
{
	static const char *const what[] = {
		"missing ptr=",	      "missing bytes_req=", "missing bytes_alloc=",
		"missing gfp_flags=", "missing pfn=",	    "missing order=",
	};

	for (unsigned int f = 0; f < sizeof(what) / sizeof(what[0]); f++)
		if (missing & (1u << f))
			return what[f];
	return "missing field";
}

enum parse_result replay_parse_line(const char *line, size_t len, struct trace_event *ev,
				    const char **why)
{
	const char *s = line, *end = line + len, *name, *p;
	size_t name_len;
	unsigned int f;

	memset(ev, 0, sizeof(*ev));
	ev->node = NUMA_NO_NODE;
	*why = NULL;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	while (s < end && isspace((unsigned char)*s))
		s++;
	if (s == end || *s == '#' || is_header_line(s, end))
		return PARSE_IGNORE;
	name = find_event(s, end, &name_len);
	if (!name) {
		*why = "no \"TIMESTAMP: EVENT:\" in the line";
		return PARSE_MALFORMED;
	}
	for (f = 0; f < sizeof(event_formats) / sizeof(event_formats[0]); f++)
		if (strlen(event_formats[f].name) == name_len &&
		    !memcmp(event_formats[f].name, name, name_len))
			break;
	if (f == sizeof(event_formats) / sizeof(event_formats[0])) {
		ev->name = name;
		ev->name_len = name_len;
		return PARSE_UNKNOWN;
	}
	ev->kind = event_formats[f].kind;
	for (p = name + name_len + 1; p < end;) {
		const char *tok, *tok_end;

		while (p < end && *p == ' ')
			p++;
		tok = p;
		while (p < end && *p != ' ')
			p++;
		tok_end = p;
		if (tok == tok_end || !memchr(tok, '=', (size_t)(tok_end - tok)))
			continue; /* trace-cmd's "(function+0x1a)" and the like */
		*why = parse_field(tok, tok_end, ev);
		if (*why)
			return PARSE_MALFORMED;
	}
	if ((ev->have & event_formats[f].needs) != event_formats[f].needs) {
		*why = missing_field(event_formats[f].needs & ~ev->have);
		return PARSE_MALFORMED;
	}
	if (!strcmp(event_formats[f].name, "mm_page_free_batched") && !(ev->have & TF_ORDER))
		ev->order = 0;
	if (ev->kind == EV_CACHE_ALLOC && !(ev->have & TF_NAME)) {
		ev->name = NULL; /* kernels before 6.0 do not name the cache */
		ev->name_len = 0;
	}
	return PARSE_EVENT;
}

/* ==== live allocations: traced key -> kmm object ============================================ */

struct replay_cache;

struct live {
	unsigned long long key;	    /* ptr= or pfn= */
	void *obj;		    /* the object, or the struct page */
	struct replay_cache *cache; /* kmem_cache_alloc's; NULL for kmalloc and pages */
	unsigned int size;	    /* bytes_req, or the order of a page block */
	bool used;
};

/* Open addressing, linear probing, backward-shift deletion; at most 3/4 full. */
struct live_table {
	struct live *slots;
	size_t mask, count;
};

static size_t key_hash(unsigned long long k)
{
	k ^= k >> 30; /* splitmix64's finaliser: pfns are far from random */
	k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebULL;
	k ^= k >> 31;
	return (size_t)k;
}

static struct live *live_find(struct live_table *t, unsigned long long key)
{
	for (size_t i = key_hash(key) & t->mask;; i = (i + 1) & t->mask) {
		if (!t->slots[i].used)
			return NULL;
		if (t->slots[i].key == key)
			return &t->slots[i];
	}
}

static bool live_grow(struct live_table *t)
{
	size_t n = t->slots ? (t->mask + 1) * 2 : 4096;
	struct live *old = t->slots, *slots = calloc(n, sizeof(*slots));
	size_t old_n = t->slots ? t->mask + 1 : 0;

	if (!slots)
		return false;
	t->slots = slots;
	t->mask = n - 1;
	for (size_t i = 0; i < old_n; i++) {
		size_t j;

		if (!old[i].used)
			continue;
		for (j = key_hash(old[i].key) & t->mask; slots[j].used; j = (j + 1) & t->mask)
			;
		slots[j] = old[i];
	}
	free(old);
	return true;
}

/* A new slot for @key, which is not in the table. NULL: out of memory. */
static struct live *live_insert(struct live_table *t, unsigned long long key)
{
	size_t i;

	if ((t->count + 1) * 4 > (t->mask + 1) * 3 || !t->slots)
		if (!live_grow(t))
			return NULL;
	for (i = key_hash(key) & t->mask; t->slots[i].used; i = (i + 1) & t->mask)
		;
	t->count++;
	t->slots[i] = (struct live){ .key = key, .used = true };
	return &t->slots[i];
}

static void live_remove(struct live_table *t, struct live *e)
{
	size_t hole = (size_t)(e - t->slots);

	/* pull later entries of the probe run back over the hole */
	for (size_t j = (hole + 1) & t->mask; t->slots[j].used; j = (j + 1) & t->mask) {
		size_t home = key_hash(t->slots[j].key) & t->mask;

		if (((j - home) & t->mask) >= ((j - hole) & t->mask)) {
			t->slots[hole] = t->slots[j];
			hole = j;
		}
	}
	t->slots[hole].used = false;
	t->count--;
}

/* ==== the engine ============================================================================= */

struct replay_cache {
	char *name; /* kmem_cache_create() keeps the pointer: it lives as long as the cache */
	unsigned int size;
	struct kmem_cache *s; /* NULL: creation failed */
	struct replay_cache *next;
};

#define CACHE_BUCKETS	     1024
#define DEFAULT_SAMPLE_EVERY 256 /* events between meminfo samples */
#define MAX_MESSAGES	     10	 /* malformed-line messages before going quiet */
#define PROGRESS_EVERY_LINES 4096
#define GFP_SLAB_INVALID     (__GFP_DMA32 | __GFP_HIGHMEM | ~__GFP_BITS_MASK)

struct replay {
	struct replay_options opt;
	struct replay_summary sum;
	struct live_table objs, pages;
	struct replay_cache *caches[CACHE_BUCKETS];
	unsigned long events;	     /* events parsed (all kinds) */
	unsigned long long live_req; /* bytes_req of live slab objects */
	unsigned long pages_live;    /* pages of live traced page allocations */
	unsigned long messages, lineno;
	unsigned int nr_nodes;
	struct {
		unsigned long event;
		double efficiency;
	} * samples;
	size_t nr_samples, cap_samples;
	double t0, kmm_time;
	double last_progress;
	bool progress_shown;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct text_buf {
	char buf[16384];
	size_t len;
};

static void text_emit(void *ctx, const char *text, size_t len)
{
	struct text_buf *b = ctx;

	if (len > sizeof(b->buf) - 1 - b->len)
		len = sizeof(b->buf) - 1 - b->len;
	memcpy(b->buf + b->len, text, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

/* Pages of slab memory: meminfo's "Slab:" (kB), as /proc/meminfo shows it. */
static unsigned long slab_pages(void)
{
	static struct text_buf b; /* one replay per process; keeps the stack small */
	const char *at;

	b.len = 0;
	kmm_report_write("meminfo", text_emit, &b);
	at = strstr(b.buf, "\nSlab:");
	return at ? strtoul(at + 6, NULL, 10) / (PAGE_SIZE >> 10) : 0;
}

static unsigned long used_pages(void)
{
	struct kmm_page_stats st;

	kmm_page_stats(&st);
	return st.allocated;
}

static void replay_message(struct replay *r, unsigned long lineno, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void replay_message(struct replay *r, unsigned long lineno, const char *fmt, ...)
{
	FILE *out = r->opt.msg ? r->opt.msg : stderr;
	va_list ap;

	if (r->opt.quiet || r->messages++ > MAX_MESSAGES)
		return;
	if (r->progress_shown) {
		fputs("\r\033[K", out);
		r->progress_shown = false;
	}
	if (r->messages > MAX_MESSAGES) {
		fprintf(out, "kmm replay: more problems in the trace: counted, not shown\n");
		return;
	}
	fprintf(out, "kmm replay: line %lu: ", lineno);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

struct replay *replay_create(const struct replay_options *opt)
{
	struct replay *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	if (opt)
		r->opt = *opt;
	if (!r->opt.sample_every)
		r->opt.sample_every = DEFAULT_SAMPLE_EVERY;
	if (!live_grow(&r->objs) || !live_grow(&r->pages)) {
		replay_destroy(r);
		return NULL;
	}
	snprintf(r->sum.slab, sizeof(r->sum.slab), "%s", kmm_slab_allocator());
	r->sum.ram_mb = (unsigned long)(kmm_config_get()->ram >> 20);
	r->nr_nodes = kmm_config_get()->nr_nodes ? kmm_config_get()->nr_nodes : 1;
	r->sum.sample_every = r->opt.sample_every;
	r->sum.start_used = used_pages();
	r->sum.start_slab = slab_pages();
	r->sum.largest_free_order = -1;
	r->t0 = now();
	return r;
}

static void record_failure(struct replay *r, const struct trace_event *ev, unsigned long lineno)
{
	r->sum.kind[ev->kind].failed++;
	if (r->sum.failures++)
		return;
	if (ev->kind == EV_PAGE_ALLOC)
		snprintf(r->sum.first_failure, sizeof(r->sum.first_failure),
			 "line %lu: alloc_pages(%#x, order %u)", lineno, ev->gfp, ev->order);
	else
		snprintf(r->sum.first_failure, sizeof(r->sum.first_failure),
			 "line %lu: %s(%lu bytes, %#x)", lineno, trace_kind_names[ev->kind],
			 ev->kind == EV_KMALLOC ? ev->bytes_req : ev->bytes_alloc, ev->gfp);
}

/* The kmalloc class of a request, by SLUB's sizes (the same on every back-end). */
static unsigned int request_class(unsigned long size)
{
	return size > KMALLOC_MAX_CACHE_SIZE ? REPLAY_CLASS_LARGE : kmalloc_index(size);
}

static void free_live(struct replay *r, struct live_table *t, struct live *e)
{
	double t1 = now();

	if (t == &r->pages) {
		__free_pages(e->obj, e->size);
		r->pages_live -= 1UL << e->size;
	} else {
		if (e->cache)
			kmem_cache_free(e->cache->s, e->obj);
		else
			kfree(e->obj);
		r->live_req -= e->size;
	}
	r->kmm_time += now() - t1;
	live_remove(t, e);
}

/* Drop flags kmm cannot honour for the call; count the events that needed it. */
static gfp_t adjust_gfp(struct replay *r, gfp_t gfp, bool slab, unsigned int order)
{
	gfp_t orig = gfp;

	if (slab)
		gfp &= ~GFP_SLAB_INVALID;
	gfp &= __GFP_BITS_MASK;
	if (gfp_zone_bad(gfp))
		gfp &= ~GFP_ZONEMASK;
	if (order > 1)
		gfp &= ~__GFP_NOFAIL; /* the kernel warns: __GFP_NOFAIL is for small orders */
	if (gfp != orig)
		r->sum.gfp_adjusted++;
	return gfp;
}

static struct replay_cache *find_cache(struct replay *r, const struct trace_event *ev)
{
	char fallback[32];
	const char *name = ev->name;
	size_t len = ev->name_len, h = 5381;
	struct replay_cache *c;
	slab_flags_t flags = 0;

	if (!name) { /* an old kernel's event: name the cache by its size */
		len = (size_t)snprintf(fallback, sizeof(fallback), "cache-%lu", ev->bytes_alloc);
		name = fallback;
	}
	for (size_t i = 0; i < len; i++)
		h = h * 33 + (unsigned char)name[i];
	h = (h ^ ev->bytes_alloc) & (CACHE_BUCKETS - 1);
	for (c = r->caches[h]; c; c = c->next)
		if (c->size == ev->bytes_alloc && !strncmp(c->name, name, len) && !c->name[len])
			return c;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->name = strndup(name, len))) {
		free(c);
		return NULL;
	}
	c->size = (unsigned int)ev->bytes_alloc;
	/* accounted without __GFP_ACCOUNT: the cache itself is SLAB_ACCOUNT */
	if (ev->accounted && !(ev->gfp & __GFP_ACCOUNT))
		flags |= SLAB_ACCOUNT;
	c->s = c->size ? kmem_cache_create(c->name, c->size, 0, flags, NULL) : NULL;
	c->next = r->caches[h];
	r->caches[h] = c;
	r->sum.caches++;
	if (c->s && strcmp(kmem_cache_name(c->s), c->name))
		r->sum.caches_merged++;
	return c;
}

static void do_alloc(struct replay *r, const struct trace_event *ev, unsigned long lineno)
{
	bool page = ev->kind == EV_PAGE_ALLOC;
	struct live_table *t = page ? &r->pages : &r->objs;
	unsigned long long key = page ? ev->pfn : ev->ptr;
	struct replay_cache *cache = NULL;
	struct live *e;
	void *obj = NULL;
	int node = ev->node;
	gfp_t gfp;
	double t1;

	if (page ? key == ~0ULL : key == 0) {
		r->sum.kind[ev->kind].traced_failed++;
		return;
	}
	e = live_find(t, key);
	if (e) { /* the address is in use again: the trace lost its free */
		free_live(r, t, e);
		r->sum.implicit_frees++;
	}
	if (ev->kind == EV_CACHE_ALLOC) {
		cache = find_cache(r, ev);
		if (!cache || !cache->s) {
			record_failure(r, ev, lineno);
			return;
		}
	}
	gfp = adjust_gfp(r, ev->gfp, !page, page ? ev->order : 0);
	if (node != NUMA_NO_NODE && (node < 0 || (unsigned int)node >= r->nr_nodes)) {
		node = NUMA_NO_NODE;
		r->sum.gfp_adjusted++;
	}
	t1 = now();
	if (page)
		obj = ev->order <= MAX_PAGE_ORDER ? alloc_pages(gfp, ev->order) : NULL;
	else if (cache)
		obj = kmem_cache_alloc_node(cache->s, gfp, node);
	else
		obj = __kmalloc_node(ev->bytes_req, gfp, node);
	r->kmm_time += now() - t1;
	if (!obj) {
		record_failure(r, ev, lineno);
		return;
	}
	e = live_insert(t, key);
	if (!e) {
		fprintf(stderr, "kmm replay: out of memory for the pointer table\n");
		exit(2);
	}
	e->obj = obj;
	e->cache = cache;
	r->sum.kind[ev->kind].replayed++;
	if (page) {
		e->size = ev->order;
		r->pages_live += 1UL << ev->order;
		if (r->pages_live > r->sum.pages_peak)
			r->sum.pages_peak = r->pages_live;
		return;
	}
	e->size = (unsigned int)ev->bytes_req;
	r->live_req += ev->bytes_req;
	if (!cache) {
		struct replay_class_stats *cls = &r->sum.cls[request_class(ev->bytes_req)];

		cls->allocs++;
		cls->requested += ev->bytes_req;
		cls->granted += ksize(obj);
	}
}

static void do_free(struct replay *r, const struct trace_event *ev)
{
	bool page = ev->kind == EV_PAGE_FREE;
	struct live_table *t = page ? &r->pages : &r->objs;
	struct live *e;

	if (!page && !ev->ptr) { /* kfree(NULL): allowed, and nothing to pair */
		kfree(NULL);
		r->sum.null_frees++;
		r->sum.kind[ev->kind].replayed++;
		return;
	}
	e = live_find(t, page ? ev->pfn : ev->ptr);
	if (!e) {
		r->sum.kind[ev->kind].unknown++;
		return;
	}
	free_live(r, t, e);
	r->sum.kind[ev->kind].replayed++;
}

static void take_sample(struct replay *r)
{
	unsigned long slab = slab_pages(), used = used_pages();

	if (slab > r->sum.slab_peak)
		r->sum.slab_peak = slab;
	if (used > r->sum.used_peak)
		r->sum.used_peak = used;
	if (r->nr_samples == r->cap_samples) {
		size_t cap = r->cap_samples ? r->cap_samples * 2 : 1024;
		void *p = realloc(r->samples, cap * sizeof(*r->samples));

		if (!p)
			return;
		r->samples = p;
		r->cap_samples = cap;
	}
	r->samples[r->nr_samples].event = r->events;
	r->samples[r->nr_samples].efficiency =
		slab ? (double)r->live_req / ((double)slab * PAGE_SIZE) : 0.0;
	r->nr_samples++;
}

void replay_event(struct replay *r, const struct trace_event *ev, unsigned long lineno)
{
	r->sum.kind[ev->kind].seen++;
	switch (ev->kind) {
	case EV_KMALLOC:
	case EV_CACHE_ALLOC:
	case EV_PAGE_ALLOC:
		do_alloc(r, ev, lineno);
		break;
	default:
		do_free(r, ev);
		break;
	}
	if (++r->events % r->opt.sample_every == 0)
		take_sample(r);
}

static void show_progress(struct replay *r, struct trace_input *in)
{
	double t = now(), frac = trace_input_progress(in);
	int width = 30, done;

	if (t - r->last_progress < 0.1)
		return;
	r->last_progress = t;
	r->progress_shown = true;
	if (frac < 0) {
		fprintf(stderr, "\r%s: %lu events", r->sum.slab, r->events);
		return;
	}
	if (frac > 1)
		frac = 1;
	done = (int)(frac * width);
	fprintf(stderr, "\r%-4s [%.*s%*s] %3d%% %lu events", r->sum.slab, done,
		"##############################", width - done, "", (int)(frac * 100), r->events);
}

static void replay_line(struct replay *r, const char *line, size_t len)
{
	struct trace_event ev;
	const char *why;

	r->lineno++;
	r->sum.lines++;
	switch (replay_parse_line(line, len, &ev, &why)) {
	case PARSE_EVENT:
		replay_event(r, &ev, r->lineno);
		break;
	case PARSE_IGNORE:
		r->sum.ignored++;
		break;
	case PARSE_UNKNOWN:
		if (!r->sum.unknown_events++)
			replay_message(r, r->lineno, "event '%.*s' is not replayed (counted)",
				       (int)ev.name_len, ev.name);
		break;
	case PARSE_MALFORMED:
		r->sum.malformed++;
		replay_message(r, r->lineno, "malformed (%s), skipped: %.60s%s", why, line,
			       len > 60 ? "..." : "");
		break;
	}
}

int replay_trace(struct replay *r, const char *path)
{
	const char *why = NULL;
	struct trace_input *in = trace_input_open(path, &why);
	char *line;
	size_t len;

	if (!in) {
		fprintf(stderr, "kmm replay: %s: %s\n", path, why ? why : strerror(errno));
		return -1;
	}
	while ((line = trace_input_getline(in, &len, &why))) {
		replay_line(r, line, len);
		if (r->opt.progress && r->lineno % PROGRESS_EVERY_LINES == 0)
			show_progress(r, in);
	}
	if (r->progress_shown)
		fputs("\r\033[K", stderr);
	trace_input_close(in);
	if (why) {
		fprintf(stderr, "kmm replay: %s: after line %lu: %s\n", path, r->lineno, why);
		return -1;
	}
	return 0;
}

void replay_text(struct replay *r, const char *text)
{
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);

		replay_line(r, text, len);
		text += len + (nl ? 1 : 0);
	}
}

/* The largest order with a free block, from buddyinfo (all zones). */
static void largest_free(struct replay_summary *sum)
{
	static struct text_buf b;
	char *line, *save = NULL;
	unsigned long count[NR_PAGE_ORDERS] = { 0 };

	b.len = 0;
	kmm_report_write("buddyinfo", text_emit, &b);
	for (line = strtok_r(b.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = strstr(line, "zone");

		if (!p)
			continue;
		p += 4;
		while (*p == ' ')
			p++;
		while (*p && *p != ' ') /* the zone's name */
			p++;
		for (int o = 0; o < NR_PAGE_ORDERS && *p; o++)
			count[o] += strtoul(p, &p, 10);
	}
	sum->largest_free_order = -1;
	for (int o = NR_PAGE_ORDERS - 1; o >= 0; o--) {
		if (count[o]) {
			sum->largest_free_order = o;
			sum->largest_free_blocks = count[o];
			break;
		}
	}
}

void replay_finish(struct replay *r, struct replay_summary *sum)
{
	take_sample(r);
	r->sum.seconds = now() - r->t0;
	r->sum.kmm_seconds = r->kmm_time;
	r->sum.slab_final = slab_pages();
	r->sum.used_final = used_pages();
	r->sum.pages_final = r->pages_live;
	r->sum.eff_final = r->samples[r->nr_samples - 1].efficiency;
	r->sum.nr_eff = 0;
	for (int i = 1; i < REPLAY_NR_SAMPLES && r->nr_samples > 1; i++) {
		size_t k = (r->nr_samples - 1) * (size_t)i / REPLAY_NR_SAMPLES;

		if (r->sum.nr_eff && r->sum.eff[r->sum.nr_eff - 1].event == r->samples[k].event)
			continue;
		r->sum.eff[r->sum.nr_eff].event = r->samples[k].event;
		r->sum.eff[r->sum.nr_eff].efficiency = r->samples[k].efficiency;
		r->sum.nr_eff++;
	}
	drain_all_pages(NULL);
	largest_free(&r->sum);
	*sum = r->sum;
}

/* Free what is live, destroy the caches (all of them before any name is freed). */
static void release_all(struct replay *r)
{
	for (size_t i = 0; i <= r->objs.mask; i++)
		while (r->objs.slots[i].used) /* removal may shift the next entry here */
			free_live(r, &r->objs, &r->objs.slots[i]);
	for (size_t i = 0; i <= r->pages.mask; i++)
		while (r->pages.slots[i].used)
			free_live(r, &r->pages, &r->pages.slots[i]);
	for (int h = 0; h < CACHE_BUCKETS; h++) {
		for (struct replay_cache *c = r->caches[h]; c; c = c->next) {
			if (c->s) {
				kmem_cache_shrink(c->s);
				kmem_cache_destroy(c->s);
				c->s = NULL;
			}
		}
	}
}

void replay_release(struct replay *r, struct replay_summary *sum)
{
	unsigned long used, slab;

	r->sum.left_live = r->objs.count + r->pages.count;
	release_all(r);
	for (int t = 0; t < NR_KMALLOC_TYPES; t++)
		for (int i = 0; i <= KMALLOC_SHIFT_MAX; i++)
			if (kmalloc_caches[t][i])
				kmem_cache_shrink(kmalloc_caches[t][i]);
	drain_all_pages(NULL);
	used = used_pages();
	slab = slab_pages();
	r->sum.pages_not_returned =
		((long)used - (long)slab) - ((long)r->sum.start_used - (long)r->sum.start_slab);
	r->sum.slab_retained = (long)slab - (long)r->sum.start_slab;
	r->sum.check_problems = kmm_check_page_alloc() + kmm_slab_validate(NULL);
	*sum = r->sum;
}

void replay_destroy(struct replay *r)
{
	if (!r)
		return;
	if (r->objs.slots && r->pages.slots)
		release_all(r);
	for (int h = 0; h < CACHE_BUCKETS; h++) {
		while (r->caches[h]) {
			struct replay_cache *c = r->caches[h];

			r->caches[h] = c->next;
			free(c->name);
			free(c);
		}
	}
	free(r->objs.slots);
	free(r->pages.slots);
	free(r->samples);
	free(r);
}

/* ==== printing =============================================================================== */

/* kmalloc_index() numbers the 96 and 192 byte classes 1 and 2: print by size. */
static const unsigned char class_order[REPLAY_NR_CLASSES] = {
	0, 3, 4, 5, 6, 1, 7, 2, 8, 9, 10, 11, 12, 13, REPLAY_CLASS_LARGE,
};
_Static_assert(REPLAY_CLASS_LARGE == 14, "class_order lists every kmalloc class");

static const char *class_name(unsigned int cls, char *buf, size_t size)
{
	if (cls == REPLAY_CLASS_LARGE)
		snprintf(buf, size, "large (>%lu)", (unsigned long)KMALLOC_MAX_CACHE_SIZE);
	else if (cls == 0)
		snprintf(buf, size, "kmalloc(0)");
	else
		snprintf(buf, size, "kmalloc-%u", cls == 1 ? 96 : cls == 2 ? 192 : 1u << cls);
	return buf;
}

static unsigned long total_skipped(const struct replay_summary *s)
{
	unsigned long n = 0;

	for (int k = 0; k < NR_EV_KINDS; k++)
		n += s->kind[k].unknown + s->kind[k].traced_failed + s->kind[k].failed;
	return n;
}

static double kmalloc_waste(const struct replay_summary *s)
{
	unsigned long long w = 0;

	for (int c = 0; c < REPLAY_NR_CLASSES; c++)
		w += s->cls[c].granted - s->cls[c].requested;
	return (double)w;
}

static unsigned long total_replayed(const struct replay_summary *s)
{
	unsigned long n = 0;

	for (int k = 0; k < NR_EV_KINDS; k++)
		n += s->kind[k].replayed;
	return n;
}

static unsigned long total_seen(const struct replay_summary *s)
{
	unsigned long n = 0;

	for (int k = 0; k < NR_EV_KINDS; k++)
		n += s->kind[k].seen;
	return n;
}

static double mib(unsigned long pages)
{
	return (double)pages * PAGE_SIZE / (1 << 20);
}

void replay_print(FILE *out, const struct replay_summary *s, const char *trace)
{
	unsigned long long req = 0, granted = 0;
	char name[32];

	fprintf(out, "== %s: %s replayed on %lu MiB of RAM ==\n", s->slab, trace, s->ram_mb);
	fprintf(out, "  %-18s %9s %9s %9s %9s %9s\n", "event", "seen", "replayed", "unpaired",
		"traced-", "failed");
	fprintf(out, "  %-18s %9s %9s %9s %9s %9s\n", "", "", "", "(skipped)", "failed", "on kmm");
	for (int k = 0; k < NR_EV_KINDS; k++)
		fprintf(out, "  %-18s %9lu %9lu %9lu %9lu %9lu\n", trace_kind_names[k],
			s->kind[k].seen, s->kind[k].replayed, s->kind[k].unknown,
			s->kind[k].traced_failed, s->kind[k].failed);
	fprintf(out,
		"  lines %lu: %lu events, %lu comments/headers, %lu of other events, "
		"%lu malformed\n",
		s->lines, total_seen(s), s->ignored, s->unknown_events, s->malformed);
	fprintf(out,
		"  kfree(NULL) %lu, implicit frees (address reused: its free was not traced) %lu, "
		"GFP flags adjusted %lu\n",
		s->null_frees, s->implicit_frees, s->gfp_adjusted);
	fprintf(out, "  named caches %lu, of which merged into another cache %lu\n", s->caches,
		s->caches_merged);
	fprintf(out, "  throughput: %.0f events/s (%.2f s in all); in kmm %.3f s: %.0f ns/event\n",
		s->seconds > 0 ? (double)total_seen(s) / s->seconds : 0.0, s->seconds,
		s->kmm_seconds,
		total_replayed(s) ? s->kmm_seconds * 1e9 / (double)total_replayed(s) : 0.0);
	fprintf(out,
		"  pages in use (4 KiB)             peak      final   (sampled every %lu events)\n",
		s->sample_every);
	fprintf(out, "    slab (meminfo Slab)       %9lu  %9lu   %.1f MiB at the end\n",
		s->slab_peak, s->slab_final, mib(s->slab_final));
	fprintf(out, "    traced page allocations   %9lu  %9lu   %.1f MiB at the end\n",
		s->pages_peak, s->pages_final, mib(s->pages_final));
	fprintf(out, "    page allocator, all uses  %9lu  %9lu   (%lu at the start)\n",
		s->used_peak, s->used_final, s->start_used);
	fprintf(out, "  slab efficiency (live bytes requested / slab pages):");
	for (int i = 0; i < s->nr_eff; i++)
		fprintf(out, "%s %.0fk: %.1f%%", i ? "," : "", (double)s->eff[i].event / 1000,
			100 * s->eff[i].efficiency);
	fprintf(out, "; final %.1f%%\n", 100 * s->eff_final);
	fprintf(out, "  kmalloc internal fragmentation (requested vs granted = ksize()):\n");
	fprintf(out, "    %-16s %9s %12s %12s %7s\n", "class", "allocs", "requested", "granted",
		"waste");
	for (unsigned int i = 0; i < REPLAY_NR_CLASSES; i++) {
		unsigned int c = class_order[i];
		const struct replay_class_stats *k = &s->cls[c];

		if (!k->allocs)
			continue;
		req += k->requested;
		granted += k->granted;
		fprintf(out, "    %-16s %9lu %12llu %12llu %6.1f%%\n",
			class_name(c, name, sizeof(name)), k->allocs, k->requested, k->granted,
			k->granted ?
				100.0 * (double)(k->granted - k->requested) / (double)k->granted :
				0.0);
	}
	fprintf(out, "    %-16s %9s %12llu %12llu %6.1f%%\n", "all", "", req, granted,
		granted ? 100.0 * (double)(granted - req) / (double)granted : 0.0);
	if (s->largest_free_order >= 0)
		fprintf(out, "  largest free buddy block at the end: order %d (%lu blocks)\n",
			s->largest_free_order, s->largest_free_blocks);
	else
		fprintf(out, "  largest free buddy block at the end: none\n");
	if (s->failures)
		fprintf(out, "  allocation failures: %lu, the first at %s\n", s->failures,
			s->first_failure);
	else
		fprintf(out, "  allocation failures: none\n");
	fprintf(out,
		"  after freeing the %lu allocations the trace left live: %ld pages not "
		"returned, %ld slab pages kept, %d problems found by the checkers\n",
		s->left_live, s->pages_not_returned, s->slab_retained, s->check_problems);
}

static const char *outcome_text(const struct replay_summary *s, char *buf, size_t size)
{
	switch (s->outcome) {
	case REPLAY_UNAVAILABLE:
		return "n/a";
	case REPLAY_NO_SUMMARY:
		return "no summary";
	case REPLAY_CRASHED:
		if (WIFSIGNALED(s->exit_status))
			snprintf(buf, size, "killed (%s)", strsignal(WTERMSIG(s->exit_status)));
		else
			snprintf(buf, size, "exit %d", WEXITSTATUS(s->exit_status));
		return buf;
	}
	if (s->failures || s->pages_not_returned || s->check_problems)
		return "problems";
	return "ok";
}

#define ROW(label, fmt, expr)                                       \
	do {                                                        \
		fprintf(out, "  %-36s", label);                     \
		for (int i_ = 0; i_ < n; i_++) {                    \
			const struct replay_summary *s = &sums[i_]; \
			if (s->outcome == REPLAY_OK)                \
				fprintf(out, " %14" fmt, expr);     \
			else                                        \
				fprintf(out, " %14s", "-");         \
		}                                                   \
		fputc('\n', out);                                   \
	} while (0)

void replay_print_comparison(FILE *out, const struct replay_summary *sums, int n, const char *trace)
{
	char buf[64];

	fprintf(out, "== comparison: %s ==\n  %-36s", trace, "");
	for (int i = 0; i < n; i++)
		fprintf(out, " %14s", sums[i].slab);
	fputc('\n', out);
	fprintf(out, "  %-36s", "outcome");
	for (int i = 0; i < n; i++)
		fprintf(out, " %14s", outcome_text(&sums[i], buf, sizeof(buf)));
	fputc('\n', out);
	ROW("events replayed", "lu", total_replayed(s));
	ROW("events skipped (unpaired, failed)", "lu", total_skipped(s));
	ROW("throughput (events/s)", ".0f",
	    s->seconds > 0 ? (double)total_seen(s) / s->seconds : 0.0);
	ROW("time in kmm (ns/event)", ".0f",
	    total_replayed(s) ? s->kmm_seconds * 1e9 / (double)total_replayed(s) : 0.0);
	ROW("slab pages, peak", "lu", s->slab_peak);
	ROW("slab pages, final", "lu", s->slab_final);
	ROW("traced page allocations, peak", "lu", s->pages_peak);
	ROW("traced page allocations, final", "lu", s->pages_final);
	ROW("page allocator pages in use, peak", "lu", s->used_peak);
	ROW("page allocator pages in use, final", "lu", s->used_final);
	for (int e = 0; e < REPLAY_NR_SAMPLES; e++) {
		char label[48];

		if (e >= sums[0].nr_eff)
			break;
		snprintf(label, sizeof(label), "slab efficiency at %.0fk events (%%)",
			 (double)sums[0].eff[e].event / 1000);
		ROW(label, ".1f", e < s->nr_eff ? 100 * s->eff[e].efficiency : 0.0);
	}
	ROW("slab efficiency, final (%)", ".1f", 100 * s->eff_final);
	ROW("kmalloc granted-requested (KiB)", ".1f", kmalloc_waste(s) / 1024);
	ROW("largest free buddy order at the end", "d", s->largest_free_order);
	ROW("allocation failures", "lu", s->failures);
	ROW("pages not returned after frees", "ld", s->pages_not_returned);
	fprintf(out, "  kmalloc waste per class (%% of granted bytes):\n");
	for (unsigned int ci = 0; ci < REPLAY_NR_CLASSES; ci++) {
		unsigned int c = class_order[ci];
		char label[48], cname[32];
		bool any = false;

		for (int i = 0; i < n; i++)
			any |= sums[i].outcome == REPLAY_OK && sums[i].cls[c].allocs;
		if (!any)
			continue;
		snprintf(label, sizeof(label), "  %s", class_name(c, cname, sizeof(cname)));
		ROW(label, ".1f",
		    s->cls[c].granted ? 100.0 * (double)(s->cls[c].granted - s->cls[c].requested) /
						(double)s->cls[c].granted :
					0.0);
	}
}

/* ==== the command ============================================================================ */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kmm replay [--slab=slub|slab|slob|all] [--ram=SIZE] [--report=NAME,...]\n"
		"                  [--map=FILE.svg] [--map-cell=PAGES] [--sample=N] [--quiet]\n"
		"                  [--no-progress] TRACE[.gz|.xz]\n"
		"  Replays an ftrace capture of kmem:kmalloc, kfree, kmem_cache_alloc, "
		"kmem_cache_free,\n"
		"  mm_page_alloc and mm_page_free events on kmm. --slab=all (the default) runs "
		"each\n"
		"  back-end in a child process and compares them; --ram sets KMM_RAM (default "
		"2G);\n"
		"  --report prints those reports after the replay; --map writes the memory map "
		"there\n"
		"  (with --slab=all, FILE-slub.svg, FILE-slab.svg, FILE-slob.svg), one cell per "
		"PAGES\n"
		"  page frames (default: automatic); --sample=N samples meminfo every N events.\n");
}

struct replay_cmd {
	const char *trace, *ram, *report;
	const char *map;   /* --map=FILE.svg */
	bool map_per_slab; /* --slab=all: FILE-<slab>.svg */
	struct kmm_map_options map_opt;
	struct replay_options opt;
};

/* --map=maps/x.svg with --slab=all: maps/x-slub.svg (the suffix before ".svg", if any). */
static void map_path(const struct replay_cmd *cmd, const char *slab, char *buf, size_t size)
{
	size_t len = strlen(cmd->map);
	const char *dot = strrchr(cmd->map, '.');

	if (!cmd->map_per_slab) {
		snprintf(buf, size, "%s", cmd->map);
		return;
	}
	if (!dot || strchr(dot, '/'))
		dot = cmd->map + len;
	snprintf(buf, size, "%.*s-%s%s", (int)(dot - cmd->map), cmd->map, slab, dot);
}

/* Write the memory map as it stands (the trace's live allocations still live). */
static int write_map(const struct replay_cmd *cmd, const char *slab)
{
	char path[4096];
	FILE *f;
	int err;

	map_path(cmd, slab, path, sizeof(path));
	f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!f) {
		fprintf(stderr, "kmm replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	err = kmm_map(f, &cmd->map_opt);
	if (f != stdout && fclose(f))
		err = -1;
	if (err)
		fprintf(stderr, "kmm replay: cannot write the map to %s\n", path);
	return err;
}

static void print_reports(const char *list)
{
	char *copy = strdup(list), *save = NULL;

	for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		printf("\n== %s (%s) ==\n", name, kmm_slab_allocator());
		if (kmm_report(stdout, name))
			fprintf(stderr, "kmm replay: no report named '%s'\n", name);
	}
	free(copy);
}

/*
 * Replay on @slab in this process, which must not have used kmm yet. The summary goes to
 * @fd when it is not -1. Returns the command's exit status for this back-end.
 */
static int replay_one(const struct replay_cmd *cmd, const char *slab, int fd)
{
	struct replay_summary sum = { 0 };
	bool map_failed = false;
	struct replay *r;
	int err;

	setenv("KMM_SLAB", slab, 1);
	if (cmd->ram)
		setenv("KMM_RAM", cmd->ram, 1);
	else if (!getenv("KMM_RAM"))
		setenv("KMM_RAM", "2G", 1);
	err = kmm_init(NULL);
	if (err && err != -16 /* -EBUSY: already up, as configured */) {
		fprintf(stderr, "kmm replay: the %s back-end is not available (%d)\n", slab, err);
		return 3;
	}
	r = replay_create(&cmd->opt);
	if (!r) {
		fprintf(stderr, "kmm replay: out of memory\n");
		return 2;
	}
	if (replay_trace(r, cmd->trace)) {
		replay_destroy(r);
		return 2;
	}
	replay_finish(r, &sum);
	if (cmd->report)
		print_reports(cmd->report);
	if (cmd->map && write_map(cmd, slab))
		map_failed = true;
	replay_release(r, &sum);
	replay_destroy(r);
	replay_print(stdout, &sum, cmd->trace);
	fflush(stdout);
	if (fd >= 0) {
		const char *p = (const char *)&sum;
		size_t left = sizeof(sum);

		while (left) {
			ssize_t w = write(fd, p, left);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			p += w;
			left -= (size_t)w;
		}
	}
	return sum.failures || sum.pages_not_returned || sum.check_problems || map_failed ? 1 : 0;
}

/* One child per back-end, one after the other (so that their timings do not mix). */
static int replay_all(const struct replay_cmd *cmd)
{
	static const char *const slabs[] = { "slub", "slab", "slob" };
	struct replay_summary sums[3];
	int status = 0, available = 0;

	for (int i = 0; i < 3; i++) {
		struct replay_summary *s = &sums[i];
		size_t got = 0;
		int pipefd[2], wstatus = 0;
		pid_t pid;

		memset(s, 0, sizeof(*s));
		snprintf(s->slab, sizeof(s->slab), "%s", slabs[i]);
		fflush(NULL);
		if (pipe(pipefd) || (pid = fork()) < 0) {
			perror("kmm replay");
			return 2;
		}
		if (pid == 0) {
			close(pipefd[0]);
			_exit(replay_one(cmd, slabs[i], pipefd[1]));
		}
		close(pipefd[1]);
		while (got < sizeof(*s)) {
			ssize_t n = read(pipefd[0], (char *)s + got, sizeof(*s) - got);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		close(pipefd[0]);
		while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 3) {
			s->outcome = REPLAY_UNAVAILABLE;
			continue;
		}
		available++;
		if (got != sizeof(*s)) {
			memset(s, 0, sizeof(*s));
			snprintf(s->slab, sizeof(s->slab), "%s", slabs[i]);
			s->outcome = WIFEXITED(wstatus) && !WEXITSTATUS(wstatus) ?
					     REPLAY_NO_SUMMARY :
					     REPLAY_CRASHED;
			s->exit_status = wstatus;
			status = 1;
			fprintf(stderr, "kmm replay: the %s replay failed\n", slabs[i]);
			continue;
		}
		s->outcome = REPLAY_OK;
		if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus))
			status = 1;
		printf("\n");
	}
	replay_print_comparison(stdout, sums, 3, cmd->trace);
	if (available < 3)
		printf("  (n/a: the back-end is not in this build of kmm)\n");
	return available ? status : 2;
}

int cmd_replay(int argc, char **argv)
{
	struct replay_cmd cmd = { .opt.progress = isatty(2) };
	const char *slab = "all";

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strncmp(a, "--slab=", 7))
			slab = a + 7;
		else if (!strncmp(a, "--ram=", 6))
			cmd.ram = a + 6;
		else if (!strncmp(a, "--report=", 9))
			cmd.report = a + 9;
		else if (!strncmp(a, "--map=", 6))
			cmd.map = a + 6;
		else if (!strncmp(a, "--map-cell=", 11))
			cmd.map_opt.cell_pages = strtoul(a + 11, NULL, 0);
		else if (!strncmp(a, "--sample=", 9))
			cmd.opt.sample_every = strtoul(a + 9, NULL, 10);
		else if (!strcmp(a, "--quiet"))
			cmd.opt.quiet = true;
		else if (!strcmp(a, "--no-progress"))
			cmd.opt.progress = false;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "kmm replay: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		} else if (cmd.trace) {
			fprintf(stderr, "kmm replay: one trace at a time\n");
			return 2;
		} else {
			cmd.trace = a;
		}
	}
	if (!cmd.trace) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(slab, "all")) {
		const char *why = NULL;
		struct trace_input *in = trace_input_open(cmd.trace, &why);

		if (!in) { /* say it once, not once per back-end */
			fprintf(stderr, "kmm replay: %s: %s\n", cmd.trace, why);
			return 2;
		}
		trace_input_close(in);
		if (cmd.map && !strcmp(cmd.map, "-")) {
			fprintf(stderr, "kmm replay: --map=- needs one back-end (--slab=...)\n");
			return 2;
		}
		cmd.map_per_slab = cmd.map != NULL;
		return replay_all(&cmd);
	}
	if (strcmp(slab, "slub") && strcmp(slab, "slab") && strcmp(slab, "slob")) {
		fprintf(stderr, "kmm replay: --slab=%s: expected slub, slab, slob or all\n", slab);
		return 2;
	}
	return replay_one(&cmd, slab, -1);
}
