/* Per-page latencies: exact samples for small runs, log-linear histograms
 * for large ones (al_latency.h says why and how precise). */
#include "core/al_latency.h"
#include "core/al_mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SUB ((int64_t)1 << AL_LAT_SUB_BITS)
/* values below 2 * SUB are their own buckets; above, 64 - SUB_BITS - 1
 * powers of two of SUB buckets each */
#define NBUCKETS ((int64_t)(64 - AL_LAT_SUB_BITS + 1) * SUB)

int64_t al_lat_bucket(int64_t v)
{
	if (v < 0)
		v = 0;
	if (v < 2 * SUB)
		return v;
	int shift = 63 - __builtin_clzll((unsigned long long)v) - AL_LAT_SUB_BITS;
	return (int64_t)shift * SUB + (v >> shift);
}

int64_t al_lat_bucket_top(int64_t b)
{
	if (b < 2 * SUB)
		return b;
	int shift = (int)(b / SUB) - 1;
	int64_t lo = (b - (int64_t)shift * SUB) << shift;
	return lo + (((int64_t)1 << shift) - 1);   /* the top bucket ends at INT64_MAX */
}

int al_lat_hist_bucket(int64_t v)
{
	if (v < ((int64_t)1 << AL_LAT_HIST_LO))
		return 0;
	int b = 63 - __builtin_clzll((unsigned long long)v) - AL_LAT_HIST_LO + 1;
	return b < AL_LAT_HIST ? b : AL_LAT_HIST - 1;
}

int al_lat_init(struct al_lat_rec *r, int64_t pages)
{
	memset(r, 0, sizeof *r);
	if (pages <= AL_LAT_EXACT_MAX) {
		/* the kinds' arrays in one block, on huge pages: filled below,
		 * a 4 KiB fault at a time they were half of a 100k-page
		 * crawl's faults (each array under al_calloc_huge's size) */
		size_t n = (size_t)(pages > 0 ? pages : 1);
		int64_t *all = al_calloc_huge(n * AL_LAT_KINDS, sizeof *all);
		if (!all) {
			errno = ENOMEM;
			return -1;
		}
		memset(all, 0xff, n * AL_LAT_KINDS * sizeof *all);   /* -1: no sample */
		for (int k = 0; k < AL_LAT_KINDS; k++)
			r->exact[k] = all + (size_t)k * n;
		r->slots = pages;
		return 0;
	}
	for (int k = 0; k < AL_LAT_KINDS; k++) {
		r->hist[k] = calloc((size_t)NBUCKETS, sizeof(uint64_t));
		if (!r->hist[k]) {
			al_lat_free(r);
			errno = ENOMEM;
			return -1;
		}
	}
	return 0;
}

void al_lat_free(struct al_lat_rec *r)
{
	al_free_huge(r->exact[0]);       /* the block of every kind's array */
	for (int k = 0; k < AL_LAT_KINDS; k++)
		free(r->hist[k]);
	memset(r, 0, sizeof *r);
}

static void raise_max(int64_t *at, int64_t v)
{
	int64_t cur = __atomic_load_n(at, __ATOMIC_RELAXED);

	while (v > cur && !__atomic_compare_exchange_n(at, &cur, v, 1, __ATOMIC_RELAXED,
						       __ATOMIC_RELAXED))
		;
}

void al_lat_add(struct al_lat_rec *r, int64_t page, int64_t connect, int64_t ttfb,
		int64_t total)
{
	int64_t v[AL_LAT_KINDS] = {connect, ttfb, total};

	if (r == NULL || page < 0)
		return;
	if (r->slots > 0 && page >= r->slots)
		return;
	for (int k = 0; k < AL_LAT_KINDS; k++) {
		if (v[k] < 0)
			v[k] = 0;
		raise_max(&r->max[k], v[k]);
		if (r->hist[k])
			__atomic_add_fetch(&r->hist[k][al_lat_bucket(v[k])], 1, __ATOMIC_RELAXED);
		else
			r->exact[k][page] = v[k];      /* each page ends once */
	}
	if (r->hist[0])
		__atomic_add_fetch(&r->n, 1, __ATOMIC_RELAXED);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Sorts n non-negative values: a radix sort, a byte a pass, skipping the
 * bytes every value shares (a latency's top three).  qsort's compare
 * calls were 4 % of a 100k-page crawl's CPU.  The same sorted array;
 * qsort if the buffer cannot be had. */
static void sort_i64(int64_t *v, size_t n)
{
	int64_t *tmp = n > 64 ? malloc(n * sizeof *tmp) : NULL;

	if (!tmp) {
		qsort(v, n, sizeof *v, cmp_i64);
		return;
	}
	int64_t *src = v, *dst = tmp;
	for (unsigned sh = 0; sh < 64; sh += 8) {
		size_t count[256] = {0};

		for (size_t i = 0; i < n; i++)
			count[(uint64_t)src[i] >> sh & 255]++;
		if (count[(uint64_t)src[0] >> sh & 255] == n)
			continue;            /* one byte for all: the order stands */
		size_t at = 0;
		for (int b = 0; b < 256; b++) {
			size_t c = count[b];
			count[b] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[(uint64_t)src[i] >> sh & 255]++] = src[i];
		int64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof *v);
	free(tmp);
}

/* Puts v's k-th smallest (0-based) at v[k], the smaller ones before it,
 * the larger after, as a sort would leave v[k]: quickselect, its pivot
 * the median of three; past a depth that only a hostile order reaches,
 * the rest is sorted.  Three ranks and the max cost O(n), where the sort
 * for them was 1.7 % of a 10k-page crawl's instructions. */
static void select_i64(int64_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n;           /* v[k] is in [lo, hi) */
	uint64_t x = 0x9e3779b97f4a7c15ull ^ n;
	int depth = 0;

	while (hi - lo > 16) {
		if (++depth > 64) {
			sort_i64(v + lo, hi - lo);
			return;
		}
		/* the median of three places drawn from a fixed sequence: no
		 * order of latencies is worse than any other for it (the
		 * first, middle and last degraded on a crawl's) */
		size_t m = hi - lo, at[3];
		for (int j = 0; j < 3; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			at[j] = lo + (size_t)(x % m);
		}
		int64_t a = v[at[0]], b = v[at[1]], c = v[at[2]];
		int64_t p = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
		/* three ways: < p, == p, > p */
		size_t lt = lo, i = lo, gt = hi;
		while (i < gt) {
			int64_t y = v[i];
			if (y < p) {
				v[i++] = v[lt];
				v[lt++] = y;
			} else if (y > p) {
				v[i] = v[--gt];
				v[gt] = y;
			} else {
				i++;
			}
		}
		if (k < lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return;              /* v[k] == p, in place */
	}
	/* a few left: insertion sort */
	for (size_t i = lo + 1; i < hi; i++) {
		int64_t y = v[i];
		size_t j = i;
		for (; j > lo && v[j - 1] > y; j--)
			v[j] = v[j - 1];
		v[j] = y;
	}
}

/* The nearest rank of p percent of n: 1 .. n. */
static int64_t rank(int p, int64_t n)
{
	int64_t k = (p * n + 99) / 100;

	return k < 1 ? 1 : k;
}

void al_lat_summary(struct al_lat_rec *r, struct al_latency *out)
{
	static const int ps[3] = {50, 90, 99};

	memset(out, 0, sizeof *out);
	if (r->slots > 0) {
		int64_t n = 0;
		/* the samples to the front; each rank selected in what lies
		 * above the one before (the array is left partitioned at the
		 * ranks, not sorted) */
		for (int k = 0; k < AL_LAT_KINDS; k++) {
			n = 0;
			for (int64_t i = 0; i < r->slots; i++)
				if (r->exact[k][i] >= 0)
					r->exact[k][n++] = r->exact[k][i];
			for (int64_t i = n; i < r->slots; i++)
				r->exact[k][i] = -1;
		}
		out->pages = n;
		for (int64_t i = 0; i < n; i++)
			out->hist[al_lat_hist_bucket(r->exact[AL_LAT_TOTAL][i])]++;
		for (int k = 0; k < AL_LAT_KINDS && n > 0; k++) {
			int64_t *q[3] = {&out->of[k].p50_ns, &out->of[k].p90_ns, &out->of[k].p99_ns};
			int64_t *v = r->exact[k], from = 0, max = 0;
			for (int j = 0; j < 3; j++) {
				int64_t at = rank(ps[j], n) - 1;    /* >= from: ranks grow */
				select_i64(v + from, (size_t)(n - from), (size_t)(at - from));
				*q[j] = v[at];
				from = at;
			}
			for (int64_t i = from; i < n; i++)
				max = v[i] > max ? v[i] : max;
			out->of[k].max_ns = max;
		}
		return;
	}
	out->pages = r->n;
	/* a fine bucket lies within one power of two: its top tells which */
	for (int64_t b = 0; r->n > 0 && r->hist[AL_LAT_TOTAL] && b < NBUCKETS; b++)
		if (r->hist[AL_LAT_TOTAL][b])   /* held a value: its top fits */
			out->hist[al_lat_hist_bucket(al_lat_bucket_top(b))] +=
				(int64_t)r->hist[AL_LAT_TOTAL][b];
	for (int k = 0; k < AL_LAT_KINDS && r->n > 0 && r->hist[k]; k++) {
		int64_t *q[3] = {&out->of[k].p50_ns, &out->of[k].p90_ns, &out->of[k].p99_ns};
		int64_t seen = 0, b = 0;

		for (int j = 0; j < 3; j++) {
			int64_t want = rank(ps[j], r->n);
			while (seen + (int64_t)r->hist[k][b] < want)
				seen += (int64_t)r->hist[k][b++];
			int64_t top = al_lat_bucket_top(b);
			*q[j] = top < r->max[k] ? top : r->max[k];
		}
		out->of[k].max_ns = r->max[k];
	}
}
