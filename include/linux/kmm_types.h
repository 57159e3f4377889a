/* SPDX-License-Identifier: MIT */
/*
 * kmm_types.h - the kernel's basic types and compiler helpers, for kmm's kernel-style
 * headers. The kernel spreads these over linux/types.h, linux/compiler*.h and friends;
 * the system's own /usr/include/linux/types.h must stay reachable (other system headers
 * include it), so kmm gathers what its headers need here under a name of its own.
 * Freestanding: only the compiler's own headers are included.
 */
#ifndef KMM_LINUX_KMM_TYPES_H
#define KMM_LINUX_KMM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

typedef unsigned int gfp_t;
typedef unsigned int slab_flags_t;
typedef uint64_t phys_addr_t;
typedef unsigned long pgoff_t;

typedef struct {
	int counter;
} atomic_t;

typedef struct {
	long counter;
} atomic_long_t;

/*
 * An RCU callback's handle, embedded in the object it frees (linux/types.h): between
 * call_rcu() and the callback, both words belong to RCU.
 */
struct callback_head {
	struct callback_head *next;
	void (*func)(struct callback_head *head);
} __attribute__((aligned(sizeof(void *))));
#define rcu_head callback_head
typedef void (*rcu_callback_t)(struct rcu_head *head);

#ifndef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#endif
#ifndef __must_check
#define __must_check __attribute__((__warn_unused_result__))
#endif
#ifndef __malloc
#define __malloc __attribute__((__malloc__))
#endif
#ifndef __alloc_size
#define __alloc_size(...) __attribute__((__alloc_size__(__VA_ARGS__)))
#endif
#ifndef __assume_aligned
#define __assume_aligned(a) __attribute__((__assume_aligned__(a)))
#endif
#ifndef __force
#define __force
#endif
#ifndef __bitwise
#define __bitwise
#endif
#ifndef __cold
#define __cold __attribute__((__cold__))
#endif
#ifndef __noreturn
#define __noreturn __attribute__((__noreturn__))
#endif
#ifndef __printf
#define __printf(a, b) __attribute__((__format__(printf, a, b)))
#endif
#ifndef likely
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif
#ifndef BIT
#define BIT(nr) (1UL << (nr))
#endif
#ifndef _RET_IP_
#define _RET_IP_ ((unsigned long)__builtin_return_address(0))
#define _THIS_IP_                        \
	({                               \
		__label__ __here;        \
__here:                                  \
		(unsigned long)&&__here; \
	})
#endif

#endif /* KMM_LINUX_KMM_TYPES_H */
