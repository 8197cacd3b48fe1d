/* HTTP/1.0 for the crawler.  Page bodies are generated 8 bytes at a time
 * from a hash of (seed, page, offset / 8), so any range is O(length). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/al_http.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

int al_http_request(char *buf, size_t cap, const char *host, int64_t page)
{
	int n = page == 0
		? snprintf(buf, cap, "GET / HTTP/1.0\r\nHost: %s\r\n\r\n", host)
		: snprintf(buf, cap, "GET /%lld HTTP/1.0\r\nHost: %s\r\n\r\n", (long long)page,
			   host);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

int al_http_header(char *buf, size_t cap, int64_t len)
{
	int n = snprintf(buf, cap,
			 "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
			 "Content-Length: %lld\r\n\r\n", (long long)len);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

void al_page_bytes(uint64_t seed, int64_t page, int64_t off, void *buf, size_t n)
{
	static const char alphabet[64] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \n";
	unsigned char *p = buf;
	uint64_t base = mix(seed ^ mix((uint64_t)page + 0x51ed27ull));

	while (n > 0) {
		uint64_t word = mix(base ^ (uint64_t)(off / 8));
		for (int64_t i = off % 8; i < 8 && n > 0; i++, n--, off++)
			*p++ = (unsigned char)alphabet[(word >> (i * 8)) & 63];
	}
}

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return h;
}

uint64_t al_page_sum(uint64_t seed, int64_t page, int64_t len)
{
	unsigned char chunk[4096];
	uint64_t h = FNV_OFFSET;

	for (int64_t off = 0; off < len; off += (int64_t)sizeof chunk) {
		size_t n = len - off < (int64_t)sizeof chunk ? (size_t)(len - off) : sizeof chunk;
		al_page_bytes(seed, page, off, chunk, n);
		h = fnv(h, chunk, n);
	}
	return h;
}

void al_http_resp_init(struct al_http_resp *r)
{
	memset(r, 0, sizeof *r);
	r->content_length = -1;
	r->sum = FNV_OFFSET;
}

static int parse_head(struct al_http_resp *r)
{
	const char *p = r->head;

	if (strncmp(p, "HTTP/1.", 7) != 0 || r->head_len < 12)
		return -1;
	r->status = atoi(p + 9);
	for (const char *l = strstr(p, "\r\n"); l && l[2] != '\r'; l = strstr(l + 2, "\r\n")) {
		if (strncasecmp(l + 2, "Content-Length:", 15) == 0) {
			char *end;
			long long v = strtoll(l + 17, &end, 10);
			if (v < 0 || end == l + 17)
				return -1;
			r->content_length = v;
		}
	}
	return 0;
}

int al_http_resp_feed(struct al_http_resp *r, const void *buf, size_t n)
{
	const unsigned char *p = buf;

	while (!r->in_body && n > 0) {
		if (r->head_len >= (int)sizeof r->head - 1) {
			errno = EBADMSG;
			return -1;
		}
		r->head[r->head_len++] = (char)*p++;
		n--;
		if (r->head_len >= 4 && memcmp(r->head + r->head_len - 4, "\r\n\r\n", 4) == 0) {
			r->head[r->head_len] = '\0';
			r->in_body = 1;
			if (parse_head(r) != 0) {
				errno = EBADMSG;
				return -1;
			}
		}
	}
	r->body += (int64_t)n;
	r->sum = fnv(r->sum, p, n);
	return 0;
}

int al_http_resp_finish(const struct al_http_resp *r)
{
	if (!r->in_body || r->status != 200 ||
	    (r->content_length >= 0 && r->body != r->content_length)) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}
