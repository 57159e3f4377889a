/* kmm-test: labels=preload timeout=120 backends=all */
/*
 * test_shim_pipeline - a shell script under `kmm run` that forks: a pipeline, subshells
 * and command substitutions (forks that do not exec: each child gets its own copy of
 * the shell's kmm memory) and a background job; the same output as on glibc's malloc.
 */
#include "shim_test.h"

static const char script[] =
	"set -e\n"
	"total=0\n"
	"for i in 1 2 3 4 5 6 7 8; do\n"
	"	n=$(seq 1 $((i * 5000)) | sort -rn | head -n 3 | tr '\\n' ' ')\n"
	"	total=$((total + $(echo $n | cut -d' ' -f1)))\n"
	"done\n"
	"( x=$(printf '%s\\n' a b c | sort -r | paste -sd,); echo \"subshell $x\" )\n"
	"seq 1 20000 | awk '{ s += $1 } END { print \"awk\", s }' &\n"
	"wait\n"
	"echo \"pipeline total $total\"\n";

TEST(shell_pipeline_same_output)
{
	char path[] = "/tmp/kmm-shim-sh-XXXXXX", cmd[256];
	int fd = mkstemp(path);

	REQUIRE(fd >= 0);
	REQUIRE(write(fd, script, sizeof(script) - 1) == (ssize_t)(sizeof(script) - 1));
	close(fd);
	snprintf(cmd, sizeof(cmd), "/bin/sh %s", path);
	check_same_output(cmd, "pipeline total 180000");
	unlink(path);
}

int main(void)
{
	return kmm_test_main();
}
