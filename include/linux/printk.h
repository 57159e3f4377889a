/* SPDX-License-Identifier: MIT */
/*
 * printk.h - the kernel log: printk with KERN_* levels, pr_*() and the WARN/BUG family.
 * kmm writes its reports through here, in the kernel's words; on the hosted port the
 * log goes to stderr. KMM_LOGLEVEL (default 7) filters by level as console_loglevel.
 */
#ifndef KMM_LINUX_PRINTK_H
#define KMM_LINUX_PRINTK_H

#include <stdarg.h>

#include <linux/kmm_types.h>

#define KERN_SOH     "\001"
#define KERN_EMERG   KERN_SOH "0"
#define KERN_ALERT   KERN_SOH "1"
#define KERN_CRIT    KERN_SOH "2"
#define KERN_ERR     KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE  KERN_SOH "5"
#define KERN_INFO    KERN_SOH "6"
#define KERN_DEBUG   KERN_SOH "7"
#define KERN_DEFAULT ""
#define KERN_CONT    KERN_SOH "c"

/*
 * A message is printed when its level is below console_loglevel (KMM_LOGLEVEL, read at
 * the first message, or an assignment to console_loglevel); a message without a level
 * has default_message_loglevel. The kernel's defaults: 7 and 4, so KERN_DEBUG is hidden.
 */
extern int console_printk[4];
#define console_loglevel	    (console_printk[0])
#define default_message_loglevel    (console_printk[1])
#define CONSOLE_LOGLEVEL_SILENT	    0
#define CONSOLE_LOGLEVEL_MIN	    1
#define CONSOLE_LOGLEVEL_DEBUG	    10
#define CONSOLE_LOGLEVEL_MOTORMOUTH 15
#define CONSOLE_LOGLEVEL_DEFAULT    7
#define MESSAGE_LOGLEVEL_DEFAULT    4

__printf(1, 2) int printk(const char *fmt, ...);
__printf(1, 0) int vprintk(const char *fmt, va_list args);

#define printk_once(fmt, ...)                          \
	({                                             \
		static bool __print_once;              \
		bool __ret_print_once = !__print_once; \
		if (!__print_once) {                   \
			__print_once = true;           \
			printk(fmt, ##__VA_ARGS__);    \
		}                                      \
		unlikely(__ret_print_once);            \
	})

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
#define pr_emerg(fmt, ...)     printk(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_alert(fmt, ...)     printk(KERN_ALERT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit(fmt, ...)      printk(KERN_CRIT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...)       printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)      printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice(fmt, ...)    printk(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)      printk(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...)      printk(KERN_CONT fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...)     printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err_once(fmt, ...)  printk_once(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn_once(fmt, ...) printk_once(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info_once(fmt, ...) printk_once(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)

/* Print the caller's stack as the kernel's dump_stack(): "Call Trace:" and one frame a line. */
void dump_stack(void);

/* "------------[ cut here ]------------" / "WARNING: CPU: n PID: n at file:line" + stack. */
void __warn(const char *file, int line, const char *fmt, ...) __printf(3, 4);
/* "kernel BUG at file:line!" then the stack, then the port's panic. */
_Noreturn void __bug(const char *file, int line);

#define WARN(cond, fmt, ...)                                            \
	({                                                              \
		int __ret_warn_on = !!(cond);                           \
		if (unlikely(__ret_warn_on))                            \
			__warn(__FILE__, __LINE__, fmt, ##__VA_ARGS__); \
		unlikely(__ret_warn_on);                                \
	})
#define WARN_ON(cond) WARN(cond, NULL)
#define WARN_ONCE(cond, fmt, ...)                                       \
	({                                                              \
		static bool __warned;                                   \
		int __ret_warn_once = !!(cond);                         \
		if (unlikely(__ret_warn_once && !__warned)) {           \
			__warned = true;                                \
			__warn(__FILE__, __LINE__, fmt, ##__VA_ARGS__); \
		}                                                       \
		unlikely(__ret_warn_once);                              \
	})
#define WARN_ON_ONCE(cond) WARN_ONCE(cond, NULL)
#define BUG()		   __bug(__FILE__, __LINE__)
#define BUG_ON(cond)                \
	do {                        \
		if (unlikely(cond)) \
			BUG();      \
	} while (0)

/* lib/hexdump.c: rows of hex bytes, each prefixed by @prefix_str and an address or offset. */
enum { DUMP_PREFIX_NONE, DUMP_PREFIX_ADDRESS, DUMP_PREFIX_OFFSET };
void print_hex_dump(const char *level, const char *prefix_str, int prefix_type, int rowsize,
		    int groupsize, const void *buf, size_t len, bool ascii);

#endif /* KMM_LINUX_PRINTK_H */
