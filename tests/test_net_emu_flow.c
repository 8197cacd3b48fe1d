/* The kernel path's loss page by page (net/net_emu_flow.c) on synthetic
 * IPv4/TCP packets: which draw each packet gets (what the simulator's
 * flow counts, derived by hand from net_emu_flow.h), and that its
 * decision is the simulator's own (sim_net_lost) for the same draw. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_emu.h"
#include "net/net_emu_flow.h"
#include "sim/sim_net_int.h"

#define CIP 0xc6120001u              /* 198.18.0.1 */
#define SIP 0xc6120002u              /* 198.18.0.2 */
#define SPORT 80
#define CISN 0x10000000u
#define SISN 0xfffff000u             /* wraps within the response */

enum { F_FIN = 1, F_SYN = 2, F_RST = 4, F_ACK = 16 };

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* An IPv4 packet with a TCP header of 32 bytes (timestamps, as Linux
 * sends), plen bytes of payload (data, or zeros).  Returns its length. */
static size_t pkt(unsigned char *b, int up, uint16_t cport, uint32_t seq, int flags,
		  const char *data, size_t plen)
{
	size_t tot = 20 + 32 + plen;

	memset(b, 0, tot);
	b[0] = 0x45;
	put16(b + 2, (uint16_t)tot);
	b[8] = 64;
	b[9] = 6;
	put32(b + 12, up ? CIP : SIP);
	put32(b + 16, up ? SIP : CIP);
	unsigned char *t = b + 20;
	put16(t, up ? cport : SPORT);
	put16(t + 2, up ? SPORT : cport);
	put32(t + 4, seq);
	t[12] = 8 << 4;
	t[13] = (unsigned char)flags;
	if (data)
		memcpy(t + 32, data, plen);
	return tot;
}

static unsigned char B[65536];

static struct net_emu_draw classify(struct net_emu_flows *t, int up, uint16_t cport,
				    uint32_t seq, int flags, const char *data, size_t plen)
{
	struct net_emu_draw d;
	size_t n = pkt(B, up, cport, seq, flags, data, plen);

	net_emu_flow_classify(t, up, B, n, &d);
	return d;
}

static void expect(struct net_emu_draw d, enum net_emu_kind kind, int64_t page,
		   enum al_net_draw what, uint64_t n)
{
	assert_int_equal(d.kind, kind);
	if (kind == NET_EMU_OTHER)
		return;
	assert_int_equal(d.page, page);
	assert_int_equal(d.what, what);
	assert_int_equal(d.n, n);
}

static const char REQ[] = "GET /7 HTTP/1.0\r\nHost: x\r\n\r\n";

/* One page's life, each packet's draw as the simulator's flow counts. */
static void test_one_page(void **state)
{
	(void)state;
	struct net_emu_flows t;
	uint16_t port = net_emu_page_port(7);
	size_t rl = sizeof REQ - 1;

	/* loss 1: every try drawn is lost, so each copy is a try */
	assert_int_equal(net_emu_flows_init(&t, 1, 1.0), 0);
	assert_int_equal(port, NET_EMU_PORT_BASE + 7);
	/* two SYN tries, the second answered; both SYN-ACKs (the server's
	 * timer's and the answer) are the latest try's */
	expect(classify(&t, 1, port, CISN, F_SYN, NULL, 0), NET_EMU_SYN, 7, AL_DRAW_SYN_LOSS, 0);
	expect(classify(&t, 1, port, CISN, F_SYN, NULL, 0), NET_EMU_SYN, 7, AL_DRAW_SYN_LOSS, 1);
	expect(classify(&t, 0, port, SISN, F_SYN | F_ACK, NULL, 0), NET_EMU_SYNACK, 7,
	       AL_DRAW_SYNACK_LOSS, 1);
	expect(classify(&t, 0, port, SISN, F_SYN | F_ACK, NULL, 0), NET_EMU_SYNACK, 7,
	       AL_DRAW_SYNACK_LOSS, 1);
	/* the handshake's ACK: never lost */
	expect(classify(&t, 1, port, CISN + 1, F_ACK, NULL, 0), NET_EMU_OTHER, 0, 0, 0);
	/* the request, sent twice: both lost */
	expect(classify(&t, 1, port, CISN + 1, F_ACK, REQ, rl), NET_EMU_REQUEST, 7,
	       AL_DRAW_REQUEST_LOSS, 0);
	expect(classify(&t, 1, port, CISN + 1, F_ACK, REQ, rl), NET_EMU_REQUEST, 7,
	       AL_DRAW_REQUEST_LOSS, 1);
	/* segments 0, 1, 2 by index * 32 (the sequence wraps in between) */
	for (uint32_t s = 0; s < 3; s++)
		expect(classify(&t, 0, port, SISN + 1 + s * NET_EMU_MSS, F_ACK, NULL, NET_EMU_MSS),
		       NET_EMU_SEG, 7, AL_DRAW_SEG_LOSS, s * 32);
	/* segment 1 again, then 2: retransmissions by their count */
	expect(classify(&t, 0, port, SISN + 1 + NET_EMU_MSS, F_ACK, NULL, NET_EMU_MSS),
	       NET_EMU_RTX, 7, AL_DRAW_RTX_LOSS, 0);
	expect(classify(&t, 0, port, SISN + 1 + 2 * NET_EMU_MSS, F_ACK, NULL, NET_EMU_MSS),
	       NET_EMU_RTX, 7, AL_DRAW_RTX_LOSS, 1);
	/* the last, short segment with the FIN: new data */
	expect(classify(&t, 0, port, SISN + 1 + 3 * NET_EMU_MSS, F_ACK | F_FIN, NULL, 100),
	       NET_EMU_SEG, 7, AL_DRAW_SEG_LOSS, 3 * 32);
	/* a FIN alone, the client's ACKs and FIN, a RST: never lost */
	expect(classify(&t, 0, port, SISN + 1 + 3 * NET_EMU_MSS + 100, F_ACK | F_FIN, NULL, 0),
	       NET_EMU_OTHER, 0, 0, 0);
	expect(classify(&t, 1, port, CISN + 1 + (uint32_t)rl, F_ACK | F_FIN, NULL, 0),
	       NET_EMU_OTHER, 0, 0, 0);
	expect(classify(&t, 0, port, SISN + 1, F_RST, NULL, 0), NET_EMU_OTHER, 0, 0, 0);
	assert_int_equal(t.seen[NET_EMU_SYN], 2);
	assert_int_equal(t.seen[NET_EMU_SEG], 4);
	assert_int_equal(t.seen[NET_EMU_RTX], 2);
	net_emu_flows_free(&t);
}

/* A request sent again after a try got through (the kernel's RTO fired
 * before the response's first segment, carrying its ACK, came) is no try
 * of the simulator's: no draw. */
static void test_request_through(void **state)
{
	(void)state;
	struct net_emu_flows t;
	uint16_t port = net_emu_page_port(7);
	struct net_emu_draw d;

	assert_int_equal(net_emu_flows_init(&t, 1, 1e-12), 0);
	classify(&t, 1, port, CISN, F_SYN, NULL, 0);
	classify(&t, 0, port, SISN, F_SYN | F_ACK, NULL, 0);
	d = classify(&t, 1, port, CISN + 1, F_ACK, REQ, sizeof REQ - 1);
	expect(d, NET_EMU_REQUEST, 7, AL_DRAW_REQUEST_LOSS, 0);
	assert_false(d.lost);
	expect(classify(&t, 1, port, CISN + 1, F_ACK, REQ, sizeof REQ - 1), NET_EMU_OTHER, 0, 0, 0);
	net_emu_flows_free(&t);
}

/* The request line names the page; a port shared by pages further apart
 * than NET_EMU_PORTS says only which page modulo that. */
static void test_request_names_page(void **state)
{
	(void)state;
	struct net_emu_flows t;
	const char req[] = "GET /64517 HTTP/1.0\r\n\r\n";
	uint16_t port = net_emu_page_port(64517);

	assert_int_equal(port, net_emu_page_port(5));
	assert_int_equal(net_emu_flows_init(&t, 1, 0.5), 0);
	expect(classify(&t, 1, port, CISN, F_SYN, NULL, 0), NET_EMU_SYN, 5, AL_DRAW_SYN_LOSS, 0);
	expect(classify(&t, 0, port, SISN, F_SYN | F_ACK, NULL, 0), NET_EMU_SYNACK, 5,
	       AL_DRAW_SYNACK_LOSS, 0);
	expect(classify(&t, 1, port, CISN + 1, F_ACK, req, sizeof req - 1), NET_EMU_REQUEST,
	       64517, AL_DRAW_REQUEST_LOSS, 0);
	expect(classify(&t, 0, port, SISN + 1, F_ACK, NULL, NET_EMU_MSS), NET_EMU_SEG, 64517,
	       AL_DRAW_SEG_LOSS, 0);
	net_emu_flows_free(&t);
}

/* A SYN with another ISN on the same 4-tuple is a new connection: its
 * counters start again.  Packets of a connection whose SYN was never
 * seen, and what is not IPv4/TCP, are never drawn. */
static void test_new_and_unknown(void **state)
{
	(void)state;
	struct net_emu_flows t;
	uint16_t port = net_emu_page_port(3);

	assert_int_equal(net_emu_flows_init(&t, 1, 0.5), 0);
	expect(classify(&t, 0, port, SISN, F_SYN | F_ACK, NULL, 0), NET_EMU_OTHER, 0, 0, 0);
	expect(classify(&t, 1, port, CISN + 1, F_ACK, REQ, sizeof REQ - 1), NET_EMU_OTHER, 0, 0, 0);
	expect(classify(&t, 1, port, CISN, F_SYN, NULL, 0), NET_EMU_SYN, 3, AL_DRAW_SYN_LOSS, 0);
	expect(classify(&t, 1, port, CISN, F_SYN, NULL, 0), NET_EMU_SYN, 3, AL_DRAW_SYN_LOSS, 1);
	/* data before the SYN-ACK: its ISN unknown */
	expect(classify(&t, 0, port, SISN + 1, F_ACK, NULL, 10), NET_EMU_OTHER, 0, 0, 0);
	expect(classify(&t, 1, port, CISN + 99999, F_SYN, NULL, 0), NET_EMU_SYN, 3,
	       AL_DRAW_SYN_LOSS, 0);
	size_t n = pkt(B, 1, port, CISN, F_SYN, NULL, 0);
	struct net_emu_draw d;
	B[0] = 0x60;                 /* IPv6 */
	net_emu_flow_classify(&t, 1, B, n, &d);
	assert_int_equal(d.kind, NET_EMU_OTHER);
	B[0] = 0x45;
	B[9] = 17;                   /* UDP */
	net_emu_flow_classify(&t, 1, B, n, &d);
	assert_int_equal(d.kind, NET_EMU_OTHER);
	B[9] = 6;
	for (size_t cut = 0; cut < n; cut++) {   /* truncated: never read past */
		net_emu_flow_classify(&t, 1, B, cut, &d);
		assert_int_equal(d.kind, NET_EMU_OTHER);
	}
	net_emu_flows_free(&t);
}

/* Random bytes never crash it (asan) and the table grows past its first
 * size with every connection still found. */
static void test_many_and_garbage(void **state)
{
	(void)state;
	struct net_emu_flows t;
	struct net_emu_draw d;
	uint64_t x = 42;

	assert_int_equal(net_emu_flows_init(&t, 9, 0.1), 0);
	for (int p = 0; p < 3000; p++)
		expect(classify(&t, 1, net_emu_page_port(p), CISN, F_SYN, NULL, 0), NET_EMU_SYN, p,
		       AL_DRAW_SYN_LOSS, 0);
	for (int p = 0; p < 3000; p++)
		expect(classify(&t, 0, net_emu_page_port(p), SISN, F_SYN | F_ACK, NULL, 0),
		       NET_EMU_SYNACK, p, AL_DRAW_SYNACK_LOSS, 0);
	for (int i = 0; i < 20000; i++) {
		size_t n = 1 + (size_t)(i % 120);
		for (size_t k = 0; k < n; k++) {
			x = x * 6364136223846793005u + 1442695040888963407u;
			B[k] = (unsigned char)(x >> 56);
		}
		if (i % 3 == 0)
			B[0] = 0x45, B[9] = 6;
		net_emu_flow_classify(&t, i & 1, B, n, &d);
	}
	net_emu_flows_free(&t);
}

/* Each packet's fate is the simulator's for the same draw: sim_net_lost
 * on a flow of the same page, seed and loss.  At 30 % both fates occur. */
static void test_same_as_sim(void **state)
{
	(void)state;
	struct al_scenario sc;
	struct sim_net n;
	struct sim_flow f;
	struct net_emu_flows t;
	int64_t lost = 0, kept = 0;

	al_scenario_default(&sc);
	sc.seed = 20;
	memset(&n, 0, sizeof n);
	memset(&f, 0, sizeof f);
	n.sc = &sc;
	n.net.loss = 0.3;
	assert_int_equal(net_emu_flows_init(&t, sc.seed, 0.3), 0);
	for (int64_t page = 0; page < 200; page++) {
		uint16_t port = net_emu_page_port(page);
		char req[64];
		int rl = snprintf(req, sizeof req, "GET /%lld HTTP/1.0\r\n\r\n", (long long)page);
		struct {
			int up, flags;
			uint32_t seq;
			const char *data;
			size_t plen;
			enum al_net_draw what;
			uint64_t k;
		} seq[] = {
			{1, F_SYN, CISN, NULL, 0, AL_DRAW_SYN_LOSS, 0},
			{1, F_SYN, CISN, NULL, 0, AL_DRAW_SYN_LOSS, 1},
			{0, F_SYN | F_ACK, SISN, NULL, 0, AL_DRAW_SYNACK_LOSS, 1},
			{1, F_ACK, CISN + 1, req, (size_t)rl, AL_DRAW_REQUEST_LOSS, 0},
			{1, F_ACK, CISN + 1, req, (size_t)rl, AL_DRAW_REQUEST_LOSS, 1},
			{0, F_ACK, SISN + 1, NULL, NET_EMU_MSS, AL_DRAW_SEG_LOSS, 0},
			{0, F_ACK, SISN + 1 + 9 * NET_EMU_MSS, NULL, NET_EMU_MSS, AL_DRAW_SEG_LOSS, 9 * 32},
			{0, F_ACK, SISN + 1 + NET_EMU_MSS, NULL, NET_EMU_MSS, AL_DRAW_RTX_LOSS, 0},
			{0, F_ACK, SISN + 1, NULL, NET_EMU_MSS, AL_DRAW_RTX_LOSS, 1},
		};
		f.page = page;
		for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
			size_t len = pkt(B, seq[i].up, port, seq[i].seq, seq[i].flags, seq[i].data,
					 seq[i].plen);
			int emu = net_emu_flow_lost(&t, seq[i].up, B, len);
			/* the request's second copy is a try only if the first
			 * was lost */
			int sim = i == 4 && !sim_net_lost(&n, &f, AL_DRAW_REQUEST_LOSS, 0)
				  ? 0 : sim_net_lost(&n, &f, seq[i].what, seq[i].k);
			assert_int_equal(emu, sim);
			lost += emu;
			kept += !emu;
		}
	}
	assert_true(lost > 100 && kept > 100);
	int64_t sum = 0;
	for (int k = 0; k < NET_EMU_KINDS; k++)
		sum += t.lost[k];
	assert_int_equal(sum, lost);
	net_emu_flows_free(&t);
}

/* A direction with flows loses what they say, and counts it as lost. */
static void test_push_uses_flows(void **state)
{
	(void)state;
	struct net_emu_cfg cfg = {.delay_ns = 0, .jitter = AL_DIST_FIXED_AT(0), .queue = 10,
				  .loss = 1.0};
	struct net_emu_dir d;
	struct net_emu_flows t;

	assert_int_equal(net_emu_flows_init(&t, 1, 1.0), 0);
	net_emu_init(&d, &cfg, 1, 0);
	d.flows = &t;
	d.up = 1;
	size_t n = pkt(B, 1, 2000, CISN, F_SYN, NULL, 0);
	struct net_emu_pkt *p = net_emu_pkt_new(n);
	assert_non_null(p);
	memcpy(p->data, B, n);
	assert_int_equal(net_emu_push(&d, 0, p), 1);        /* loss 1: the SYN goes */
	n = pkt(B, 1, 2000, CISN + 1, F_ACK, NULL, 0);
	p = net_emu_pkt_new(n);
	assert_non_null(p);
	memcpy(p->data, B, n);
	assert_int_equal(net_emu_push(&d, 0, p), 0);        /* an ACK never */
	assert_int_equal(d.st.lost, 1);
	assert_int_equal(t.lost[NET_EMU_SYN], 1);
	net_emu_free(&d);
	net_emu_flows_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_page),
		cmocka_unit_test(test_request_through),
		cmocka_unit_test(test_request_names_page),
		cmocka_unit_test(test_new_and_unknown),
		cmocka_unit_test(test_many_and_garbage),
		cmocka_unit_test(test_same_as_sim),
		cmocka_unit_test(test_push_uses_flows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
