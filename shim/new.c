/* SPDX-License-Identifier: MIT */
/*
 * new.c - C++ operator new and delete on kmm: plain, array, nothrow, sized and aligned
 * forms (C++17), defined in C under their Itanium ABI names, so that the shim needs no
 * C++ runtime of its own and a C program that preloads it loads none.
 *
 * A failed throwing new does what the C++ standard says: call the new-handler and try
 * again, or throw std::bad_alloc when there is none. Both come from the program's own
 * libstdc++, reached through weak references; a process without libstdc++ cannot have
 * called a throwing new except through a library that brought it, so the fallback
 * (abort with a message) is for the impossible case.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "shim.h"

typedef void (*new_handler_t)(void);
/* std::get_new_handler() and std::__throw_bad_alloc(), from libstdc++ if present */
extern new_handler_t std_get_new_handler(void) __asm__("_ZSt15get_new_handlerv")
	__attribute__((weak));
extern void std_throw_bad_alloc(void) __asm__("_ZSt17__throw_bad_allocv")
	__attribute__((weak, noreturn));

static void *cxx_alloc_retry(size_t size, size_t align, bool nothrow)
{
	for (;;) {
		new_handler_t handler = std_get_new_handler ? std_get_new_handler() : NULL;
		void *p;

		if (!handler) {
			if (nothrow)
				return NULL;
			if (std_throw_bad_alloc)
				std_throw_bad_alloc();
			static const char msg[] = "kmm: operator new: out of memory\n";
			(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
			abort();
		}
		handler();
		p = align ? shim_alloc_aligned(align, size, SHIM_GFP) : shim_alloc(size, SHIM_GFP);
		if (p)
			return p;
	}
}

static __always_inline void *cxx_new(size_t size, bool nothrow)
{
	void *p = shim_alloc(size, SHIM_GFP);

	if (likely(p))
		return p;
	return cxx_alloc_retry(size, 0, nothrow);
}

static void *cxx_new_aligned(size_t size, size_t align, bool nothrow)
{
	void *p = shim_alloc_aligned(align, size, SHIM_GFP);

	return p ? p : cxx_alloc_retry(size, align, nothrow);
}

#define NEW(mangled, ...)    SHIM_EXPORT void *mangled(__VA_ARGS__) __asm__(#mangled);
#define DELETE(mangled, ...) SHIM_EXPORT void mangled(__VA_ARGS__) __asm__(#mangled);
/* nothrow_t and align_val_t are passed as a pointer and a size_t */
NEW(_Znwm, size_t)
NEW(_Znam, size_t)
NEW(_ZnwmRKSt9nothrow_t, size_t, const void *)
NEW(_ZnamRKSt9nothrow_t, size_t, const void *)
NEW(_ZnwmSt11align_val_t, size_t, size_t)
NEW(_ZnamSt11align_val_t, size_t, size_t)
NEW(_ZnwmSt11align_val_tRKSt9nothrow_t, size_t, size_t, const void *)
NEW(_ZnamSt11align_val_tRKSt9nothrow_t, size_t, size_t, const void *)
DELETE(_ZdlPv, void *)
DELETE(_ZdaPv, void *)
DELETE(_ZdlPvm, void *, size_t)
DELETE(_ZdaPvm, void *, size_t)
DELETE(_ZdlPvRKSt9nothrow_t, void *, const void *)
DELETE(_ZdaPvRKSt9nothrow_t, void *, const void *)
DELETE(_ZdlPvSt11align_val_t, void *, size_t)
DELETE(_ZdaPvSt11align_val_t, void *, size_t)
DELETE(_ZdlPvmSt11align_val_t, void *, size_t, size_t)
DELETE(_ZdaPvmSt11align_val_t, void *, size_t, size_t)
DELETE(_ZdlPvSt11align_val_tRKSt9nothrow_t, void *, size_t, const void *)
DELETE(_ZdaPvSt11align_val_tRKSt9nothrow_t, void *, size_t, const void *)

void *_Znwm(size_t size)
{
	return cxx_new(size, false);
}

void *_Znam(size_t size)
{
	return cxx_new(size, false);
}

void *_ZnwmRKSt9nothrow_t(size_t size, const void *nt)
{
	return cxx_new(size, true);
}

void *_ZnamRKSt9nothrow_t(size_t size, const void *nt)
{
	return cxx_new(size, true);
}

void *_ZnwmSt11align_val_t(size_t size, size_t align)
{
	return cxx_new_aligned(size, align, false);
}

void *_ZnamSt11align_val_t(size_t size, size_t align)
{
	return cxx_new_aligned(size, align, false);
}

void *_ZnwmSt11align_val_tRKSt9nothrow_t(size_t size, size_t align, const void *nt)
{
	return cxx_new_aligned(size, align, true);
}

void *_ZnamSt11align_val_tRKSt9nothrow_t(size_t size, size_t align, const void *nt)
{
	return cxx_new_aligned(size, align, true);
}

/* Every delete is free(): kmm finds the size and the block from the address. */
void _ZdlPv(void *p)
{
	shim_free(p);
}

void _ZdaPv(void *p)
{
	shim_free(p);
}

void _ZdlPvm(void *p, size_t size)
{
	shim_free(p);
}

void _ZdaPvm(void *p, size_t size)
{
	shim_free(p);
}

void _ZdlPvRKSt9nothrow_t(void *p, const void *nt)
{
	shim_free(p);
}

void _ZdaPvRKSt9nothrow_t(void *p, const void *nt)
{
	shim_free(p);
}

void _ZdlPvSt11align_val_t(void *p, size_t align)
{
	shim_free(p);
}

void _ZdaPvSt11align_val_t(void *p, size_t align)
{
	shim_free(p);
}

void _ZdlPvmSt11align_val_t(void *p, size_t size, size_t align)
{
	shim_free(p);
}

void _ZdaPvmSt11align_val_t(void *p, size_t size, size_t align)
{
	shim_free(p);
}

void _ZdlPvSt11align_val_tRKSt9nothrow_t(void *p, size_t align, const void *nt)
{
	shim_free(p);
}

void _ZdaPvSt11align_val_tRKSt9nothrow_t(void *p, size_t align, const void *nt)
{
	shim_free(p);
}
