/* xoshiro256** (Blackman & Vigna, public domain algorithm) seeded with
 * splitmix64, and the scenario distributions on top of it. */
#include <math.h>

#include "core/al_dist.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void al_rng_seed(struct al_rng *rng, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&seed);
}

void al_rng_fork(struct al_rng *child, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ull);

	al_rng_seed(child, splitmix64(&x) ^ stream);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t al_rng_next(struct al_rng *rng)
{
	uint64_t *s = rng->s;
	uint64_t r = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

double al_rng_unit(struct al_rng *rng)
{
	return (double)(al_rng_next(rng) >> 11) * 0x1.0p-53;
}

uint64_t al_rng_below(struct al_rng *rng, uint64_t n)
{
	/* Rejection keeps every value equally likely. */
	uint64_t limit = -n % n;
	uint64_t x;

	do
		x = al_rng_next(rng);
	while (x < limit);
	return x % n;
}

/* Standard normal by Box-Muller; one of the pair is dropped so that every
 * draw consumes exactly two numbers, whatever came before. */
static double std_normal(struct al_rng *rng)
{
	double u = 1.0 - al_rng_unit(rng); /* (0, 1] */
	double v = al_rng_unit(rng);

	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

double al_dist_draw(const struct al_dist *d, struct al_rng *rng)
{
	double x;

	switch (d->kind) {
	case AL_DIST_FIXED:
		x = d->a;
		break;
	case AL_DIST_UNIFORM:
		x = d->a + (d->b - d->a) * al_rng_unit(rng);
		break;
	case AL_DIST_NORMAL:
		x = d->a + d->b * std_normal(rng);
		break;
	case AL_DIST_LOGNORMAL:
		x = d->a * exp(d->b * std_normal(rng));
		break;
	case AL_DIST_EXPONENTIAL:
		x = -d->a * log(1.0 - al_rng_unit(rng));
		break;
	case AL_DIST_PARETO:
		x = d->a / pow(1.0 - al_rng_unit(rng), 1.0 / d->b);
		break;
	default:
		x = 0;
	}
	return x < 0 ? 0 : x;
}

int64_t al_dist_draw_i64(const struct al_dist *d, struct al_rng *rng)
{
	double x = al_dist_draw(d, rng);

	if (x >= 9.2e18)
		return INT64_MAX;
	return (int64_t)llround(x);
}

/* The kinds whose parameters allow a draw below 0 (uniform, normal) take
 * the mean of the clipped draw; the others are read as al_dist_draw reads
 * them, a negative result (a negative scale) clipped as its draws are. */
static double typical(const struct al_dist *d)
{
	double a = d->a, b = d->b;

	switch (d->kind) {
	case AL_DIST_FIXED:
		return a;
	case AL_DIST_UNIFORM:          /* [a, b], its part below 0 at 0 */
		return b <= 0 ? 0 : a >= 0 ? (a + b) / 2 : b * b / (2 * (b - a));
	case AL_DIST_NORMAL: {         /* E[max(X, 0)], X ~ N(a, b²) */
		if (b <= 0)
			return a;
		double z = a / b;
		return a * 0.5 * erfc(-z / sqrt(2.0)) + b * exp(-z * z / 2) / sqrt(2 * M_PI);
	}
	case AL_DIST_LOGNORMAL:
		return a * exp(b * b / 2);
	case AL_DIST_EXPONENTIAL:
		return a;
	case AL_DIST_PARETO:           /* its median */
		return b > 0 ? a * pow(2.0, 1 / b) : a;
	}
	return 0;
}

double al_dist_typical(const struct al_dist *d)
{
	double x = typical(d);

	return x > 0 ? x : 0;
}

const char *al_dist_name(enum al_dist_kind kind)
{
	static const char *const names[] = {
		"fixed", "uniform", "normal", "lognormal", "exponential", "pareto",
	};
	return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}
