/* Requests, deterministic pages and the response checker. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/al_http.h"

static void test_request(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(al_http_request(buf, sizeof buf, "example.com", 0), 37);
	assert_string_equal(buf, "GET / HTTP/1.0\r\nHost: example.com\r\n\r\n");
	al_http_request(buf, sizeof buf, "h", 12);
	assert_string_equal(buf, "GET /12 HTTP/1.0\r\nHost: h\r\n\r\n");
	assert_int_equal(al_http_request(buf, 8, "h", 12), -1);
}

/* The header, written by hand, against the format it replaced: the same
 * bytes for every length, and the same cut output when it does not fit. */
static void test_header_as_printf(void **state)
{
	static const int64_t lens[] = {0, 7, 9, 10, 99, 100, 20000, 1048576, 4000000000,
				       INT64_MAX, -1, INT64_MIN};
	static const size_t caps[] = {128, 100, 70, 64, 63, 1};
	char got[128], want[128];

	(void)state;
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
		for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
			int n = snprintf(want, caps[c], "HTTP/1.0 200 OK\r\nContent-Type: "
					 "text/plain\r\nContent-Length: %lld\r\n\r\n",
					 (long long)lens[i]);
			memset(got, 'x', sizeof got);
			int r = al_http_header(got, caps[c], lens[i]);
			assert_int_equal(r, (size_t)n >= caps[c] ? -1 : n);
			assert_string_equal(got, want);
		}
	assert_int_equal(al_http_header(got, 0, 5), -1);
}

/* The request, written by hand, against the format it replaced: the same
 * bytes for every page and host, and the same cut output when it does
 * not fit. */
static void test_request_as_printf(void **state)
{
	static const int64_t pages[] = {0, 1, 9, 10, 99, 12345, INT64_MAX, -1, INT64_MIN};
	static const char *const hosts[] = {"h", "example.com", "",
		"a-rather-long-host-name.with.many.labels.example.org"};
	static const size_t caps[] = {128, 60, 40, 31, 30, 29, 5, 1};
	char got[128], want[128];

	(void)state;
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
		for (size_t h = 0; h < sizeof hosts / sizeof hosts[0]; h++)
			for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
				int n = pages[i] == 0
					? snprintf(want, caps[c], "GET / HTTP/1.0\r\nHost: %s\r\n\r\n",
						   hosts[h])
					: snprintf(want, caps[c], "GET /%lld HTTP/1.0\r\nHost: %s\r\n\r\n",
						   (long long)pages[i], hosts[h]);
				memset(got, 'x', sizeof got);
				int r = al_http_request(got, caps[c], hosts[h], pages[i]);
				assert_int_equal(r, (size_t)n >= caps[c] ? -1 : n);
				assert_string_equal(got, want);
			}
	memset(got, 'x', sizeof got);
	assert_int_equal(al_http_request(got, 0, "h", 5), -1);
	assert_int_equal(got[0], 'x');   /* cap 0: nothing written */
}

/* The header parser finds lines with memchr and copies runs between
 * '\r's: whatever the chunks, it ends in the same state -- the status,
 * the length, a stray '\r' inside a line, a line longer than what is
 * kept (40) and than its length's byte (255), bare '\n' endings, and a
 * header past AL_HTTP_HEAD_MAX refused at the same byte. */
static int feed_in(struct al_http_resp *r, const char *msg, size_t n, size_t chunk)
{
	al_http_resp_init(r);
	for (size_t off = 0; off < n; off += chunk) {
		size_t c = chunk < n - off ? chunk : n - off;
		if (al_http_resp_feed(r, msg + off, c) != 0)
			return -1;
	}
	return 0;
}

static void test_header_any_chunks(void **state)
{
	static char big[AL_HTTP_HEAD_MAX + 64];
	char longline[400];
	char msg[600];

	(void)state;
	memset(longline, 'v', sizeof longline);
	longline[sizeof longline - 1] = '\0';
	int n = snprintf(msg, sizeof msg, "HTTP/1.0 200 Made\r\nX-Odd: a\rb\r\nX-Long: %s\r\n"
			 "content-length: 5\n\r\nhello", longline);
	for (size_t chunk = 1; chunk <= (size_t)n; chunk += chunk < 20 ? 1 : 37) {
		struct al_http_resp r;
		assert_int_equal(feed_in(&r, msg, (size_t)n, chunk), 0);
		assert_int_equal(r.status, 200);
		assert_int_equal(r.content_length, 5);
		assert_int_equal(r.lines, 4);
		assert_int_equal(r.head_len, n - 5);
		assert_int_equal(r.body, 5);
		assert_int_equal(al_http_resp_finish(&r), 0);
	}
	/* a header that never ends: refused at its 8193rd byte */
	memcpy(big, "HTTP/1.0 200 OK\r\n", 17);
	memset(big + 17, 'h', sizeof big - 17);
	for (size_t chunk = 1; chunk <= sizeof big; chunk = chunk * 3 + 1) {
		struct al_http_resp r;
		assert_int_equal(feed_in(&r, big, sizeof big, chunk), -1);
		assert_int_equal(r.head_len, AL_HTTP_HEAD_MAX + 1);
		assert_int_equal(r.line_len, UINT8_MAX);
		assert_int_equal(r.in_body, 0);
	}
}

/* The memo gives what the parse gives, byte for byte: a fresh checker fed
 * the header it kept, one fed another header or bytes that fail, one not
 * fresh, and one fed more than the header. */
static void test_memo_as_parse(void **state)
{
	char h20k[128], h5[128];
	int n20k = al_http_header(h20k, sizeof h20k, 20000), n5 = al_http_header(h5, sizeof h5, 5);
	static const char bad[] = "HTTP/1.0 200 OK\r\nContent-Length: -3\r\n\r\n";
	static const char part[] = "HTTP/1.0 404 Nope\r\n";
	static const char withbody[] = "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhel";
	struct {
		const char *buf;
		size_t n;
		int fresh;
	} feeds[] = {
		{h20k, (size_t)n20k, 1}, {h20k, (size_t)n20k, 1}, {h5, (size_t)n5, 1},
		{h20k, (size_t)n20k, 1}, {bad, sizeof bad - 1, 1}, {bad, sizeof bad - 1, 1},
		{h20k, (size_t)n20k, 1}, {part, sizeof part - 1, 0}, {h20k, (size_t)n20k, 0},
		{withbody, sizeof withbody - 1, 1}, {withbody, sizeof withbody - 1, 1},
		{h20k, 10, 1}, {h20k, (size_t)n20k, 1},
	};
	struct al_http_memo m = {0};
	int hits = 0;

	(void)state;
	for (size_t i = 0; i < sizeof feeds / sizeof feeds[0]; i++) {
		struct al_http_resp got, want;
		al_http_resp_init(&got);
		al_http_resp_init(&want);
		if (!feeds[i].fresh) {       /* a status line in already */
			assert_int_equal(al_http_resp_feed(&got, part, sizeof part - 1), 0);
			assert_int_equal(al_http_resp_feed(&want, part, sizeof part - 1), 0);
		}
		int kept = m.len == feeds[i].n && memcmp(m.head, feeds[i].buf, m.len) == 0;
		errno = 0;
		int wr = al_http_resp_feed(&want, feeds[i].buf, feeds[i].n), we = errno;
		errno = 0;
		/* a hit copies what the memo kept: mark it, to see the copy */
		int hit = kept && feeds[i].fresh;
		if (hit)
			m.after.content_length += 1000000;
		int gr = al_http_resp_feed_memo(&m, &got, feeds[i].buf, feeds[i].n);
		assert_int_equal(gr, wr);
		assert_int_equal(errno, we);
		if (hit) {
			assert_int_equal(got.content_length, want.content_length + 1000000);
			got.content_length -= 1000000;
			m.after.content_length -= 1000000;
		}
		assert_memory_equal(&got, &want, sizeof got);
		hits += hit;
	}
	assert_int_equal(hits, 3);       /* h20k twice, withbody once */
}

static void test_page_ranges_agree(void **state)
{
	char whole[300], part[300];

	(void)state;
	al_page_bytes(42, 3, 0, whole, sizeof whole);
	for (int off = 0; off < 40; off++) {
		al_page_bytes(42, 3, off, part, 100);
		assert_memory_equal(part, whole + off, 100);
	}
	al_page_bytes(42, 4, 0, part, sizeof part);
	assert_true(memcmp(part, whole, sizeof whole) != 0);
}

static void feed_all(struct al_http_resp *r, const char *s, size_t n, size_t step)
{
	for (size_t i = 0; i < n; i += step)
		assert_int_equal(al_http_resp_feed(r, s + i, n - i < step ? n - i : step), 0);
}

static void test_response_checked(void **state)
{
	char msg[5000];
	struct al_http_resp r;

	(void)state;
	int hl = al_http_header(msg, sizeof msg, 4000);
	al_page_bytes(1, 2, 0, msg + hl, 4000);
	for (size_t step = 1; step <= 4096; step *= 8) {
		al_http_resp_init(&r);
		feed_all(&r, msg, (size_t)hl + 4000, step);
		assert_int_equal(al_http_resp_finish(&r), 0);
		assert_int_equal(r.body, 4000);
		assert_int_equal(r.sum, al_page_sum(1, 2, 4000));
	}
	/* a changed byte, two swapped bytes, a shorter length: other sums */
	for (int k = 0; k < 3; k++) {
		char copy[5000];
		size_t len = (size_t)hl + 4000 - (k == 2);
		memcpy(copy, msg, sizeof copy);
		if (k == 0)
			copy[hl + 1234] ^= 1;
		if (k == 1) {
			char c = copy[hl + 10];
			copy[hl + 10] = copy[hl + 11];
			copy[hl + 11] = c;
			if (c == copy[hl + 10])
				copy[hl + 10] ^= 2;
		}
		al_http_resp_init(&r);
		feed_all(&r, copy, len, 7);
		al_http_resp_finish(&r);
		assert_true(r.sum != al_page_sum(1, 2, 4000));
	}
	al_http_resp_init(&r); /* short body */
	feed_all(&r, msg, (size_t)hl + 3999, 4096);
	assert_int_equal(al_http_resp_finish(&r), -1);
	assert_int_equal(errno, EBADMSG);
	al_http_resp_init(&r); /* a whole answer, but not the page */
	static const char nf[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno\n";
	feed_all(&r, nf, sizeof nf - 1, 5);
	assert_int_equal(al_http_resp_finish(&r), -1);
	assert_int_equal(errno, EPROTO);
	al_http_resp_init(&r); /* not HTTP */
	assert_int_equal(al_http_resp_feed(&r, "SSH-2.0\r\n\r\n", 11), -1);
	al_http_resp_init(&r); /* a status of more than three digits */
	assert_int_equal(al_http_resp_feed(&r, "HTTP/1.0 70000 OK\r\n", 19), -1);
	assert_int_equal(errno, EBADMSG);
}

/* The header's line and the body's sum share their bytes: a long header
 * line before the body leaves the sum as if the line never was, and a
 * response cut in its header still ends with the empty body's sum. */
static void test_line_gives_way_to_sum(void **state)
{
	static const char msg[] = "HTTP/1.0 200 OK\r\nX-Long: "
				  "0123456789012345678901234567890123456789\r\n"
				  "Content-Length: 4\r\n\r\nabcd";
	struct al_http_resp r, e;
	struct al_sum s;

	(void)state;
	al_sum_init(&s);
	al_sum_feed(&s, "abcd", 4);
	al_http_resp_init(&r);
	assert_int_equal(al_http_resp_feed(&r, msg, sizeof msg - 1), 0);
	assert_int_equal(al_http_resp_finish(&r), 0);
	assert_int_equal(r.status, 200);
	assert_true(r.sum == al_sum_final(&s));

	al_sum_init(&s);
	al_http_resp_init(&e);
	assert_int_equal(al_http_resp_feed(&e, msg, 30), 0);
	assert_int_equal(al_http_resp_finish(&e), -1);
	assert_int_equal(errno, EBADMSG);
	assert_true(e.sum == al_sum_final(&s));
}

/* A simulated body: the header as bytes, then spans of the page -- in
 * order, of one page, never after bytes -- checked without a byte. */
static void test_spans(void **state)
{
	char head[128];
	int hl = al_http_header(head, sizeof head, 10000);
	struct al_http_resp r;
	struct al_http_span a = {.page = 7, .off = 0, .len = 4000};
	struct al_http_span b = {.page = 7, .off = 4000, .len = 6000};

	(void)state;
	al_http_resp_init(&r);           /* the whole page, in two spans */
	assert_int_equal(al_http_resp_feed(&r, head, (size_t)hl), 0);
	assert_int_equal(al_http_resp_feed_span(&r, &a), 0);
	assert_int_equal(al_http_resp_feed_span(&r, &b), 0);
	assert_int_equal(al_http_resp_finish(&r), 0);
	assert_int_equal(r.body, 10000);
	assert_true(al_http_resp_is_page(&r, 1, 7));
	assert_false(al_http_resp_is_page(&r, 1, 8));   /* asked for another */

	al_http_resp_init(&r);           /* a span before the header ends */
	assert_int_equal(al_http_resp_feed(&r, head, (size_t)hl - 1), 0);
	assert_int_equal(al_http_resp_feed_span(&r, &a), -1);
	assert_int_equal(errno, EBADMSG);

	al_http_resp_init(&r);           /* a gap */
	al_http_resp_feed(&r, head, (size_t)hl);
	assert_int_equal(al_http_resp_feed_span(&r, &b), -1);
	assert_int_equal(errno, EBADMSG);

	al_http_resp_init(&r);           /* the same bytes twice */
	al_http_resp_feed(&r, head, (size_t)hl);
	assert_int_equal(al_http_resp_feed_span(&r, &a), 0);
	assert_int_equal(al_http_resp_feed_span(&r, &a), -1);

	al_http_resp_init(&r);           /* another page's bytes */
	al_http_resp_feed(&r, head, (size_t)hl);
	assert_int_equal(al_http_resp_feed_span(&r, &a), 0);
	struct al_http_span other = {.page = 8, .off = 4000, .len = 6000};
	assert_int_equal(al_http_resp_feed_span(&r, &other), -1);

	al_http_resp_init(&r);           /* spans after bytes, bytes after spans */
	al_http_resp_feed(&r, head, (size_t)hl);
	assert_int_equal(al_http_resp_feed(&r, "x", 1), 0);
	struct al_http_span one = {.page = 7, .off = 1, .len = 9999};
	assert_int_equal(al_http_resp_feed_span(&r, &one), -1);
	al_http_resp_init(&r);
	al_http_resp_feed(&r, head, (size_t)hl);
	assert_int_equal(al_http_resp_feed_span(&r, &a), 0);
	assert_int_equal(al_http_resp_feed(&r, "x", 1), -1);

	al_http_resp_init(&r);           /* a corrupt byte: complete, not the page */
	al_http_resp_feed(&r, head, (size_t)hl);
	b.corrupt = 1;
	assert_int_equal(al_http_resp_feed_span(&r, &a), 0);
	assert_int_equal(al_http_resp_feed_span(&r, &b), 0);
	assert_int_equal(al_http_resp_finish(&r), 0);
	assert_false(al_http_resp_is_page(&r, 1, 7));

	al_http_resp_init(&r);           /* cut short: the length says so */
	al_http_resp_feed(&r, head, (size_t)hl);
	assert_int_equal(al_http_resp_feed_span(&r, &a), 0);
	assert_int_equal(al_http_resp_finish(&r), -1);
	assert_int_equal(errno, EBADMSG);
}

/* Bytes are checked byte by byte; what a run counts is the same digest
 * either way, and it tells pages and lengths apart. */
static void test_is_page_and_digest(void **state)
{
	char msg[5000];
	int hl = al_http_header(msg, sizeof msg, 4000);
	struct al_http_resp r;

	(void)state;
	al_page_bytes(1, 2, 0, msg + hl, 4000);
	al_http_resp_init(&r);
	assert_int_equal(al_http_resp_feed(&r, msg, (size_t)hl + 4000), 0);
	assert_int_equal(al_http_resp_finish(&r), 0);
	assert_true(al_http_resp_is_page(&r, 1, 2));
	assert_false(al_http_resp_is_page(&r, 1, 3));
	assert_false(al_http_resp_is_page(&r, 2, 2));
	assert_true(al_page_digest(1, 2, 4000) != al_page_digest(1, 2, 3999));
	assert_true(al_page_digest(1, 2, 4000) != al_page_digest(1, 3, 4000));
	assert_true(al_page_digest(1, 2, 4000) != al_page_digest(2, 2, 4000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_header_as_printf),
		cmocka_unit_test(test_request_as_printf),
		cmocka_unit_test(test_header_any_chunks),
		cmocka_unit_test(test_memo_as_parse),
		cmocka_unit_test(test_page_ranges_agree),
		cmocka_unit_test(test_response_checked),
		cmocka_unit_test(test_line_gives_way_to_sum),
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_is_page_and_digest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
