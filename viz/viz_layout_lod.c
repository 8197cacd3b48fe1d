/* Level of detail (viz_layout.h): finding a window's spans, and reducing
 * them to one value per pixel column.
 *
 * Both reducers sweep a lane's spans once, in time order, from the first
 * span the window sees (binary search) to the first past its end: the cost
 * is the visible spans plus the columns, never the trace.  A lane's column
 * keeps its dominant state (the window, hovering a span, wants a colour it
 * can name); a band's column mixes every state by its share, through a
 * difference array so that a span across a thousand columns costs as much
 * as one inside a column. */
#include "viz/viz_layout.h"

#include <string.h>

size_t viz_layout_span_from(const struct viz_track *tr, const struct viz_lane *l, int64_t t)
{
	size_t lo = l->first, hi = (size_t)l->first + l->n;

	/* the window starts before the lane (a fitted view): no search, and
	 * no cache misses into the middle of the lane's spans */
	if (lo == hi || tr->spans[lo].t1 > t)
		return lo;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tr->spans[mid].t1 <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

long viz_layout_span_at(const struct viz_track *tr, const struct viz_lane *l, int64_t t)
{
	size_t i = viz_layout_span_from(tr, l, t);

	if (i < (size_t)l->first + l->n && tr->spans[i].t0 <= t)
		return (long)i;
	return -1;
}

int64_t viz_layout_counter_at(const struct viz_series *c, int64_t t)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {                    /* the first sample after t */
		size_t mid = lo + (hi - lo) / 2;

		if (c->t[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? c->v[lo - 1] : 0;
}

/* Column `c` is complete: it shows its dominant state, unless the empty
 * part of it (1 - everything covered) is larger. */
static void flush_column(uint8_t *out, int ncols, int c, float *cov, unsigned *mask)
{
	float best = 0, total = 0;
	int bs = VIZ_NONE;

	if (c < 0 || c >= ncols || !*mask)
		return;
	for (int s = 0; s < AL_ST_COUNT; s++)
		if (*mask & 1u << s) {
			total += cov[s];
			if (cov[s] > best) {
				best = cov[s];
				bs = s;
			}
			cov[s] = 0;
		}
	*mask = 0;
	out[c] = best >= 1 - total ? (uint8_t)bs : VIZ_NONE;
}

void viz_layout_lane_columns(const struct viz_track *tr, const struct viz_lane *l,
			     int64_t t0, double ns_per_col, int ncols, int64_t until,
			     uint8_t *out)
{
	float cov[AL_ST_COUNT] = {0};
	unsigned mask = 0;
	int cur = -1;

	if (ncols <= 0)
		return;
	memset(out, VIZ_NONE, (size_t)ncols);
	/* a playback cursor left of the window: nothing has happened in it */
	if (!(ns_per_col > 0) || until <= t0)
		return;
	for (size_t i = viz_layout_span_from(tr, l, t0); i < (size_t)l->first + l->n; i++) {
		const struct viz_span *sp = &tr->spans[i];
		int64_t b = sp->t1 < until ? sp->t1 : until;
		double x0, x1;
		int c0, c1, s = sp->state;

		if (sp->t0 >= b)
			break;
		x0 = (double)(sp->t0 - t0) / ns_per_col;
		x1 = (double)(b - t0) / ns_per_col;
		if (x0 >= ncols)
			break;
		x0 = x0 < 0 ? 0 : x0;
		x1 = x1 > ncols ? ncols : x1;
		c0 = (int)x0;
		c1 = (int)x1;
		if (c0 != cur) {
			flush_column(out, ncols, cur, cov, &mask);
			cur = c0;
		}
		cov[s] += (float)((c0 == c1 ? x1 : c0 + 1) - x0);
		mask |= 1u << s;
		if (c0 == c1)
			continue;
		flush_column(out, ncols, cur, cov, &mask);
		for (int c = c0 + 1; c < c1; c++)
			out[c] = (uint8_t)s;
		cur = c1;
		if (c1 < ncols && x1 > c1) {
			cov[s] = (float)(x1 - c1);
			mask = 1u << s;
		}
	}
	flush_column(out, ncols, cur, cov, &mask);
}

void viz_layout_band_mix(const struct viz_track *tr, uint32_t a, uint32_t b,
			 int64_t t0, double ns_per_col, int ncols, int64_t until,
			 const float weight[AL_ST_COUNT][3], float *out, float *work)
{
	float *part = work, *full = work + 3 * (size_t)(ncols + 1), r0 = 0, r1 = 0, r2 = 0, k;
	float finv = (float)(1 / ns_per_col), fcols = (float)ncols;
	int lo = ncols, hi = 0, top;

	if (ncols <= 0)
		return;
	memset(out, 0, 3 * (size_t)ncols * sizeof *out);
	/* until <= t0 (a cursor left of the window) would put spans' ends at
	 * negative columns, outside part and full */
	if (b <= a || !(ns_per_col > 0) || until <= t0)
		return;
	for (uint32_t i = a; i < b; i++) {
		const struct viz_lane *l = &tr->lanes[i];
		const struct viz_span *sp, *end = tr->spans + l->first + l->n;
		/* The column the lane is in, accumulated in registers: a lane's
		 * spans follow one another, so most of them end in the column
		 * the next begins in, and memory is touched only when the sweep
		 * leaves a column. */
		float a0 = 0, a1 = 0, a2 = 0;
		int cur = -1;

		/* the next lane's binary search starts in its middle: ask for
		 * that cache line now, while this lane is swept */
		if (i + 1 < b && l[1].n)
			__builtin_prefetch(&tr->spans[l[1].first + l[1].n / 2]);
		sp = tr->spans + viz_layout_span_from(tr, l, t0);

		for (; sp < end; sp++) {
			int64_t e = sp->t1 < until ? sp->t1 : until;
			const float *w = weight[sp->state];
			float x0, x1, f;
			int c0, c1;

			if (sp->t0 >= e)
				break;
			/* single precision is enough for a column position (a
			 * few thousand, to 1/1000 of a column) and converts faster */
			x0 = (float)(sp->t0 - t0) * finv;
			if (x0 >= fcols)
				break;
			x1 = (float)(e - t0) * finv;
			x0 = x0 < 0 ? 0 : x0;
			x1 = x1 > fcols ? fcols : x1;
			c0 = (int)x0;
			c1 = (int)x1;
			if (c0 != cur) {
				if (cur >= 0) {
					part[3 * cur] += a0;
					part[3 * cur + 1] += a1;
					part[3 * cur + 2] += a2;
				}
				a0 = a1 = a2 = 0;
				cur = c0;
				lo = c0 < lo ? c0 : lo;
			}
			if (c0 == c1) {
				f = (float)(x1 - x0);
				a0 += f * w[0];
				a1 += f * w[1];
				a2 += f * w[2];
				continue;
			}
			/* the partial ends in part, the full columns between
			 * through a difference array: O(1) however long the span */
			f = (float)(c0 + 1 - x0);
			part[3 * c0] += a0 + f * w[0];
			part[3 * c0 + 1] += a1 + f * w[1];
			part[3 * c0 + 2] += a2 + f * w[2];
			full[3 * (c0 + 1)] += w[0];
			full[3 * (c0 + 1) + 1] += w[1];
			full[3 * (c0 + 1) + 2] += w[2];
			full[3 * c1] -= w[0];
			full[3 * c1 + 1] -= w[1];
			full[3 * c1 + 2] -= w[2];
			f = (float)(x1 - c1);
			a0 = f * w[0];
			a1 = f * w[1];
			a2 = f * w[2];
			cur = c1;                    /* <= ncols: work has room */
			hi = c1 + 1 > hi ? c1 + 1 : hi;
		}
		if (cur >= 0) {
			part[3 * cur] += a0;
			part[3 * cur + 1] += a1;
			part[3 * cur + 2] += a2;
			hi = cur + 1 > hi ? cur + 1 : hi;
		}
	}
	/* resolve: running sums of the full columns, in registers; then the
	 * work arrays go back to zero over the range touched */
	k = 1.0f / (float)(b - a);
	top = hi < ncols ? hi : ncols;
	for (int c = lo; c < top; c++) {
		float *pp = part + 3 * c, *ff = full + 3 * c;

		r0 += ff[0];
		r1 += ff[1];
		r2 += ff[2];
		out[c] = (pp[0] + r0) * k;
		out[ncols + c] = (pp[1] + r1) * k;
		out[2 * ncols + c] = (pp[2] + r2) * k;
		pp[0] = pp[1] = pp[2] = ff[0] = ff[1] = ff[2] = 0;
	}
	for (int c = top; c < hi; c++)           /* column ncols: scratch only */
		part[3 * c] = part[3 * c + 1] = part[3 * c + 2] =
			full[3 * c] = full[3 * c + 1] = full[3 * c + 2] = 0;
}
