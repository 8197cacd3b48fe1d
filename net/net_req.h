/* Internal to net/: an incremental HTTP/1.x request-head reader for the
 * origin server.  It keeps the request line (short for any page we serve)
 * and only scans the header lines for their end, so a connection costs a
 * few hundred bytes however its request arrives, one byte at a time
 * included. */
#ifndef NET_REQ_H
#define NET_REQ_H

#include <stddef.h>
#include <stdint.h>

#define NET_REQ_LINE_MAX 256         /* a longer request line is a 400 */

struct net_req {
	char line[NET_REQ_LINE_MAX];  /* the request line, without CR LF    */
	uint16_t line_len;
	uint16_t head_len;            /* head bytes consumed so far         */
	uint16_t hdr_len;             /* bytes of the header line being read */
	uint8_t in_headers;           /* the request line is complete       */
	uint8_t hdr_colon;            /* the header line has a ':'          */
	uint8_t bad;                  /* malformed: answer 400              */
	uint8_t done;                 /* the blank line was read (or bad and
	                                 over the size limit)               */
};

void net_req_init(struct net_req *r);
/* Consumes bytes of the head; stops after the blank line that ends it, or
 * when the head passes max bytes (then bad and done).  Returns how many of
 * the n bytes were consumed: fewer than n only when done. */
size_t net_req_feed(struct net_req *r, const char *buf, size_t n, size_t max);
/* Once done: the page asked for (>= 0), NET_REQ_BAD (answer 400) or
 * NET_REQ_NOT_FOUND (404). */
#define NET_REQ_BAD (-1)
#define NET_REQ_NOT_FOUND (-2)
int64_t net_req_page(const struct net_req *r);

#endif
