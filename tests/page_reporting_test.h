/* SPDX-License-Identifier: MIT */
/*
 * page_reporting_test.h - what the page reporting tests measure: how much of kmm's RAM
 * the host backs (the memfd's allocated blocks), which falls when blocks are reported.
 */
#ifndef PAGE_REPORTING_TEST_H
#define PAGE_REPORTING_TEST_H

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes of kmm's RAM the host backs now: the memfd's allocated blocks. */
static inline long long ram_backed_bytes(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long long bytes = -1;

	while (d && (e = readdir(d))) {
		char path[300], target[300];
		ssize_t n;
		struct stat st;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strstr(target, "memfd:kmm-ram") && stat(path, &st) == 0)
			bytes = (long long)st.st_blocks * 512;
	}
	if (d)
		closedir(d);
	return bytes;
}

#endif /* PAGE_REPORTING_TEST_H */
