/* Deterministic random numbers and the distributions scenarios name.
 *
 * The generator is xoshiro256** seeded through splitmix64: integer-only, so a
 * seed gives the same stream on every build and machine.  Distributions are
 * computed with libm's log/exp/sqrt/pow only, which are correctly rounded
 * enough on glibc that the same build gives the same draws; the sim rounds
 * every draw to whole nanoseconds or bytes before using it. */
#ifndef AL_DIST_H
#define AL_DIST_H

#include <stdint.h>

struct al_rng {
	uint64_t s[4];
};

/* Seeds rng from one 64-bit value; every seed (0 included) is valid. */
void al_rng_seed(struct al_rng *rng, uint64_t seed);
/* A derived, independent stream: the same (parent seed, stream) pair always
 * gives the same generator, whatever was drawn from the parent before. */
void al_rng_fork(struct al_rng *child, uint64_t seed, uint64_t stream);
uint64_t al_rng_next(struct al_rng *rng);
/* Uniform in [0, 1) with 53 random bits. */
double al_rng_unit(struct al_rng *rng);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t al_rng_below(struct al_rng *rng, uint64_t n);

enum al_dist_kind {
	AL_DIST_FIXED,       /* a                                   */
	AL_DIST_UNIFORM,     /* a = min, b = max                    */
	AL_DIST_NORMAL,      /* a = mean, b = standard deviation    */
	AL_DIST_LOGNORMAL,   /* a = median, b = sigma (of the log)  */
	AL_DIST_EXPONENTIAL, /* a = mean                            */
	AL_DIST_PARETO,      /* a = scale (minimum), b = shape alpha */
};

/* A distribution of a quantity (nanoseconds, bytes: the unit is the
 * caller's).  Draws never go below zero. */
struct al_dist {
	enum al_dist_kind kind;
	double a, b;
};

#define AL_DIST_FIXED_AT(v) ((struct al_dist){AL_DIST_FIXED, (double)(v), 0})

/* Whether d is the constant 0 (no jitter, no think): callers skip the
 * draw, and the random stream it would have taken. */
static inline int al_dist_is_zero(const struct al_dist *d)
{
	return d->kind == AL_DIST_FIXED && d->a == 0;
}

double al_dist_draw(const struct al_dist *d, struct al_rng *rng);
/* A draw rounded to the nearest integer, clamped at 0. */
int64_t al_dist_draw_i64(const struct al_dist *d, struct al_rng *rng);
/* A typical draw: the mean of the draws as al_dist_draw makes them,
 * clipped at 0 (a normal(0, 5)'s is 1.99, not the 0 of the unclipped
 * mean), but a Pareto's median: with a shape of 1 or less its mean is
 * infinite, and near 1 set by rare draws far above the typical one. */
double al_dist_typical(const struct al_dist *d);
const char *al_dist_name(enum al_dist_kind kind);

#endif
