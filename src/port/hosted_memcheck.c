/* SPDX-License-Identifier: MIT */
/*
 * hosted_memcheck.c - the port's memory-checker calls (port.h) for AddressSanitizer
 * and Valgrind's memcheck: kmm objects become allocations in the tool's eyes.
 *
 * ASan is known at compile time (this file is built with -fsanitize=address): the
 * calls write its shadow memory. Valgrind is known at run time (RUNNING_ON_VALGRIND):
 * the calls are client requests, which cost a few instructions when not under
 * Valgrind. Without either, every call does nothing.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "port.h"

#if defined(__SANITIZE_ADDRESS__)
#define KMM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KMM_ASAN 1
#endif
#endif

#ifdef KMM_ASAN
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(a, s)	  ((void)(a), (void)(s))
#define ASAN_UNPOISON_MEMORY_REGION(a, s) ((void)(a), (void)(s))
#endif

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define KMM_VALGRIND 1
#endif
#endif

#ifndef KMM_VALGRIND
#define RUNNING_ON_VALGRIND		       0
#define VALGRIND_MALLOCLIKE_BLOCK(a, s, rz, z) ((void)0)
#define VALGRIND_FREELIKE_BLOCK(a, rz)	       ((void)0)
#define VALGRIND_MAKE_MEM_NOACCESS(a, s)       ((void)0)
#define VALGRIND_MAKE_MEM_DEFINED(a, s)	       ((void)0)
#define VALGRIND_DISABLE_ERROR_REPORTING       ((void)0)
#define VALGRIND_ENABLE_ERROR_REPORTING	       ((void)0)
#endif

/*
 * Under Valgrind's memcheck, that is: the client requests mean nothing to its other tools,
 * and turning the annotations on sends every allocation to the slow path - which would
 * make callgrind and cachegrind measure the wrong code. Valgrind preloads its tool's
 * vgpreload_<tool> library into the program, which names the tool.
 */
static bool under_valgrind(void)
{
	const char *preload;

	if (RUNNING_ON_VALGRIND == 0)
		return false;
	preload = getenv("LD_PRELOAD");
	return preload && strstr(preload, "vgpreload_memcheck");
}

bool port_mem_checker(void)
{
#ifdef KMM_ASAN
	return true;
#else
	return under_valgrind();
#endif
}

void port_mem_unpoison(const void *addr, size_t size)
{
	ASAN_UNPOISON_MEMORY_REGION(addr, size);
	if (under_valgrind())
		VALGRIND_MAKE_MEM_DEFINED(addr, size);
}

void port_mem_poison(const void *addr, size_t size)
{
	ASAN_POISON_MEMORY_REGION(addr, size);
	if (under_valgrind())
		VALGRIND_MAKE_MEM_NOACCESS(addr, size);
}

/* Poison all, then unpoison the front: ASan then marks the partial granule exactly. */
void port_mem_object_alloc(const void *addr, size_t size, size_t usable, bool zeroed)
{
	ASAN_POISON_MEMORY_REGION(addr, usable);
	ASAN_UNPOISON_MEMORY_REGION(addr, size);
	if (under_valgrind()) {
		VALGRIND_MALLOCLIKE_BLOCK(addr, size, 0, zeroed);
		if (usable > size)
			VALGRIND_MAKE_MEM_NOACCESS((const char *)addr + size, usable - size);
	}
}

void port_mem_object_free(const void *addr, size_t usable)
{
	ASAN_POISON_MEMORY_REGION(addr, usable);
	if (under_valgrind()) {
		VALGRIND_FREELIKE_BLOCK(addr, 0);
		VALGRIND_MAKE_MEM_NOACCESS(addr, usable);
	}
}

void port_mem_internal_begin(void)
{
	if (under_valgrind())
		VALGRIND_DISABLE_ERROR_REPORTING;
}

void port_mem_internal_end(void)
{
	if (under_valgrind())
		VALGRIND_ENABLE_ERROR_REPORTING;
}

void port_mem_vouch(const void *addr, size_t size)
{
	if (under_valgrind())
		VALGRIND_MAKE_MEM_DEFINED(addr, size);
}
