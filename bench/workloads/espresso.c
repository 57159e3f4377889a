/* SPDX-License-Identifier: MIT */
/*
 * espresso.c - the allocation pattern of espresso (mimalloc-bench's logic minimiser),
 * written anew: a cover is a growing array of cubes, each cube a small bit set of 2 bits
 * per input variable, allocated on its own. Each pass intersects pairs of cubes of the
 * cover (every result a fresh set), keeps the non-empty ones that no kept cube
 * contains, frees the rest, drops the cubes the new ones contain, and grows the cover
 * with realloc, as espresso's expand/irredundant loops churn their sets.
 *   espresso [PASSES [VARIABLES]]
 */
#include "wl.h"

static int words; /* 64-bit words per cube */

struct cover {
	uint64_t **cube;
	size_t n, cap;
};

static uint64_t *cube_random(uint64_t *rng)
{
	uint64_t *c = wl_malloc(sizeof(uint64_t) * (size_t)words);

	/* each variable 11 (don't care) 7 times in 8, else 01 or 10 */
	for (int w = 0; w < words; w++) {
		uint64_t r = wl_rand(rng), s = wl_rand(rng), v = 0;

		for (int b = 0; b < 32; b++) {
			unsigned int pick = (unsigned int)(r >> (2 * b)) & 7;

			v |= (uint64_t)(pick ? 3 : 1 + ((s >> b) & 1)) << (2 * b);
		}
		c[w] = v;
	}
	return c;
}

/* a & b, or NULL when some variable gets 00 (the empty cube). */
static uint64_t *cube_and(const uint64_t *a, const uint64_t *b)
{
	uint64_t *c = wl_malloc(sizeof(uint64_t) * (size_t)words);

	for (int w = 0; w < words; w++) {
		uint64_t v = a[w] & b[w];

		if (((v | v >> 1) & 0x5555555555555555ULL) != 0x5555555555555555ULL) {
			free(c);
			return NULL;
		}
		c[w] = v;
	}
	return c;
}

static int cube_contains(const uint64_t *big, const uint64_t *small)
{
	for (int w = 0; w < words; w++)
		if ((big[w] & small[w]) != small[w])
			return 0;
	return 1;
}

static void cover_add(struct cover *f, uint64_t *c)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 16;
		f->cube = realloc(f->cube, sizeof(*f->cube) * f->cap);
		if (!f->cube)
			exit(3);
	}
	f->cube[f->n++] = c;
}

/* Keep @c unless a cube of @f contains it; drop the cubes it contains. */
static void cover_merge(struct cover *f, uint64_t *c)
{
	size_t j = 0;

	for (size_t i = 0; i < f->n; i++)
		if (cube_contains(f->cube[i], c)) {
			free(c);
			return;
		}
	for (size_t i = 0; i < f->n; i++) {
		if (cube_contains(c, f->cube[i]))
			free(f->cube[i]);
		else
			f->cube[j++] = f->cube[i];
	}
	f->n = j;
	cover_add(f, c);
}

int main(int argc, char **argv)
{
	long passes = wl_arg(argc, argv, 1, 60);
	int vars = (int)wl_arg(argc, argv, 2, 96);
	uint64_t rng = 42;
	struct cover f = { 0 };
	unsigned long kept = 0;

	words = (vars + 31) / 32;
	for (long p = 0; p < passes; p++) {
		struct cover next = { 0 };

		while (f.n < 300)
			cover_add(&f, cube_random(&rng));
		for (size_t i = 0; i < f.n; i++)
			for (size_t j = i + 1; j < f.n && j < i + 40; j++) {
				uint64_t *c = cube_and(f.cube[i], f.cube[j]);

				if (c)
					cover_merge(&next, c);
			}
		for (size_t i = 0; i < f.n; i++)
			free(f.cube[i]);
		free(f.cube);
		kept += next.n;
		/* the next pass works on a random part of the result, as after a reduce */
		f = (struct cover){ 0 };
		for (size_t i = 0; i < next.n; i++) {
			if (f.n < 150 && (wl_rand(&rng) & 3) == 0)
				cover_add(&f, next.cube[i]);
			else
				free(next.cube[i]);
		}
		free(next.cube);
	}
	for (size_t i = 0; i < f.n; i++)
		free(f.cube[i]);
	free(f.cube);
	printf("espresso: %ld passes, %lu cubes kept\n", passes, kept);
	return 0;
}
