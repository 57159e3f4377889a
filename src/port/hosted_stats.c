/* SPDX-License-Identifier: MIT */
/*
 * hosted_stats.c - where a process publishes its statistics for `kmm top`: a file named
 * for its PID in /dev/shm (or $KMM_STATS_DIR), mapped shared, mode 0644 whatever the
 * umask, so that other users can read it and only the owner can write it. The process
 * that created it removes it at exit; a forked child, which shares the mapping but not
 * the PID, leaves it alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kmm.h>

#include "../port.h"

static char stats_file[4096];
static pid_t stats_owner;

int kmm_stats_path(int pid, char *buf, size_t size)
{
	const char *dir = getenv("KMM_STATS_DIR");
	int n;

	if (!dir || !*dir)
		dir = "/dev/shm";
	n = snprintf(buf, size, "%s/kmm-stats.%d", dir, pid);
	return n < 0 || (size_t)n >= size ? -1 : n;
}

static void stats_unlink_at_exit(void)
{
	if (getpid() == stats_owner)
		unlink(stats_file);
}

void *port_stats_publish(size_t bytes)
{
	void *area;
	int fd;

	if (kmm_stats_path(getpid(), stats_file, sizeof(stats_file)) < 0)
		return NULL;
	unlink(stats_file); /* a stale file of a dead process with our PID */
	fd = open(stats_file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return NULL;
	if (fchmod(fd, 0644) || ftruncate(fd, (off_t)bytes)) {
		close(fd);
		unlink(stats_file);
		return NULL;
	}
	area = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (area == MAP_FAILED) {
		unlink(stats_file);
		return NULL;
	}
	stats_owner = getpid();
	atexit(stats_unlink_at_exit);
	return area;
}
