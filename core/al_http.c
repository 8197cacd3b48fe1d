/* HTTP/1.0 for the crawler.  Page bodies are generated 8 bytes at a time:
 * word i of a page is a hash of (seed, page, i) squeezed into printable
 * ASCII ('0' to 'o') with one mask and one add, so any range costs O(length)
 * and the page's checksum can be computed without producing its bytes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/al_http.h"


/* n bytes written so far (or that would have been): appends s[0..len),
 * as much of it as fits in cap. */
static size_t req_put(char *buf, size_t cap, size_t n, const char *s, size_t len)
{
	if (n < cap)
		memcpy(buf + n, s, len < cap - n ? len : cap - n);
	return n + len;
}

/* Written by hand, not by snprintf, for al_http_header's reason: every
 * page makes one, and snprintf's format walk was 2 % of the instructions
 * of a 10k-page crawl (callgrind).  The same bytes, and as snprintf the
 * output cut to cap (NUL-terminated) when it does not fit. */
int al_http_request(char *buf, size_t cap, const char *host, int64_t page)
{
	char num[24];
	size_t k = sizeof num, n;
	uint64_t v = page < 0 ? 0 - (uint64_t)page : (uint64_t)page;

	if (page != 0) {
		do {
			num[--k] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		if (page < 0)
			num[--k] = '-';
	}
	size_t hl = strlen(host), dl = sizeof num - k;

	if (5 + dl + 17 + hl + 4 < cap) {
		/* it fits, as a crawl's request a page does: the pieces
		 * copied without req_put's checks, the fixed ones by
		 * fixed-size copies */
		char *p = buf;
		memcpy(p, "GET /", 5);
		memcpy(p += 5, num + k, dl);
		memcpy(p += dl, " HTTP/1.0\r\nHost: ", 17);
		memcpy(p += 17, host, hl);
		memcpy(p += hl, "\r\n\r\n", 4);
		p[4] = '\0';
		return (int)(5 + dl + 17 + hl + 4);
	}
	n = req_put(buf, cap, 0, "GET /", 5);
	n = req_put(buf, cap, n, num + k, sizeof num - k);
	n = req_put(buf, cap, n, " HTTP/1.0\r\nHost: ", 17);
	n = req_put(buf, cap, n, host, hl);
	n = req_put(buf, cap, n, "\r\n\r\n", 4);
	if (cap > 0)
		buf[n < cap ? n : cap - 1] = '\0';
	return n >= cap ? -1 : (int)n;
}

/* Written by hand, not by snprintf: the simulator makes it twice a page
 * (the server's length, the first recv's bytes), and snprintf's format
 * walk was 3 % of a 100k-page crawl.  The same bytes, and as snprintf the
 * output cut to cap (NUL-terminated) when it does not fit. */
int al_http_header(char *buf, size_t cap, int64_t len)
{
	static const char head[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
				   "Content-Length: ";
	char out[sizeof head + 24], digits[20];
	uint64_t v = len < 0 ? 0 - (uint64_t)len : (uint64_t)len;
	size_t n = sizeof head - 1, k = 0;

	memcpy(out, head, n);
	if (len < 0)
		out[n++] = '-';
	do {
		digits[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k)
		out[n++] = digits[--k];
	memcpy(out + n, "\r\n\r\n", 4);
	n += 4;
	if (cap > 0) {
		size_t c = n < cap ? n : cap - 1;
		memcpy(buf, out, c);
		buf[c] = '\0';
	}
	return n >= cap ? -1 : (int)n;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static inline uint64_t page_base(uint64_t seed, int64_t page)
{
	return mix(seed ^ mix((uint64_t)page + 0x51ed27ull));
}

/* Word i of a page: 8 printable bytes, little-endian. */
static inline uint64_t page_word(uint64_t base, uint64_t i)
{
	return (mix(base ^ i) & 0x3f3f3f3f3f3f3f3full) + 0x3030303030303030ull;
}

void al_page_bytes(uint64_t seed, int64_t page, int64_t off, void *buf, size_t n)
{
	unsigned char *p = buf;
	uint64_t base = page_base(seed, page);

	while (n > 0) {
		uint64_t w = page_word(base, (uint64_t)off / 8);
		size_t skip = (size_t)(off % 8), take = 8 - skip < n ? 8 - skip : n;
		if (take == 8) {
			memcpy(p, &w, 8);
		} else {
			unsigned char b[8];
			memcpy(b, &w, 8);
			memcpy(p, b + skip, take);
		}
		p += take;
		off += (int64_t)take;
		n -= take;
	}
}

static inline uint64_t sum_word(uint64_t w, uint64_t i)
{
	return mix(w ^ (i * 0x9e3779b97f4a7c15ull));
}

void al_sum_init(struct al_sum *s)
{
	s->h = 0;
	s->acc = 0;
	s->n = 0;
}

void al_sum_feed(struct al_sum *s, const void *buf, size_t n)
{
	const unsigned char *p = buf;

	/* finish the word in progress, then whole words, then start the next */
	while (n > 0 && s->n % 8 != 0) {
		s->acc |= (uint64_t)*p++ << (8 * (s->n % 8));
		n--;
		if (++s->n % 8 == 0) {
			s->h += sum_word(s->acc, (uint64_t)s->n / 8 - 1);
			s->acc = 0;
		}
	}
	for (; n >= 8; n -= 8, p += 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		s->h += sum_word(w, (uint64_t)s->n / 8);
		s->n += 8;
	}
	for (; n > 0; n--) {
		s->acc |= (uint64_t)*p++ << (8 * (s->n % 8));
		s->n++;
	}
}

uint64_t al_sum_final(const struct al_sum *s)
{
	uint64_t h = s->h;

	if (s->n % 8)
		h += sum_word(s->acc, (uint64_t)s->n / 8);
	return mix(h ^ (uint64_t)s->n);
}

uint64_t al_page_sum(uint64_t seed, int64_t page, int64_t len)
{
	uint64_t base = page_base(seed, page);
	uint64_t h = 0;
	int64_t words = len / 8;

	for (int64_t i = 0; i < words; i++)
		h += sum_word(page_word(base, (uint64_t)i), (uint64_t)i);
	if (len % 8) {
		/* the partial last word: its bytes, zero-padded */
		uint64_t w = page_word(base, (uint64_t)words);
		w &= ~0ull >> (64 - 8 * (len % 8));
		h += sum_word(w, (uint64_t)words);
	}
	return mix(h ^ (uint64_t)len);
}

uint64_t al_page_digest(uint64_t seed, int64_t page, int64_t len)
{
	return mix(page_base(seed, page) ^ mix((uint64_t)len + 0xd16e57ull));
}

void al_http_resp_init(struct al_http_resp *r)
{
	memset(r, 0, sizeof *r);
	r->content_length = -1;
}

/* The blank line: the header's line gives way to the body's sum. */
static void body_begins(struct al_http_resp *r)
{
	r->in_body = 1;
	r->sum = 0;
	al_sum_init(&r->run);
}

/* One header line ended (without its "\r\n"; only its first bytes kept). */
static int header_line(struct al_http_resp *r)
{
	const char *l = r->line;

	r->line[r->line_len < sizeof r->line ? r->line_len : sizeof r->line - 1] = '\0';
	if (r->lines++ == 0) {
		if (strncmp(l, "HTTP/1.", 7) != 0 || r->line_len < 12)
			return -1;
		int st = atoi(l + 9);
		if (st < 0 || st > 999)
			return -1;
		r->status = (int16_t)st;
	} else if (strncasecmp(l, "Content-Length:", 15) == 0) {
		char *end;
		long long v = strtoll(l + 15, &end, 10);
		if (v < 0 || end == l + 15)
			return -1;
		r->content_length = v;
	}
	return 0;
}

/* k bytes of the current line (no '\r' or '\n' among them): the first
 * sizeof line - 1 are kept, the length saturates at UINT8_MAX. */
static inline void line_add(struct al_http_resp *r, uint8_t *len, const unsigned char *p,
			    size_t k)
{
	if (*len < sizeof r->line - 1) {
		size_t c = sizeof r->line - 1 - *len;
		memcpy(r->line + *len, p, k < c ? k : c);
	}
	*len = (uint8_t)(*len + k < UINT8_MAX ? *len + k : UINT8_MAX);
}

int al_http_resp_feed(struct al_http_resp *r, const void *buf, size_t n)
{
	const unsigned char *p = buf;

	if (!r->in_body) {
		/* The counters in locals, stored back at a line's end: a byte
		 * stored into r->line may alias them, so the compiler loaded
		 * and stored both, and in_body, at every byte (3 % of a crawl).
		 * A line is found with memchr and its bytes copied in runs
		 * between '\r's, not tested one at a time (2 % of a crawl). */
		uint16_t head = r->head_len;
		uint8_t len = r->line_len;
		int bad = 0;

		while (n > 0) {
			/* bytes the header may still take; the next one is bad */
			size_t room = head < AL_HTTP_HEAD_MAX ? (size_t)(AL_HTTP_HEAD_MAX - head) : 0;
			if (room == 0) {
				head = (uint16_t)(head + 1);
				bad = 1;
				break;
			}
			size_t m = n < room ? n : room;
			const unsigned char *nl = memchr(p, '\n', m);
			size_t seg = nl ? (size_t)(nl - p) : m;
			for (size_t i = 0; i < seg;) {
				const unsigned char *cr = memchr(p + i, '\r', seg - i);
				size_t k = cr ? (size_t)(cr - (p + i)) : seg - i;
				line_add(r, &len, p + i, k);
				i += k + (cr != NULL);   /* a '\r' counts in the head only */
			}
			head = (uint16_t)(head + seg);
			p += seg;
			n -= seg;
			if (!nl)
				continue;
			head = (uint16_t)(head + 1);     /* the '\n' */
			p++;
			n--;
			r->head_len = head;
			r->line_len = len;
			if (len == 0) {          /* the blank line: the body begins */
				if (r->lines == 0)
					bad = 1;
				else
					body_begins(r);
				break;
			}
			if (header_line(r) != 0) {
				bad = 1;
				break;
			}
			len = 0;
		}
		r->head_len = head;
		r->line_len = len;
		if (bad)
			goto bad;
	}
	if (n == 0)
		return 0;
	if (r->kind == AL_BODY_SPANS)
		goto bad;                /* a body is bytes or spans, not both */
	r->kind = AL_BODY_BYTES;
	r->body += (int64_t)n;
	al_sum_feed(&r->run, p, n);
	return 0;
bad:
	errno = EBADMSG;
	return -1;
}

/* Whether r is as al_http_resp_init leaves it, every byte. */
static int resp_fresh(const struct al_http_resp *r)
{
	struct al_http_resp f;

	al_http_resp_init(&f);
	return memcmp(r, &f, sizeof f) == 0;
}

int al_http_resp_feed_memo(struct al_http_memo *m, struct al_http_resp *r, const void *buf,
			   size_t n)
{
	if (n == 0 || n > sizeof m->head || !resp_fresh(r))
		return al_http_resp_feed(r, buf, n);
	if (m->len == n && memcmp(m->head, buf, n) == 0) {
		memcpy(r, &m->after, sizeof *r);
		return 0;
	}
	int rc = al_http_resp_feed(r, buf, n);

	if (rc == 0 && r->in_body) {
		memcpy(&m->after, r, sizeof *r);
		memcpy(m->head, buf, n);
		m->len = (uint16_t)n;
	}
	return rc;
}

int al_http_resp_is_page(const struct al_http_resp *r, uint64_t seed, int64_t page)
{
	if (r->kind == AL_BODY_SPANS)
		return r->span.page == page && !r->span.corrupt;
	return r->sum == al_page_sum(seed, page, r->body);
}

int al_http_resp_finish(struct al_http_resp *r)
{
	if (!r->in_body) {               /* cut in the header: the empty body's sum */
		body_begins(r);
		r->in_body = 0;
	}
	if (r->kind != AL_BODY_SPANS)
		r->sum = al_sum_final(&r->run);
	if (r->in_body && r->status != 200) {
		errno = EPROTO;          /* a whole answer, but not the page */
		return -1;
	}
	if (!r->in_body || (r->content_length >= 0 && r->body != r->content_length)) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

void al_page_rng(struct al_rng *r, uint64_t seed, int64_t page, enum al_net_draw what,
		 uint64_t n)
{
	uint64_t key = (uint64_t)page * UINT64_C(0x9e3779b97f4a7c15) ^
		       (uint64_t)what << 56 ^ n * UINT64_C(0xc2b2ae3d27d4eb4f);

	al_rng_fork(r, seed, AL_NET_STREAM ^ key);
}

int al_page_lost(uint64_t seed, int64_t page, enum al_net_draw what, uint64_t n, double loss)
{
	struct al_rng r;

	if (loss <= 0)
		return 0;
	al_page_rng(&r, seed, page, what, n);
	return al_rng_unit(&r) < loss;
}

enum al_fault al_page_draw(uint64_t seed, const struct al_server *srv, int64_t page,
			   int64_t *think_ns, int64_t *len)
{
	struct al_rng rng;
	int64_t t, l;
	double any = 0;

	al_rng_fork(&rng, seed, AL_PAGE_STREAM + (uint64_t)page);
	t = al_dist_draw_i64(&srv->think, &rng);
	l = al_dist_draw_i64(&srv->page_size, &rng);
	*think_ns = t < AL_PAGE_MAX_THINK ? t : AL_PAGE_MAX_THINK;
	*len = l < AL_PAGE_MAX_LEN ? l : AL_PAGE_MAX_LEN;
	for (int f = 1; f < AL_FAULT_COUNT; f++)
		any += srv->faults[f];
	if (any <= 0)
		return AL_FAULT_NONE;
	double u = al_rng_unit(&rng), sum = 0;
	for (int f = 1; f < AL_FAULT_COUNT; f++) {
		sum += srv->faults[f];
		if (srv->faults[f] > 0 && u < sum)
			return (enum al_fault)f;
	}
	return AL_FAULT_NONE;
}
