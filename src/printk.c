/* SPDX-License-Identifier: MIT */
/*
 * printk.c - the kernel log: printk() with KERN_* levels and KERN_CONT lines,
 * scnprintf(), dump_stack(), and the WARN and BUG reports, all in the kernel's words.
 *
 * The one idea: a message is formatted into a buffer on the stack, its level prefix is
 * read and stripped, and the line goes to port_log_write() in one write, or nowhere when
 * its level is not below console_loglevel. Nothing here allocates or takes a lock: the
 * allocator reports its own failures through printk, from inside itself.
 *
 * Lines and continuations follow the kernel's record rules. A message that does not end
 * in '\n' leaves its line open; a KERN_CONT message from the same thread appends to it
 * and shares its level (so a pr_cont after a filtered pr_debug stays hidden); any other
 * message first ends the open line. The open line's owner is one global word, updated
 * with atomics; lines of different threads are never interleaved within one write.
 */
#include <stdarg.h>

#include <linux/preempt.h>

#include "internal.h"

/* Longest message, as the kernel's record limit; longer ones are cut at a UTF-8 boundary. */
#define PRINTK_LINE_MAX 1024
/* Frames dump_stack() prints at most. */
#define STACK_DEPTH_MAX 64

#define KERN_SOH_ASCII	 '\001'
#define LOGLEVEL_DEFAULT (-1)
#define CUT_HERE	 "------------[ cut here ]------------\n"

/* console_loglevel, default_message_loglevel, minimum, default: the kernel's defaults. */
int console_printk[4] = { CONSOLE_LOGLEVEL_DEFAULT, MESSAGE_LOGLEVEL_DEFAULT, CONSOLE_LOGLEVEL_MIN,
			  CONSOLE_LOGLEVEL_DEFAULT };

/*
 * KMM_LOGLEVEL is read here rather than in config.c because printk must work before,
 * and without, kmm's initialisation. It is read once, at the first message.
 */
static _Atomic int loglevel_env_read;

static void console_loglevel_from_env(void)
{
	const char *v;
	int level = 0;

	if (atomic_load_explicit(&loglevel_env_read, memory_order_acquire) ||
	    atomic_exchange(&loglevel_env_read, 1))
		return;
	v = port_getenv("KMM_LOGLEVEL");
	if (!v || *v < '0' || *v > '9')
		return;
	for (; *v >= '0' && *v <= '9' && level < 100; v++)
		level = level * 10 + (*v - '0');
	if (*v == '\0')
		WRITE_ONCE(console_loglevel, level);
}

/* ---- the open line -------------------------------------------------------------------- */

/* cont_line: 0, or the open line's owner (pid << 32), level and whether it was printed. */
#define CONT_OPEN	 1ULL
#define CONT_PRINTED	 2ULL
#define CONT_LEVEL_SHIFT 2
#define CONT_PID_SHIFT	 32
static _Atomic uint64_t cont_line;

static uint64_t cont_line_state(int pid, int level, bool printed)
{
	return (uint64_t)(uint32_t)pid << CONT_PID_SHIFT |
	       (uint64_t)(level & 0xf) << CONT_LEVEL_SHIFT | (printed ? CONT_PRINTED : 0) |
	       CONT_OPEN;
}

static bool cont_line_is_mine(uint64_t state, int pid)
{
	return (state & CONT_OPEN) && (uint32_t)(state >> CONT_PID_SHIFT) == (uint32_t)pid;
}

/* ---- printk ---------------------------------------------------------------------------- */

/* Drop a UTF-8 sequence cut in two by truncation at @len; returns the new length. */
static size_t utf8_trim(const char *s, size_t len)
{
	size_t end = len, lead;
	unsigned char c;
	unsigned int need;

	while (end > 0 && ((unsigned char)s[end - 1] & 0xc0) == 0x80 && len - end < 3)
		end--;
	if (end == 0)
		return len;
	lead = end - 1;
	c = (unsigned char)s[lead];
	if (c < 0xc0)
		return len; /* ASCII (or stray continuation bytes): nothing is cut */
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	return len - lead >= need ? len : lead;
}

/* The kernel's printk_parse_prefix(): the first level wins, 'c' marks a continuation. */
static size_t parse_prefix(const char *text, int *level, bool *cont)
{
	size_t n = 0;

	while (text[n] == KERN_SOH_ASCII) {
		char c = text[n + 1];

		if (c >= '0' && c <= '7') {
			if (*level == LOGLEVEL_DEFAULT)
				*level = c - '0';
		} else if (c == 'c') {
			*cont = true;
		} else {
			break;
		}
		n += 2;
	}
	return n;
}

int vprintk(const char *fmt, va_list args)
{
	/* one byte before the text for ending another line, one after for the newline */
	char buf[1 + PRINTK_LINE_MAX + 1];
	char *text = buf + 1, *body, *out;
	int level = LOGLEVEL_DEFAULT, pid = port_task_id(), n;
	bool cont = false, newline = false, joined, printed;
	size_t len, body_len, fmt_len, out_len;
	uint64_t state;

	console_loglevel_from_env();
	n = port_vsnprintf(text, PRINTK_LINE_MAX, fmt, args);
	if (n < 0) {
		n = 0;
		text[0] = '\0';
	}
	len = (size_t)n;
	if (len >= PRINTK_LINE_MAX) {
		/* cut cleanly: whole characters, and the newline the message meant to have */
		len = utf8_trim(text, PRINTK_LINE_MAX - 1);
		fmt_len = strlen(fmt);
		newline = fmt_len && fmt[fmt_len - 1] == '\n';
	}
	body = text + parse_prefix(text, &level, &cont);
	body_len = len - (size_t)(body - text);
	if (body_len && body[body_len - 1] == '\n') {
		body_len--;
		newline = true;
	}

	state = atomic_load_explicit(&cont_line, memory_order_acquire);
	joined = cont && cont_line_is_mine(state, pid);
	if (joined) {
		level = (int)((state >> CONT_LEVEL_SHIFT) & 0xf);
		printed = state & CONT_PRINTED;
	} else {
		if (level == LOGLEVEL_DEFAULT)
			level = READ_ONCE(default_message_loglevel);
		printed = level < READ_ONCE(console_loglevel);
	}
	atomic_store_explicit(&cont_line, newline ? 0 : cont_line_state(pid, level, printed),
			      memory_order_release);

	if (printed) {
		out = body;
		out_len = body_len;
		if (newline)
			body[out_len++] = '\n';
		/* another line was left open and shown: end it, as the kernel ends its record */
		if (!joined && (state & CONT_OPEN) && (state & CONT_PRINTED)) {
			*--out = '\n';
			out_len++;
		}
		if (out_len)
			port_log_write(out, out_len);
	}
	return (int)body_len;
}

int printk(const char *fmt, ...)
{
	va_list args;
	int n;

	va_start(args, fmt);
	n = vprintk(fmt, args);
	va_end(args);
	return n;
}

/* Kernel semantics: the bytes actually written to @buf, not counting the NUL. */
int vscnprintf(char *buf, size_t size, const char *fmt, va_list args)
{
	int n;

	if (size == 0)
		return 0;
	n = port_vsnprintf(buf, size, fmt, args);
	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)n < size ? n : (int)(size - 1);
}

int scnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list args;
	int n;

	va_start(args, fmt);
	n = vscnprintf(buf, size, fmt, args);
	va_end(args);
	return n;
}

/* ---- taint ----------------------------------------------------------------------------- */

/* kernel/panic.c's taint_flags[], in bit order: the letter when set, and when not. */
static const struct {
	char c_true, c_false;
	const char *desc;
} taint_flags[] = {
	{ 'P', 'G', "PROPRIETARY_MODULE" },
	{ 'F', ' ', "FORCED_MODULE" },
	{ 'S', ' ', "CPU_OUT_OF_SPEC" },
	{ 'R', ' ', "FORCED_RMMOD" },
	{ 'M', ' ', "MACHINE_CHECK" },
	{ 'B', ' ', "BAD_PAGE" },
	{ 'U', ' ', "USER" },
	{ 'D', ' ', "DIE" },
	{ 'A', ' ', "OVERRIDDEN_ACPI_TABLE" },
	{ 'W', ' ', "WARN" },
	{ 'C', ' ', "CRAP" },
	{ 'I', ' ', "FIRMWARE_WORKAROUND" },
	{ 'O', ' ', "OOT_MODULE" },
	{ 'E', ' ', "UNSIGNED_MODULE" },
	{ 'L', ' ', "SOFTLOCKUP" },
	{ 'K', ' ', "LIVEPATCH" },
	{ 'X', ' ', "AUX" },
	{ 'T', ' ', "RANDSTRUCT" },
	{ 'N', ' ', "TEST" },
	{ 'J', ' ', "FWCTL" },
};
_Static_assert(TAINT_WARN == 9 && TAINT_BAD_PAGE == 5, "kernel taint bit numbers");

static _Atomic unsigned long tainted_mask;

void add_taint(unsigned int flag)
{
	if (flag < ARRAY_SIZE(taint_flags))
		atomic_fetch_or(&tainted_mask, 1UL << flag);
}

/* print_tainted() (short: "Tainted: G        W    ...") or print_tainted_verbose(). */
static void format_tainted(char *buf, size_t size, unsigned long mask, bool verbose)
{
	size_t n;
	const char *sep = "";

	if (!mask) {
		scnprintf(buf, size, "Not tainted");
		return;
	}
	n = (size_t)scnprintf(buf, size, "Tainted: ");
	for (unsigned int i = 0; i < ARRAY_SIZE(taint_flags); i++) {
		bool set = mask & (1UL << i);

		if (verbose && set) {
			n += (size_t)scnprintf(buf + n, size - n, "%s[%c]=%s", sep,
					       taint_flags[i].c_true, taint_flags[i].desc);
			sep = ", ";
		} else if (!verbose) {
			n += (size_t)scnprintf(buf + n, size - n, "%c",
					       set ? taint_flags[i].c_true :
						     taint_flags[i].c_false);
		}
	}
}

/*
 * The kernel's print_tainted(): the short taint string. Like the kernel's it returns a
 * buffer that the next call overwrites; kmm's is per thread, so threads do not mix.
 */
const char *print_tainted(void)
{
	static port_thread_local char buf[64];

	format_tainted(buf, sizeof(buf), atomic_load(&tainted_mask), false);
	return buf;
}

bool __ratelimit(struct ratelimit_state *rs)
{
	uint64_t now, begin;

	if (!rs->interval_ns)
		return true; /* rate limiting disabled */
	now = port_clock_ns();
	begin = atomic_load(&rs->begin);
	/* a new interval: one caller restarts the count */
	if (now - begin > rs->interval_ns &&
	    atomic_compare_exchange_strong(&rs->begin, &begin, now))
		atomic_store(&rs->printed, 0);
	return atomic_fetch_add(&rs->printed, 1) < rs->burst;
}

/* ---- stacks and reports ------------------------------------------------------------------ */

static unsigned int report_cpu(void)
{
	unsigned int n = READ_ONCE(nr_cpu_ids);

	return n ? port_cpu_id() % n : port_cpu_id();
}

/*
 * lib/dump_stack.c's header line. kmm has no release or build to name: "kmm" stands in
 * for "6.x.y #1 PREEMPT(...)", and the UID of a kernel thread, 0.
 */
void dump_stack_print_info(const char *log_lvl)
{
	unsigned long mask = atomic_load(&tainted_mask);
	char taint[256];

	format_tainted(taint, sizeof(taint), mask, false);
	printk("%sCPU: %u UID: %u PID: %d Comm: %.20s %s kmm\n", log_lvl, report_cpu(), 0u,
	       port_task_id(), port_task_comm(), taint);
	if (mask) {
		format_tainted(taint, sizeof(taint), mask, true);
		printk("%s%s\n", log_lvl, taint);
	}
}

/*
 * "Call Trace:" from the frame whose return address is @first: the frames before it are
 * the reporting machinery's own (dump_stack, the port's unwinder), which the kernel's
 * unwinder skips too. If @first is not found the whole stack is shown.
 */
static void show_stack_from(void *first, const char *log_lvl)
{
	void *entries[STACK_DEPTH_MAX];
	char sym[256];
	int nr = port_backtrace(entries, STACK_DEPTH_MAX), start = 0;

	for (int i = 0; i < nr; i++) {
		if (entries[i] == first) {
			start = i;
			break;
		}
	}
	printk("%sCall Trace:\n", log_lvl);
	printk("%s <TASK>\n", log_lvl);
	for (int i = start; i < nr; i++) {
		port_symbolize(entries[i], sym, sizeof(sym));
		printk("%s %s\n", log_lvl, sym);
	}
	printk("%s </TASK>\n", log_lvl);
}

noinline void dump_stack(void)
{
	dump_stack_print_info(KERN_DEFAULT);
	show_stack_from(__builtin_return_address(0), KERN_DEFAULT);
}

static void print_oops_end_marker(void)
{
	pr_warn("---[ end trace %016llx ]---\n", 0ULL);
}

/*
 * x86's WARN(): the message comes first (__warn_printk), then the trap's report with the
 * warning site as "%pS". A site the port cannot name is left out rather than shown as a
 * bare address.
 */
noinline void __warn(const char *file, int line, const char *fmt, ...)
{
	void *caller = __builtin_return_address(0);
	char sym[256];
	va_list args;

	printk(KERN_WARNING CUT_HERE);
	if (fmt) {
		va_start(args, fmt);
		vprintk(fmt, args);
		va_end(args);
	}
	port_symbolize(caller, sym, sizeof(sym));
	if (sym[0] && !(sym[0] == '0' && sym[1] == 'x'))
		pr_warn("WARNING: CPU: %u PID: %d at %s:%d %s\n", report_cpu(), port_task_id(),
			file, line, sym);
	else
		pr_warn("WARNING: CPU: %u PID: %d at %s:%d\n", report_cpu(), port_task_id(), file,
			line);
	dump_stack_print_info(KERN_DEFAULT);
	show_stack_from(caller, KERN_DEFAULT);
	print_oops_end_marker();
	add_taint(TAINT_WARN);
}

/* report_bug() then die(): x86 reports BUG() as the invalid opcode it executes. */
noinline _Noreturn void __bug(const char *file, int line)
{
	static _Atomic int die_counter;
	void *caller = __builtin_return_address(0);

	printk(KERN_DEFAULT CUT_HERE);
	pr_crit("kernel BUG at %s:%d!\n", file, line);
	pr_emerg("Oops: invalid opcode: 0000 [#%d] SMP\n", atomic_fetch_add(&die_counter, 1) + 1);
	dump_stack_print_info(KERN_DEFAULT);
	show_stack_from(caller, KERN_DEFAULT);
	print_oops_end_marker();
	add_taint(TAINT_DIE);
	port_panic();
}
