/* SPDX-License-Identifier: MIT */
/*
 * cfrac.c - the allocation pattern of cfrac (mimalloc-bench's factoring benchmark),
 * written anew: continued-fraction factoring walks the expansion of sqrt(N) and, at
 * each step, forms the convergent p/q and the residue p^2 - N q^2 in arbitrary
 * precision, each result a fresh small heap block and each operand freed once used.
 * Here the expansion of sqrt(N) runs in 64-bit arithmetic and the convergents in
 * bignums of 32-bit limbs; when they pass MAX_LIMBS the walk restarts with the next
 * multiplier k (cfrac tries kN too), so the blocks stay small (8 to 150 bytes), short
 * lived and mostly LIFO, as cfrac's are.
 *   cfrac [STEPS]
 */
#include "wl.h"

#define MAX_LIMBS 24

struct big {
	unsigned int n; /* limbs in use; 0 is the number 0 */
	uint32_t d[];	/* least significant first */
};

static struct big *big_new(unsigned int limbs)
{
	struct big *b = wl_malloc(sizeof(*b) + sizeof(uint32_t) * (limbs ? limbs : 1));

	b->n = limbs;
	memset(b->d, 0, sizeof(uint32_t) * limbs);
	return b;
}

static struct big *big_trim(struct big *b)
{
	while (b->n && !b->d[b->n - 1])
		b->n--;
	return b;
}

static struct big *big_from(uint64_t v)
{
	struct big *b = big_new(2);

	b->d[0] = (uint32_t)v;
	b->d[1] = (uint32_t)(v >> 32);
	return big_trim(b);
}

/* a * m + c, for a 64-bit m. */
static struct big *big_muladd(const struct big *a, uint64_t m, const struct big *c)
{
	unsigned int n = (a->n > c->n ? a->n : c->n) + 3;
	struct big *r = big_new(n);
	unsigned __int128 carry = 0;

	for (unsigned int i = 0; i < n; i++) {
		unsigned __int128 t = carry;

		if (i < a->n)
			t += (unsigned __int128)a->d[i] * m;
		if (i < c->n)
			t += c->d[i];
		r->d[i] = (uint32_t)t;
		carry = t >> 32;
	}
	return big_trim(r);
}

static struct big *big_mul(const struct big *a, const struct big *b)
{
	struct big *r = big_new(a->n + b->n);

	for (unsigned int i = 0; i < a->n; i++) {
		uint64_t carry = 0;

		for (unsigned int j = 0; j < b->n; j++) {
			uint64_t t = (uint64_t)a->d[i] * b->d[j] + r->d[i + j] + carry;

			r->d[i + j] = (uint32_t)t;
			carry = t >> 32;
		}
		r->d[i + b->n] = (uint32_t)carry;
	}
	return big_trim(r);
}

/* |a - b| and its low limb, as cfrac's smoothness test would start from. */
static uint32_t big_absdiff_low(const struct big *a, const struct big *b)
{
	const struct big *x = a, *y = b;
	struct big *r;
	uint32_t low;
	int64_t borrow = 0;

	if (a->n < b->n || (a->n == b->n && a->n && a->d[a->n - 1] < b->d[b->n - 1]))
		x = b, y = a;
	r = big_new(x->n);
	for (unsigned int i = 0; i < x->n; i++) {
		int64_t t = (int64_t)x->d[i] - (i < y->n ? y->d[i] : 0) - borrow;

		borrow = t < 0;
		r->d[i] = (uint32_t)(t + (borrow << 32));
	}
	low = big_trim(r)->n ? r->d[0] : 0;
	free(r);
	return low;
}

static uint64_t isqrt(uint64_t n)
{
	uint64_t r = 0;

	for (uint64_t bit = 1ULL << 62; bit; bit >>= 2) {
		if (n >= r + bit) {
			n -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
	}
	return r;
}

int main(int argc, char **argv)
{
	long steps = wl_arg(argc, argv, 1, 600000);
	const uint64_t base = 1000000007ULL * 998244353ULL; /* a 60-bit semiprime */
	uint64_t k = 1, n = base, a0 = isqrt(n), m = 0, d = 1, a = a0;
	struct big *p0 = big_from(1), *p1 = big_from(a0), *q0 = big_from(0), *q1 = big_from(1);
	struct big *bn = big_from(n);
	unsigned long check = 0;

	for (long i = 0; i < steps; i++) {
		struct big *p, *q, *pp, *qq, *nqq;

		/* the next partial quotient of sqrt(kN) */
		m = d * a - m;
		d = (n - m * m) / d;
		a = (a0 + m) / d;
		p = big_muladd(p1, a, p0);
		q = big_muladd(q1, a, q0);
		pp = big_mul(p, p);
		qq = big_mul(q, q);
		nqq = big_mul(qq, bn);
		check += big_absdiff_low(pp, nqq);
		free(pp);
		free(qq);
		free(nqq);
		free(p0);
		free(q0);
		p0 = p1, p1 = p;
		q0 = q1, q1 = q;
		if (p1->n > MAX_LIMBS || d == 0) { /* next multiplier, as cfrac tries kN */
			k += 2;
			n = base * k / k == base ? base * k : base;
			a0 = isqrt(n), m = 0, d = 1, a = a0;
			free(p0), free(p1), free(q0), free(q1), free(bn);
			p0 = big_from(1), p1 = big_from(a0), q0 = big_from(0), q1 = big_from(1);
			bn = big_from(n);
		}
	}
	free(p0), free(p1), free(q0), free(q1), free(bn);
	printf("cfrac: %ld steps, %lu multipliers, check %lu\n", steps, (unsigned long)(k + 1) / 2,
	       check);
	return 0;
}
