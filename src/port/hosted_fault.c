/* SPDX-License-Identifier: MIT */
/*
 * hosted_fault.c - page protection and the fault handler of the hosted port: mprotect()
 * for port_protect_pages(), and a SIGSEGV handler that asks the core's handler first.
 *
 * The one idea: a fault on a page the core protected on purpose (a KFENCE guard page)
 * is the kernel's page fault on a non-present page, so the core sees it first, and if
 * the core makes the page accessible the instruction simply runs again. Any other
 * fault goes to whoever handled SIGSEGV before kmm (a sanitizer, the program, or the
 * default action): the previous action is put back and the access faults once more.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "port.h"
#include "port/hosted.h"

static _Atomic(port_fault_handler_t) fault_handler;
static struct sigaction previous_action;
static _Atomic int handler_installed;

int port_protect_pages(void *va, unsigned long nr, int prot)
{
	int host = (prot & PORT_PROT_READ ? PROT_READ : 0) |
		   (prot & PORT_PROT_WRITE ? PROT_WRITE : 0) |
		   (prot & PORT_PROT_EXEC ? PROT_EXEC : 0);

	if (((uintptr_t)va & (RAM_PAGE_SIZE - 1)) || !nr)
		return -EINVAL;
	return mprotect(va, (size_t)nr << RAM_PAGE_SHIFT, host) ? -errno : 0;
}

/* x86-64 says in the page fault's error code whether the access was a write (bit 1). */
static bool fault_is_write(const ucontext_t *uc)
{
#if defined(__x86_64__)
	return uc->uc_mcontext.gregs[REG_ERR] & 2;
#else
	(void)uc;
	return false;
#endif
}

static void *fault_ip(const ucontext_t *uc)
{
#if defined(__x86_64__)
	return (void *)uc->uc_mcontext.gregs[REG_RIP];
#else
	(void)uc;
	return NULL;
#endif
}

static void segv_handler(int sig, siginfo_t *info, void *context)
{
	port_fault_handler_t handler = atomic_load(&fault_handler);
	int saved_errno = errno;
	ucontext_t *uc = context;

	if (handler && handler((unsigned long)info->si_addr, fault_is_write(uc), fault_ip(uc))) {
		errno = saved_errno;
		return;
	}
	/* Not ours: the access faults again, under the action kmm found installed. */
	sigaction(sig, &previous_action, NULL);
	atomic_store(&handler_installed, 0);
	errno = saved_errno;
}

int port_fault_handler_register(port_fault_handler_t handler)
{
	struct sigaction sa;

	atomic_store(&fault_handler, handler);
	if (atomic_exchange(&handler_installed, 1))
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = segv_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &previous_action)) {
		atomic_store(&handler_installed, 0);
		return -errno;
	}
	return 0;
}
