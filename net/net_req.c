/* The request head, read incrementally.  Lenient where HTTP lets servers
 * be (bare LF line ends, empty lines before the request line, any
 * HTTP/1.x version), strict about the rest: a request line must be
 * exactly METHOD SP TARGET SP VERSION in visible ASCII, and every header
 * line must hold a ':'.  Headers are not interpreted: an HTTP/1.0 GET of a
 * generated page needs none of them. */
#include "net/net_req.h"

#include <string.h>

void net_req_init(struct net_req *r)
{
	memset(r, 0, sizeof *r);
}

/* One line (without its LF, CRs dropped) has ended. */
static void end_line(struct net_req *r)
{
	if (!r->in_headers) {
		if (r->line_len > 0)  /* empty lines before it are skipped */
			r->in_headers = 1;
		return;
	}
	if (r->hdr_len == 0)
		r->done = 1;
	else if (!r->hdr_colon)
		r->bad = 1;
	r->hdr_len = 0;
	r->hdr_colon = 0;
}

size_t net_req_feed(struct net_req *r, const char *buf, size_t n, size_t max)
{
	size_t i;

	for (i = 0; i < n && !r->done; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (r->head_len >= max) {
			r->bad = 1;
			r->done = 1;
			break;
		}
		r->head_len++;
		if (c == '\n') {
			end_line(r);
		} else if (c == '\r') {
			continue;
		} else if (!r->in_headers) {
			if (r->line_len >= NET_REQ_LINE_MAX - 1)
				r->bad = 1;
			else
				r->line[r->line_len++] = (char)c;
		} else {
			/* a folded or empty-named header line is malformed */
			if (r->hdr_len == 0 && (c == ' ' || c == '\t' || c == ':'))
				r->bad = 1;
			if (c == ':')
				r->hdr_colon = 1;
			if (r->hdr_len < UINT16_MAX)
				r->hdr_len++;
		}
	}
	return i;
}

/* "/" or "/N": N decimal, no sign, no leading zero (but "/0"), < 10^18. */
static int64_t parse_target(const char *t, size_t n)
{
	int64_t page = 0;

	if (n == 0 || t[0] != '/')
		return NET_REQ_BAD;      /* absolute-form, '*': not for us */
	if (n == 1)
		return 0;
	if (n > 19 || (t[1] == '0' && n > 2))
		return NET_REQ_NOT_FOUND;
	for (size_t i = 1; i < n; i++) {
		if (t[i] < '0' || t[i] > '9')
			return NET_REQ_NOT_FOUND;
		page = page * 10 + (t[i] - '0');
	}
	return page;
}

int64_t net_req_page(const struct net_req *r)
{
	const char *l = r->line, *sp1, *sp2, *end = r->line + r->line_len;
	const char *ver;

	if (r->bad || !r->done || !r->in_headers)
		return NET_REQ_BAD;
	for (const char *p = l; p < end; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return NET_REQ_BAD;
	sp1 = memchr(l, ' ', r->line_len);
	if (!sp1)
		return NET_REQ_BAD;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (!sp2 || memchr(sp2 + 1, ' ', (size_t)(end - sp2 - 1)))
		return NET_REQ_BAD;
	ver = sp2 + 1;
	if (end - ver != 8 || memcmp(ver, "HTTP/1.", 7) != 0 ||
	    ver[7] < '0' || ver[7] > '9')
		return NET_REQ_BAD;
	if (sp1 - l != 3 || memcmp(l, "GET", 3) != 0)
		return NET_REQ_BAD;
	return parse_target(sp1 + 1, (size_t)(sp2 - sp1 - 1));
}
