/* The crawler's HTTP/1.0, shared by the models, the simulator and the
 * origin server: the request, the response header, deterministic page
 * bodies (so every byte can be verified) and an incremental response
 * checker. */
#ifndef AL_HTTP_H
#define AL_HTTP_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "core/al_scenario.h"

/* "GET /N HTTP/1.0\r\nHost: host\r\n\r\n" ("/" for page 0).  Returns the
 * length, or -1 if it does not fit in cap. */
int al_http_request(char *buf, size_t cap, const char *host, int64_t page);
/* The response header for a body of len bytes; returns its length or -1. */
int al_http_header(char *buf, size_t cap, int64_t len);
/* Bytes [off, off + n) of page `page`'s body under `seed`: printable text,
 * a pure function of its arguments. */
void al_page_bytes(uint64_t seed, int64_t page, int64_t off, void *buf, size_t n);
/* The checksum of page `page`'s first len bytes, as al_http_resp computes
 * it from received bytes; computed without generating them, but O(len). */
uint64_t al_page_sum(uint64_t seed, int64_t page, int64_t len);
/* What a run counts for a page whose len body bytes were verified (its
 * "checksum"): a digest of (seed, page, len), O(1), the same whether the
 * body was checked byte by byte (real) or by construction (sim). */
uint64_t al_page_digest(uint64_t seed, int64_t page, int64_t len);

/* Page `page`'s think time (ns), body length (bytes) and fault under
 * server srv and seed: drawn from al_rng_fork(seed, AL_PAGE_STREAM + page),
 * think first, then the length, then (only when srv has faults) the fault,
 * so a page is the same whichever backend serves it (the simulator, the
 * origin server) and whatever order the pages come in.  Capped at
 * AL_PAGE_MAX_THINK and AL_PAGE_MAX_LEN.  Returns the fault. */
#define AL_PAGE_STREAM UINT64_C(0x5e47e00000000000)
#define AL_PAGE_MAX_LEN (INT64_C(1) << 30)           /* 1 GiB */
#define AL_PAGE_MAX_THINK INT64_C(3600000000000)     /* 1 h, ns */
enum al_fault al_page_draw(uint64_t seed, const struct al_server *srv, int64_t page,
			   int64_t *think_ns, int64_t *len);
/* What a network draw is for.  The simulator (and the link emulator) key
 * each draw by (seed, page, what, n) instead of taking the next number of
 * one stream: every model sees the same network for the same page --
 * the same SYN and segment losses, the same jitter -- whatever order its
 * events come in, so models differ by what they do, not by their luck. */
enum al_net_draw {
	AL_DRAW_SYN_LOSS,            /* n: the SYN's try                      */
	AL_DRAW_SYN_WAY,             /* n: the try: its way to the server     */
	AL_DRAW_SYNACK_WAY,          /* n: the try: the SYN-ACK's (or RST's)  */
	AL_DRAW_REQUEST_WAY,         /* the request's d-up                    */
	AL_DRAW_FIRST_WAY,           /* the first response byte's d-down      */
	AL_DRAW_SEG_LOSS,            /* n: segment index * 32 + its try       */
	/* network.tcp linux only (docs/network.md) */
	AL_DRAW_SYNACK_LOSS,         /* n: the SYN's try                      */
	AL_DRAW_REQUEST_LOSS,        /* n: the request's try                  */
	AL_DRAW_RTX_LOSS,            /* n: the flow's retransmission count    */
	AL_DRAW_ACK_WAY,             /* n: an ACKs' batch: its first ACK's d-up */
	AL_DRAW_ROUND_WAY,           /* n: the same batch: what it brings, d-down */
};
#define AL_NET_STREAM UINT64_C(0x6e37000000000000)
/* The generator for draw `what` number n of page `page`. */
void al_page_rng(struct al_rng *r, uint64_t seed, int64_t page, enum al_net_draw what,
		 uint64_t n);
/* Whether draw `what` number n of page `page` is lost at probability loss
 * (0 draws nothing: never).  The one decision the simulator and the
 * kernel path's packet emulator both make (net/net_emu_flow.h). */
int al_page_lost(uint64_t seed, int64_t page, enum al_net_draw what, uint64_t n, double loss);

/* Where a faulty response stops: RESET and SHORT after half the body,
 * every other after all of it (body bytes). */
static inline int64_t al_fault_cut(enum al_fault f, int64_t len)
{
	return f == AL_FAULT_RESET || f == AL_FAULT_SHORT ? len / 2 : len;
}

/* The body checksum: a position-keyed sum over the body's 8-byte words (the
 * last one zero-padded), plus the length.  Any change of a byte, of its
 * position, or of the length changes it; feeding the bytes in any chunks
 * gives the same result. */
struct al_sum {
	uint64_t h;
	uint64_t acc;                /* the word being filled */
	int64_t n;                   /* bytes fed */
};
void al_sum_init(struct al_sum *s);
void al_sum_feed(struct al_sum *s, const void *buf, size_t n);
uint64_t al_sum_final(const struct al_sum *s);

/* Body bytes [off, off + len) of page `page`, described instead of
 * carried: the simulator's recv delivers a body this way, so that no body
 * byte is generated and checking one costs O(1) whatever its length.
 * corrupt: one byte in the range is not the page's (a CORRUPT fault). */
struct al_http_span {
	int64_t page;
	int64_t off, len;
	int corrupt;
};

/* Incremental response checker: feed it what recv returns.  It keeps only
 * the start of the header line being read (a status line or a
 * Content-Length fits), and only while the header is read: the body's
 * sum takes its place, so a page in flight costs 64 bytes of it (C10M
 * keeps ten million).  A body comes either as bytes (al_http_resp_feed:
 * real sockets) or as spans (al_http_resp_feed_span: the simulator),
 * never both. */
#define AL_HTTP_HEAD_MAX 8192        /* a longer header is refused */
enum { AL_BODY_NONE, AL_BODY_BYTES, AL_BODY_SPANS };
struct al_http_resp {
	int64_t content_length;      /* -1: not given */
	int64_t body;                /* body bytes seen */
	union {
		char line[40];       /* header: the current line's first bytes */
		struct {             /* body (in_body): the line is done with */
			uint64_t sum;        /* bytes: al_sum of the body, set
					      * at end of stream; spans: 0 */
			union {
				struct al_sum run;   /* bytes: the sum so far */
				struct {             /* spans: whose, and whether
						      * one was bad */
					int64_t page;
					int corrupt;
				} span;
			};
		};
	};
	uint16_t head_len;           /* header bytes so far: <= AL_HTTP_HEAD_MAX + 1 */
	int16_t status;              /* three digits (RFC 9110), else refused */
	uint8_t line_len;
	uint8_t in_body;
	uint8_t lines;               /* header lines seen (1: the status line) */
	uint8_t kind;                /* AL_BODY_*: how the body came */
};
_Static_assert(AL_HTTP_HEAD_MAX < UINT16_MAX, "head_len's bound");

void al_http_resp_init(struct al_http_resp *r);
/* Returns 0, or -1 (EBADMSG) for a malformed or oversized header. */
int al_http_resp_feed(struct al_http_resp *r, const void *buf, size_t n);
/* The header a fresh checker last took whole, and the checker after it:
 * the simulator's responses repeat one header, which is then parsed once,
 * not once a page (a tenth of a flow crawl's page went to the parse). */
struct al_http_memo {
	struct al_http_resp after;   /* the checker once it took head */
	uint16_t len;                /* 0: nothing kept */
	char head[126];
};
/* As al_http_resp_feed(r, buf, n); when r is fresh (as al_http_resp_init
 * leaves it) and buf is the n bytes m kept, r becomes what the parse gave
 * then, without one.  A fresh parse that succeeds and leaves r in the
 * body, its n bytes at most sizeof m->head, is kept in m.  The result is
 * the parse's, byte for byte. */
int al_http_resp_feed_memo(struct al_http_memo *m, struct al_http_resp *r, const void *buf,
			   size_t n);
/* Feeds a span of body, after the header came as bytes: O(1).  Returns 0,
 * or -1 (EBADMSG) if the header is not complete, the span does not begin
 * where the body so far ends (a gap, or bytes again), it is of another
 * page than the spans before it, or the body came as bytes before.
 * Inline: the simulator's every recv of body bytes (138 k a 10k-page
 * crawl), where the call and the span it took in memory were most of
 * the feed's cost. */
static inline int al_http_resp_feed_span(struct al_http_resp *r, const struct al_http_span *sp)
{
	if (!r->in_body || r->kind == AL_BODY_BYTES || sp->len < 0 || sp->off != r->body)
		goto bad;
	if (r->kind == AL_BODY_NONE) {
		r->kind = AL_BODY_SPANS;
		r->span.page = sp->page;
		r->span.corrupt = 0;
	} else if (sp->page != r->span.page) {
		goto bad;
	}
	r->body += sp->len;
	if (sp->corrupt)
		r->span.corrupt = 1;
	return 0;
bad:
	errno = EBADMSG;
	return -1;
}
/* At end of stream: sets r->sum; 0 if the response is complete (200, body
 * length as announced); -1 with errno EPROTO for a whole response of
 * another status, EBADMSG for a cut or malformed one. */
int al_http_resp_finish(struct al_http_resp *r);
/* After finish: 1 if the body received is page `page`'s first r->body
 * bytes under seed, else 0.  Spans: by construction, O(1) (spans of that
 * page, in order, none corrupt); bytes: every byte, through their sum
 * against al_page_sum, O(body). */
int al_http_resp_is_page(const struct al_http_resp *r, uint64_t seed, int64_t page);

#endif
