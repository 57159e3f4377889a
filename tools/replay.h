/* SPDX-License-Identifier: MIT */
/*
 * replay.h - `kmm replay`: replaying an ftrace capture of the kernel's kmem events on kmm.
 *
 * Three layers, all in replay.c:
 *  - trace input: a plain, gzip or xz file (or stdin) read in chunks and cut into lines;
 *  - the parser: one line of `trace-cmd report` or /sys/kernel/tracing/trace output into
 *    a struct trace_event (kmalloc, kmalloc_node, kfree, kmem_cache_alloc[_node],
 *    kmem_cache_free, mm_page_alloc, mm_page_free[_batched]);
 *  - the engine: each event done on kmm in trace order, traced pointers and page frame
 *    numbers mapped to the live kmm objects and pages, with the statistics the command
 *    prints gathered in a struct replay_summary.
 * cmd_replay() is the command: one back-end in this process, or `--slab=all`, one child
 * process per back-end (each needs its own KMM_SLAB) sending its summary back through
 * a pipe, and the comparison printed side by side.
 */
#ifndef KMM_TOOLS_REPLAY_H
#define KMM_TOOLS_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <linux/gfp_types.h>
#include <linux/slab.h>

/* ---- events ------------------------------------------------------------------------------- */

enum trace_kind {
	EV_KMALLOC,	/* kmalloc, kmalloc_node */
	EV_KFREE,	/* kfree */
	EV_CACHE_ALLOC, /* kmem_cache_alloc, kmem_cache_alloc_node */
	EV_CACHE_FREE,	/* kmem_cache_free */
	EV_PAGE_ALLOC,	/* mm_page_alloc */
	EV_PAGE_FREE,	/* mm_page_free, mm_page_free_batched */
	NR_EV_KINDS
};

extern const char *const trace_kind_names[NR_EV_KINDS];

/* Fields an event line carried (trace_event.have). */
enum {
	TF_PTR = 1 << 0,
	TF_BYTES_REQ = 1 << 1,
	TF_BYTES_ALLOC = 1 << 2,
	TF_GFP = 1 << 3,
	TF_PFN = 1 << 4,
	TF_ORDER = 1 << 5,
	TF_NAME = 1 << 6,
	TF_NODE = 1 << 7,
	TF_ACCOUNTED = 1 << 8,
};

struct trace_event {
	enum trace_kind kind;
	unsigned int have;	   /* TF_* bits: the fields present */
	unsigned long long ptr;	   /* ptr=: hashed by the kernel, stable per address */
	unsigned long long pfn;	   /* pfn= */
	unsigned int order;	   /* order= */
	unsigned long bytes_req;   /* bytes_req= */
	unsigned long bytes_alloc; /* bytes_alloc= */
	gfp_t gfp;		   /* gfp_flags=, as values of <linux/gfp_types.h> */
	int node;		   /* node= (-1: any) */
	bool accounted;		   /* accounted=true */
	const char *name;	   /* name= (a cache), or the unknown event's name */
	size_t name_len;	   /* not NUL-terminated: it points into the line */
};

enum parse_result {
	PARSE_EVENT,	 /* *ev filled */
	PARSE_IGNORE,	 /* a comment, header or blank line */
	PARSE_UNKNOWN,	 /* a well-formed event of another kind (ev->name says which) */
	PARSE_MALFORMED, /* *why says what is wrong */
};

/* Parse one line (without its newline). The line is not modified. */
enum parse_result replay_parse_line(const char *line, size_t len, struct trace_event *ev,
				    const char **why);

/* GFP flags from their printed form ("GFP_KERNEL|__GFP_ZERO", "0x400cc0", "none"). */
int replay_parse_gfp(const char *s, size_t len, gfp_t *gfp);

/* ---- trace input -------------------------------------------------------------------------- */

struct trace_input;

/* Open a plain, .gz or .xz trace (recognised by content; "-" is stdin). NULL: errno set. */
struct trace_input *trace_input_open(const char *path, const char **why);
/* The next line, without its newline; NULL at the end (or on error: see *why). */
char *trace_input_getline(struct trace_input *in, size_t *len, const char **why);
/* Fraction of the file read so far (0..1), or -1 when unknown (a pipe). */
double trace_input_progress(struct trace_input *in);
void trace_input_close(struct trace_input *in);

/* ---- the engine and its results ----------------------------------------------------------- */

/* kmalloc classes as kmalloc_index() numbers them, plus one for large kmalloc. */
#define REPLAY_CLASS_LARGE (KMALLOC_SHIFT_HIGH + 1)
#define REPLAY_NR_CLASSES  (REPLAY_CLASS_LARGE + 1)
#define REPLAY_NR_SAMPLES  8 /* efficiency samples printed over the replay, the final one apart */

struct replay_kind_stats {
	unsigned long seen;	     /* lines of this kind parsed */
	unsigned long replayed;	     /* done on kmm */
	unsigned long unknown;	     /* frees of what the trace never allocated */
	unsigned long traced_failed; /* allocations that failed in the traced kernel */
	unsigned long failed;	     /* allocations that failed on kmm */
};

struct replay_class_stats {
	unsigned long allocs;
	unsigned long long requested; /* sum of bytes_req */
	unsigned long long granted;   /* sum of ksize() */
};

/*
 * Everything the command prints about one back-end's replay. Plain data: a child
 * process writes it to a pipe and its parent reads it back (same binary, same layout).
 */
struct replay_summary {
	char slab[8];	 /* "slub", "slab" or "slob" */
	int outcome;	 /* REPLAY_OK, ... (set by the parent for a child that failed) */
	int exit_status; /* the child's wait status, when outcome is REPLAY_CRASHED */
	unsigned long ram_mb;

	unsigned long lines, ignored, malformed, unknown_events;
	struct replay_kind_stats kind[NR_EV_KINDS];
	unsigned long null_frees;     /* kfree(NULL): replayed, nothing to pair */
	unsigned long implicit_frees; /* an allocation returned an address still live */
	unsigned long gfp_adjusted;   /* flags kmm cannot honour for the call, dropped */
	unsigned long caches, caches_merged;

	double seconds;	    /* the whole replay: reading, parsing and kmm */
	double kmm_seconds; /* inside kmm's allocation and free calls */

	/* pages: slab from meminfo's Slab, traced page allocations live, all in use */
	unsigned long start_used, start_slab;
	unsigned long slab_peak, slab_final;
	unsigned long pages_peak, pages_final; /* live pages of traced mm_page_alloc */
	unsigned long used_peak, used_final;   /* kmm_page_stats(): allocated */
	unsigned long sample_every;

	/* slab efficiency: requested bytes of live slab objects / bytes of slab pages */
	struct {
		unsigned long event;
		double efficiency;
	} eff[REPLAY_NR_SAMPLES];
	int nr_eff;
	double eff_final;

	struct replay_class_stats cls[REPLAY_NR_CLASSES];

	int largest_free_order; /* -1: no free block at all */
	unsigned long largest_free_blocks;

	unsigned long failures;
	char first_failure[160];

	/* after freeing what the trace left live, destroying its caches and shrinking */
	unsigned long left_live; /* objects and page blocks the trace never freed */
	long pages_not_returned; /* non-slab pages still in use beyond the start state */
	long slab_retained;	 /* slab pages beyond the start state (cached empty slabs) */
	int check_problems;	 /* kmm_check_page_alloc() + kmm_slab_validate() */
};

enum { REPLAY_OK, REPLAY_UNAVAILABLE, REPLAY_CRASHED, REPLAY_NO_SUMMARY };

struct replay_options {
	unsigned long sample_every; /* events between meminfo samples (0: default) */
	bool progress;		    /* a progress bar on stderr */
	bool quiet;		    /* no per-line messages about malformed input */
	FILE *msg;		    /* messages (stderr when NULL) */
};

struct replay;

/* Replay state on the kmm this process runs (initialised on first use). */
struct replay *replay_create(const struct replay_options *opt);
/* One parsed event; @lineno for messages. */
void replay_event(struct replay *r, const struct trace_event *ev, unsigned long lineno);
/* Feed a whole trace: returns 0, or -1 when it cannot be read (message on stderr). */
int replay_trace(struct replay *r, const char *path);
/* Feed a trace held in memory (lines separated by '\n'). */
void replay_text(struct replay *r, const char *text);
/* Finish: final figures into *sum (the trace's live allocations stay live). */
void replay_finish(struct replay *r, struct replay_summary *sum);
/* Free what the trace left live, destroy its caches, shrink, and check (into *sum). */
void replay_release(struct replay *r, struct replay_summary *sum);
void replay_destroy(struct replay *r);

void replay_print(FILE *out, const struct replay_summary *sum, const char *trace);
void replay_print_comparison(FILE *out, const struct replay_summary *sums, int n,
			     const char *trace);

/* The `kmm replay` command. */
int cmd_replay(int argc, char **argv);

#endif /* KMM_TOOLS_REPLAY_H */
