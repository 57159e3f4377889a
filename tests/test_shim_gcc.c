/* kmm-test: labels=preload timeout=180 backends=all */
/*
 * test_shim_gcc - gcc compiles and links a C file under `kmm run` (the driver, cc1, as
 * and ld all on kmm: the preload is inherited), and the program it built runs.
 */
#include "shim_test.h"

static const char source[] = "#include <stdio.h>\n"
			     "#include <stdlib.h>\n"
			     "static int cmp(const void *a, const void *b)\n"
			     "{ return *(const int *)a - *(const int *)b; }\n"
			     "int main(void)\n"
			     "{\n"
			     "	int n = 100000, *v = malloc(n * sizeof(*v));\n"
			     "	long sum = 0;\n"
			     "	for (int i = 0; i < n; i++) v[i] = (i * 7919) % n;\n"
			     "	qsort(v, n, sizeof(*v), cmp);\n"
			     "	for (int i = 0; i < n; i++) sum += (long)v[i] * (i % 3);\n"
			     "	printf(\"built by gcc on kmm: %ld\\n\", sum);\n"
			     "	free(v);\n"
			     "	return 0;\n"
			     "}\n";

TEST(gcc_compiles_and_links)
{
	char dir[] = "/tmp/kmm-shim-gcc-XXXXXX", cmd[1024], path[256];
	char *out, expect[64];
	int status;
	long sum = 0;
	FILE *f;

	for (long i = 0; i < 100000; i++)
		sum += i * (i % 3); /* what the program prints: its sorted array is 0..n-1 */
	snprintf(expect, sizeof(expect), "built by gcc on kmm: %ld", sum);

	REQUIRE(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/prog.c", dir);
	f = fopen(path, "w");
	REQUIRE(f);
	fputs(source, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "gcc -O2 -Wall -o %s/prog %s/prog.c && echo compiled", dir, dir);
	free(kmm_run_checked(cmd, "compiled"));
	snprintf(cmd, sizeof(cmd), "%s/prog", dir);
	out = shell_output(cmd, &status);
	CHECK_EQ(status, 0);
	CHECK_STR_CONTAINS(out, expect);
	free(out);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
}

int main(void)
{
	return kmm_test_main();
}
