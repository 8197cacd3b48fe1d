/* Per-page latencies of one model's run, and their percentiles.
 *
 * Three figures a page, each measured from the moment the model starts
 * the page (before its socket): connect (the model sees the connection
 * up), ttfb (it reads the response's first byte; connect included, as
 * wrk counts it) and total (the page has ended, before it is parsed).
 * Only pages that end ok are counted.
 *
 * Percentiles are nearest-rank: p of n samples is the ceil(p * n / 100)-th
 * smallest (p50 of 10 pages is the 5th).  A run of at most
 * AL_LAT_EXACT_MAX pages keeps every sample (24 bytes a page) and its
 * percentiles are exact to the nanosecond; a larger run keeps none: each
 * figure goes into a log-linear histogram (1024 buckets per power of two,
 * values below 2048 ns exact), and a percentile is the top of its bucket,
 * at most 1/1024 (0.1 %) above the true value, never below it.  max is
 * exact in both.  Adding is safe from several threads at once (a real
 * run's thread pool). */
#ifndef AL_LATENCY_H
#define AL_LATENCY_H

#include <stdint.h>

#define AL_LAT_EXACT_MAX 131072
#define AL_LAT_SUB_BITS 10

enum { AL_LAT_CONNECT, AL_LAT_TTFB, AL_LAT_TOTAL, AL_LAT_KINDS };

/* One figure's summary, ns; all 0 when no page ended ok. */
struct al_pct {
	int64_t p50_ns, p90_ns, p99_ns, max_ns;
};

/* The ok pages by total time, a bucket per power of two: bucket 0 holds
 * those under 2^AL_LAT_HIST_LO ns (1.05 ms), bucket k > 0 those in
 * [2^(AL_LAT_HIST_LO + k - 1), 2^(AL_LAT_HIST_LO + k)) ns, the last one
 * everything above too (the viewer's report draws it). */
#define AL_LAT_HIST 24
#define AL_LAT_HIST_LO 20

struct al_latency {
	int64_t pages;               /* the ok pages the percentiles are of */
	struct al_pct of[AL_LAT_KINDS];
	int64_t hist[AL_LAT_HIST];   /* total, as above; exact in both modes */
};

struct al_lat_rec {
	int64_t slots;               /* pages the exact arrays hold; 0: histogram */
	int64_t *exact[AL_LAT_KINDS];    /* by page; -1: no sample */
	uint64_t *hist[AL_LAT_KINDS];
	int64_t max[AL_LAT_KINDS];
	int64_t n;
};

/* Sets r up for a run of `pages` pages: exact below the limit, else the
 * histograms.  0, or -1 with errno ENOMEM (r is then empty and freeable). */
int al_lat_init(struct al_lat_rec *r, int64_t pages);
void al_lat_free(struct al_lat_rec *r);
/* Page `page` ended ok with these figures (ns from its start).  Thread-
 * safe; a page added twice counts once in exact mode (its last figures). */
void al_lat_add(struct al_lat_rec *r, int64_t page, int64_t connect, int64_t ttfb,
		int64_t total);
/* The percentiles; r's exact arrays are left partitioned at the ranks,
 * not sorted (add no more). */
void al_lat_summary(struct al_lat_rec *r, struct al_latency *out);
/* Which of al_latency's hist buckets a total of v ns falls in. */
int al_lat_hist_bucket(int64_t v);
/* The bucket of v and the largest value in it (exposed for the tests). */
int64_t al_lat_bucket(int64_t v);
int64_t al_lat_bucket_top(int64_t b);

#endif
