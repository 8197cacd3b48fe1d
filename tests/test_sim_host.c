/* The kernel's TCP costs and the host's other programs in the simulator
 * (sim/sim_host.c): what they add is derived here by formula from the cost
 * table and checked against the runs, to the nanosecond. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sim/sim_run.h"
#include "core/al_http.h"
#include "core/al_scenario.h"
#include "sim/sim_kernel.h"
#include "sim/sim_os.h"

#define US 1000LL
#define MS (1000 * US)

/* pages of size bytes, no CPU costs at all: what a test adds is all
 * there is */
static void fixed(struct al_scenario *sc, int64_t pages, int64_t size)
{
	al_scenario_default(sc);
	memset(&sc->machine.costs, 0, sizeof sc->machine.costs);
	sc->machine.costs.time_slice_ns = 4 * MS;
	sc->workload.pages = pages;
	sc->network.rtt_ns = 10 * MS;
	sc->network.jitter = AL_DIST_FIXED_AT(0);
	sc->network.bandwidth_bps = 1000000000;
	sc->server.think = AL_DIST_FIXED_AT(2 * MS);
	sc->server.page_size = AL_DIST_FIXED_AT(size);
	sc->models[AL_MODEL_THREAD].workers = 4;
	sc->models[AL_MODEL_THREAD].gil = false;
}

/* fixed(), with the origin server pacing its responses onto a FIFO link
 * from a core of its own (the model has the other) */
static void paced(struct al_scenario *sc, int64_t pages, int64_t size)
{
	fixed(sc, pages, size);
	sc->machine.cores = 2;
	sc->network.link = AL_LINK_FIFO;
	sc->machine.host_server = true;
}

static void run(const struct al_scenario *sc, enum al_model m, struct al_report *r)
{
	char err[256];

	assert_int_equal(sim_run_model(sc, m, r, err, sizeof err), 0);
	assert_int_equal(r->pages_failed, 0);
}

/* One response's bytes on the wire: header and body. */
static int64_t response(int64_t size)
{
	char head[256];

	return al_http_header(head, sizeof head, size) + size;
}

/* The crawler pays `connection` per page, `send` per request and
 * `recv_per_kib` per KiB it receives, on top of what it paid before,
 * whatever the model. */
/* A per-KiB price over a page, exact and without the product's overflow:
 * the largest page (1 GiB) at the largest price the schema takes (60 s a
 * KiB) is 6.4e19 as one product. */
static void test_per_kib_price(void **state)
{
	const int64_t s60 = INT64_C(60000000000);

	(void)state;
	assert_int_equal(al_per_kib_ns(0, 1000), 0);
	assert_int_equal(al_per_kib_ns(1023, 1024), 1023);
	assert_int_equal(al_per_kib_ns(1500, 785), 1500 * 785 / 1024);
	assert_int_equal(al_per_kib_ns(INT64_C(1) << 30, s60), s60 << 20);
	assert_int_equal(al_per_kib_ns((INT64_C(1) << 30) - 1, s60),
			 (s60 << 20) - s60 / 1024);   /* s60 / 1024 is whole */
}

static void test_connection_and_recv_charged(void **state)
{
	static const enum al_model models[] = {
		AL_MODEL_SYNC, AL_MODEL_THREAD, AL_MODEL_CALLBACK, AL_MODEL_ASYNCIO,
	};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
		fixed(&sc, 6, 3000);
		run(&sc, models[i], &a);
		sc.machine.costs.connection_ns = 70 * US;
		sc.machine.costs.recv_ns_per_kib = 1024;        /* 1 ns a byte */
		sc.machine.costs.send_ns = 9 * US;
		run(&sc, models[i], &b);
		int64_t want = 6 * (70 * US + 9 * US + response(3000));
		if (b.cpu_busy_ns - a.cpu_busy_ns != want)
			fail_msg("%s: CPU %lld more, want %lld", al_model_name(models[i]),
				 (long long)(b.cpu_busy_ns - a.cpu_busy_ns), (long long)want);
	}
}

/* On the kernel-TCP path (a packet emulator, own core or shared) the
 * crawler pays tun_connection and tun_send instead of connection and
 * send, where they are measured; with no emulator, or 0 (not measured),
 * the loopback figures. */
static void test_tun_path_prices(void **state)
{
	static const struct {
		enum al_host_emu emu;
		int64_t tun_conn, tun_send, conn, send;  /* what a page pays */
	} cases[] = {
		{AL_HOST_EMU_NONE, 12 * US, 2 * US, 70 * US, 9 * US},
		{AL_HOST_EMU_OWN, 12 * US, 2 * US, 12 * US, 2 * US},
		{AL_HOST_EMU_SHARED, 12 * US, 2 * US, 12 * US, 2 * US},
		{AL_HOST_EMU_OWN, 0, 0, 70 * US, 9 * US},
		{AL_HOST_EMU_OWN, 12 * US, 0, 12 * US, 9 * US},
	};
	static const enum al_model models[] = {AL_MODEL_SYNC, AL_MODEL_CALLBACK};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		for (size_t j = 0; j < sizeof models / sizeof models[0]; j++) {
			fixed(&sc, 5, 3000);
			sc.machine.cores = 2;
			sc.machine.host_emulator = cases[i].emu;
			sc.machine.costs.emulator_packet_ns = 1 * US;
			run(&sc, models[j], &a);
			sc.machine.costs.connection_ns = 70 * US;
			sc.machine.costs.send_ns = 9 * US;
			sc.machine.costs.tun_connection_ns = cases[i].tun_conn;
			sc.machine.costs.tun_send_ns = cases[i].tun_send;
			run(&sc, models[j], &b);
			int64_t want = 5 * (cases[i].conn + cases[i].send);
			if (b.cpu_busy_ns - a.cpu_busy_ns != want)
				fail_msg("case %zu, %s: CPU %lld more, want %lld", i,
					 al_model_name(models[j]),
					 (long long)(b.cpu_busy_ns - a.cpu_busy_ns), (long long)want);
			assert_int_equal(b.checksum, a.checksum);
		}
}

/* On the kernel-TCP path the origin server's page costs it
 * tun_server_request and tun_server_per_kib instead of server_request
 * and server_per_kib, each where measured; with no emulator the loopback
 * figures whatever the profile has.  One page, the server on a core of
 * its own: the response waits for exactly that price. */
static void test_tun_server_prices(void **state)
{
	static const struct {
		enum al_host_emu emu;
		int64_t tun_req, tun_kib;    /* the profile's TUN figures */
		int64_t req, kib;            /* what the page pays */
	} cases[] = {
		{AL_HOST_EMU_NONE, 40 * US, 4096, 100 * US, 1024},
		{AL_HOST_EMU_OWN, 40 * US, 4096, 40 * US, 4096},
		{AL_HOST_EMU_SHARED, 40 * US, 4096, 40 * US, 4096},
		{AL_HOST_EMU_OWN, 0, 0, 100 * US, 1024},
		{AL_HOST_EMU_OWN, 40 * US, 0, 40 * US, 1024},
	};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fixed(&sc, 1, 1000);
		sc.machine.cores = 2;
		sc.machine.host_emulator = cases[i].emu;
		sc.machine.host_server = true;
		run(&sc, AL_MODEL_SYNC, &a);
		sc.machine.costs.server_request_ns = 100 * US;
		sc.machine.costs.server_ns_per_kib = 1024;       /* 1 ns a byte */
		sc.machine.costs.tun_server_request_ns = cases[i].tun_req;
		sc.machine.costs.tun_server_ns_per_kib = cases[i].tun_kib;
		run(&sc, AL_MODEL_SYNC, &b);
		int64_t want = cases[i].req + al_per_kib_ns(response(1000), cases[i].kib);
		if (b.elapsed_ns - a.elapsed_ns != want)
			fail_msg("case %zu: %lld ns later, want %lld", i,
				 (long long)(b.elapsed_ns - a.elapsed_ns), (long long)want);
		assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
		assert_int_equal(b.checksum, a.checksum);
	}
}

/* On a FIFO link the server paces its responses onto the link: its
 * thread's run of the page's price is its write, and the socket's gate
 * does not hold the response for that price a second time.  One page,
 * the server on a core of its own: the response is later by exactly
 * the price (the accept's part at connect, the rest at the write), for
 * every size of page. */
static void test_paced_server_pays_once(void **state)
{
	static const int64_t sizes[] = {0, 1000, 20000};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		paced(&sc, 1, sizes[i]);
		run(&sc, AL_MODEL_SYNC, &a);
		sc.machine.costs.server_request_ns = 100 * US;
		sc.machine.costs.server_ns_per_kib = 1024;       /* 1 ns a byte */
		run(&sc, AL_MODEL_SYNC, &b);
		int64_t want = 100 * US + response(sizes[i]);
		if (b.elapsed_ns - a.elapsed_ns != want)
			fail_msg("page of %lld: %lld ns later, want %lld", (long long)sizes[i],
				 (long long)(b.elapsed_ns - a.elapsed_ns), (long long)want);
		assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
		assert_int_equal(b.checksum, a.checksum);
	}
}

/* A paced server's slot frees when its write returns, not when the pace
 * begins: with one slot, two pages fetched at once are served one after
 * the other, each think + price, so the price delays the second page's
 * response twice (its own, and the first's holding the slot). */
static void test_paced_slot_frees_at_write(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	paced(&sc, 2, 1000);
	sc.server.max_concurrent = 1;
	run(&sc, AL_MODEL_CALLBACK, &a);
	sc.machine.costs.server_request_ns = 500 * US;
	run(&sc, AL_MODEL_CALLBACK, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, 2 * 500 * US);
	assert_int_equal(b.checksum, a.checksum);
}

/* The origin server and a link on the cores: the model's CPU and switches
 * stay its own, and one page waits for both programs' work on it. */
static void test_host_programs_hold_the_response(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	fixed(&sc, 1, 1000);
	run(&sc, AL_MODEL_SYNC, &a);
	sc.machine.host_server = true;
	sc.machine.host_links = 1;
	sc.machine.costs.server_request_ns = 100 * US;
	sc.machine.costs.relay_request_ns = 200 * US;
	sc.machine.costs.server_ns_per_kib = 1024;       /* 1 ns a byte */
	sc.machine.costs.relay_ns_per_kib = 2048;        /* 2 ns a byte */
	run(&sc, AL_MODEL_SYNC, &b);
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
	assert_int_equal(b.context_switches, a.context_switches);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, 300 * US + 3 * response(1000));
	assert_int_equal(b.checksum, a.checksum);
}

/* The server's accept is charged when the client connects: on a core of
 * its own the response then waits only for the rest of the page's work;
 * on the crawler's one core the accept holds up the request's send. */
static void test_server_accepts_at_connect(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	fixed(&sc, 1, 1000);
	sc.machine.cores = 2;
	run(&sc, AL_MODEL_SYNC, &a);
	sc.machine.host_server = true;
	sc.machine.costs.server_request_ns = 100 * US;
	sc.machine.costs.server_accept_ns = 30 * US;
	sc.machine.costs.server_ns_per_kib = 1024;       /* 1 ns a byte */
	run(&sc, AL_MODEL_SYNC, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, 70 * US + response(1000));
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
	/* an accept dearer than the page leaves the response nothing to wait */
	sc.machine.costs.server_accept_ns = 150 * US;
	run(&sc, AL_MODEL_SYNC, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, response(1000));
	/* one core: the crawler's send waits for the accept to run */
	sc.machine.cores = 1;
	sc.machine.costs.server_accept_ns = 30 * US;
	run(&sc, AL_MODEL_SYNC, &b);
	sc.machine.host_server = false;
	run(&sc, AL_MODEL_SYNC, &a);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, 100 * US + response(1000));
}

/* server_wake is charged when the server's thread was asleep as work
 * reached it, never when it was already woken: three pages one after
 * another (sync) wake it three times; three pages whose responses reach
 * it at the same instant (asyncio) once, the later two joining the
 * woken thread.  The server has a core of its own: the responses wait
 * for exactly its work. */
static void test_server_wakes_when_asleep(void **state)
{
	static const struct {
		enum al_model m;
		int64_t wakes;
	} runs[] = {{AL_MODEL_SYNC, 3}, {AL_MODEL_ASYNCIO, 1}};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
		fixed(&sc, 3, 1000);
		sc.machine.cores = 2;
		sc.machine.host_server = true;
		sc.machine.costs.server_request_ns = 100 * US;
		run(&sc, runs[i].m, &a);
		sc.machine.costs.server_wake_ns = 40 * US;
		run(&sc, runs[i].m, &b);
		if (b.elapsed_ns - a.elapsed_ns != runs[i].wakes * 40 * US)
			fail_msg("%s: %lld ns later, want %lld wake-ups' %lld",
				 al_model_name(runs[i].m), (long long)(b.elapsed_ns - a.elapsed_ns),
				 (long long)runs[i].wakes,
				 (long long)(runs[i].wakes * 40 * US));
		assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
		assert_int_equal(b.checksum, a.checksum);
	}
}

/* On the kernel-TCP path with tun_server_request measured, the page's
 * price holds the server's wake-ups (calibrate's batch takes its whole
 * CPU): server_wake is not charged on top.  With the loopback figure
 * (tun_server_request 0) it is, once per page of a sync crawler. */
static void test_tun_price_holds_wakes(void **state)
{
	static const struct {
		enum al_link link;
		int64_t tun_req, wakes;
	} cases[] = {
		{AL_LINK_FIFO, 100 * US, 0}, {AL_LINK_FAIR, 100 * US, 0},
		{AL_LINK_FIFO, 0, 3},
	};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fixed(&sc, 3, 1000);
		sc.machine.cores = 2;
		sc.network.link = cases[i].link;
		sc.machine.host_server = true;
		sc.machine.host_emulator = AL_HOST_EMU_OWN;
		sc.machine.costs.server_request_ns = 100 * US;
		sc.machine.costs.tun_server_request_ns = cases[i].tun_req;
		run(&sc, AL_MODEL_SYNC, &a);
		sc.machine.costs.server_wake_ns = 40 * US;
		run(&sc, AL_MODEL_SYNC, &b);
		if (b.elapsed_ns - a.elapsed_ns != cases[i].wakes * 40 * US)
			fail_msg("case %zu: %lld ns later, want %lld", i,
				 (long long)(b.elapsed_ns - a.elapsed_ns),
				 (long long)(cases[i].wakes * 40 * US));
		assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
		assert_int_equal(b.checksum, a.checksum);
	}
}

/* Pages queue at the link: the second of two pages arriving at once waits
 * for the link's work on the first too. */
static void test_link_is_a_queue(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	fixed(&sc, 2, 1000);
	sc.network.bandwidth_bps = 1000000000000;        /* both arrive at once */
	run(&sc, AL_MODEL_ASYNCIO, &a);
	sc.machine.host_links = 1;
	sc.machine.costs.relay_request_ns = 300 * US;
	run(&sc, AL_MODEL_ASYNCIO, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, 2 * 300 * US);
	/* two links share the pages, but on one core they take turns */
	sc.machine.host_links = 2;
	run(&sc, AL_MODEL_ASYNCIO, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, 2 * 300 * US);
	/* on two cores each page waits for its own link only */
	sc.machine.cores = 2;
	run(&sc, AL_MODEL_ASYNCIO, &b);
	sc.machine.host_links = 0;
	run(&sc, AL_MODEL_ASYNCIO, &a);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, 300 * US);
}

/* The kernel-TCP path's packets per page, as measured on it with no loss
 * (docs/kernel-tcp.md: up + down packets of the emulator's counts for 100
 * pages of 0 B, 4 KiB, 20 KiB, 64 KiB, 10 ms think): 10, 14, 36, 82. */
static void test_emulator_packets_per_page(void **state)
{
	(void)state;
	assert_int_equal(sim_host_emu_packets(response(0)), 10);
	assert_int_equal(sim_host_emu_packets(response(4096)), 14);
	/* past the initial window the FIN rides on the last segment */
	assert_int_equal(sim_host_emu_packets(response(20480)), 37);
	/* past 16 segments the client ACKs every second one */
	assert_int_equal(sim_host_emu_packets(response(65536)), 84);
	/* of which the response's: its segments, and the FIN alone within
	 * the initial window */
	assert_int_equal(sim_host_emu_response(response(4096)), 4);
	assert_int_equal(sim_host_emu_response(response(65536)), 46);
}

/* The packet emulator on a core of its own: one page waits for its
 * connect's packets and its response's, emulator_packet each (the others
 * are carried while it waits anyway), and nobody's CPU pays for them. */
static void test_emulator_holds_the_page(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;
	int64_t n = SIM_HOST_EMU_CONNECT + sim_host_emu_response(response(1000));

	(void)state;
	fixed(&sc, 1, 1000);
	run(&sc, AL_MODEL_SYNC, &a);
	sc.machine.host_emulator = AL_HOST_EMU_OWN;
	sc.machine.costs.emulator_packet_ns = 100 * US;
	run(&sc, AL_MODEL_SYNC, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, n * 100 * US);
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
	assert_int_equal(b.context_switches, a.context_switches);
	assert_int_equal(b.checksum, a.checksum);
	/* on the model's one core the emulator's other packets take it too:
	 * the request waits for its packets' work after the connect, the
	 * crawler's reading for the ACKs and FINs after the response */
	sc.machine.host_emulator = AL_HOST_EMU_SHARED;
	run(&sc, AL_MODEL_SYNC, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns,
			 sim_host_emu_packets(response(1000)) * 100 * US);
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
}

/* emulator_per_kib prices the bytes of what the page waits for: its
 * connect's 2 packets and its response's r, each a 52-byte header, the
 * response's own bytes on top.  At 1 ms a KiB (1 us a byte, no price a
 * packet) the page is late by exactly that many us. */
static void test_emulator_prices_bytes(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;
	int64_t len = response(1000);
	int64_t r = sim_host_emu_response(len);
	int64_t bytes = (SIM_HOST_EMU_CONNECT + r) * 52 + len;

	(void)state;
	fixed(&sc, 1, 1000);
	run(&sc, AL_MODEL_SYNC, &a);
	sc.machine.host_emulator = AL_HOST_EMU_OWN;
	sc.machine.costs.emulator_ns_per_kib = 1024 * US;
	run(&sc, AL_MODEL_SYNC, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, bytes * US);
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
	assert_int_equal(b.checksum, a.checksum);
}

/* Why the passes matter to a loop: ten pages connect at once, and the
 * crawler spends 15 us sending each request and ~44 us parsing each
 * response (40 us a KiB).  One pass carries the ten SYNs, then the ten
 * SYN-ACKs 10 us apart; a round trip later the responses come as close,
 * and a pass writes those that have come back to back, 20 us each.  When
 * the loop is done with one, the next is ready: it sleeps no more often
 * than with no emulator at all.  One queue in arrival order put each
 * connect's request packets behind it, 50 us a page: the loop, done
 * sooner, slept before every connection and every response (20
 * switches against 2). */
static void test_passes_batch_the_loop(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	fixed(&sc, 10, 1000);
	sc.network.bandwidth_bps = 1000000000000;
	sc.machine.costs.parse_ns_per_kib = 40 * US;
	sc.machine.costs.send_ns = 15 * US;
	run(&sc, AL_MODEL_CALLBACK, &a);
	sc.machine.host_emulator = AL_HOST_EMU_OWN;
	sc.machine.costs.emulator_packet_ns = 10 * US;
	run(&sc, AL_MODEL_CALLBACK, &b);
	assert_int_equal(b.context_switches, a.context_switches);
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
}

/* The emulator works in passes (sim/sim_emu.c): a pass takes what has
 * reached it, writes its up packets, then its down ones; what comes
 * meanwhile waits for the next pass.  Two pages connect at once (P = one
 * packet's time): one pass carries both SYNs (2P); each SYN-ACK comes
 * a way after its SYN was written, the first alone in its pass: seen
 * connected at 2P, the second at 3P.  Their requests'
 * packets come half a round trip later, and are carried long before the
 * responses (think 2 ms).  Each response (r = 2 packets) then comes X
 * after its connect, as without the emulator: the first's at 2P + X,
 * alone in its pass, seen at 2P + X + rP = 4P + X.  The second's comes at
 * 3P + X, while that pass writes: it waits for the pass to end (4P + X)
 * and is seen rP later, 6P + X: 6 packets' time in all.  One queue in
 * arrival order (before) had the requests' packets between the two
 * connects: 9. */
static void test_emulator_works_in_passes(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;
	int64_t r = sim_host_emu_response(response(1000));

	assert_int_equal(r, 2);

	(void)state;
	fixed(&sc, 2, 1000);
	sc.network.bandwidth_bps = 1000000000000;        /* both arrive at once */
	run(&sc, AL_MODEL_ASYNCIO, &a);
	sc.machine.host_emulator = AL_HOST_EMU_OWN;
	sc.machine.costs.emulator_packet_ns = 100 * US;
	run(&sc, AL_MODEL_ASYNCIO, &b);
	/* less the few ns by which the second response trailed the first on
	 * the link without the emulator, a wait the pass now covers */
	int64_t n = SIM_HOST_EMU_CONNECT + 2 * r;
	assert_in_range(b.elapsed_ns - a.elapsed_ns, n * 100 * US - 100, n * 100 * US);
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
}

/* A pass writes every packet due by its start, as the real loop's
 * flush() does (net/net_emu_loop.c); only its reads are 64 a device.
 * Eighty pages connect at once over a 20 us round trip (10 us a way), P
 * = 10 us a packet; times from when the SYNs reach the emulator.  One
 * pass writes the 80 SYNs, the i-th at (i + 1) P; its SYN-ACK is due a
 * way (1 P) later.  The next pass, at 80 P, writes the 79 due by then:
 * the i-th seen at (80 + i + 1) P, the 40th (the median) at 120 P, a
 * connect of 120 + 1 - 2 = 119 P more than the round trip.  The last
 * SYN-ACK, due at 81 P, waits for the third pass, at 159 P, behind the
 * requests that came meanwhile (the first 78 pages', 2 packets each, up
 * first): seen at 159 + 156 + 1 = 316 P, 315 P more.  Writing 64 a pass
 * at most put only 32 requests ahead of it (209 P). */
static void test_pass_writes_all_due(void **state)
{
	const int64_t p = 10 * US;
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	fixed(&sc, 80, 1000);
	sc.network.rtt_ns = 2 * p;
	sc.server.think = AL_DIST_FIXED_AT(0);
	sc.network.bandwidth_bps = 1000000000000;
	run(&sc, AL_MODEL_ASYNCIO, &a);
	sc.machine.host_emulator = AL_HOST_EMU_OWN;
	sc.machine.costs.emulator_packet_ns = p;
	run(&sc, AL_MODEL_ASYNCIO, &b);
	assert_int_equal(a.latency.of[AL_LAT_CONNECT].max_ns, sc.network.rtt_ns);
	assert_int_equal(b.latency.of[AL_LAT_CONNECT].p50_ns - sc.network.rtt_ns, 119 * p);
	assert_int_equal(b.latency.of[AL_LAT_CONNECT].max_ns - sc.network.rtt_ns, 315 * p);
}

/* The client's answers are chained, and take their turn: one page at a
 * time (sync), P a packet.  A page is seen when its response (its
 * segment, its FIN: 2 P) is written; the client's ACK and FIN (2 P up)
 * reach the emulator d-up later, with the next page's SYN, sent as the
 * page was seen, behind them: the SYN is written at d-up + 3 P.  The
 * server's ACK of the FIN comes d-down after the FIN was written, rtt +
 * 2 P; the SYN-ACK d-down after the SYN, rtt + 3 P, and waits for the
 * ACK's pass: seen at rtt + 4 P.  The first page's connect, with nothing
 * ahead: rtt + 2 P.  Unchained, the server's ACK came at rtt whatever
 * the FIN's wait. */
static void test_answers_take_their_turn(void **state)
{
	const int64_t p = 100 * US;
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	fixed(&sc, 3, 1000);
	sc.network.bandwidth_bps = 1000000000000;
	run(&sc, AL_MODEL_SYNC, &a);
	sc.machine.host_emulator = AL_HOST_EMU_OWN;
	sc.machine.costs.emulator_packet_ns = p;
	run(&sc, AL_MODEL_SYNC, &b);
	assert_int_equal(a.latency.of[AL_LAT_CONNECT].max_ns, sc.network.rtt_ns);
	assert_int_equal(b.latency.of[AL_LAT_CONNECT].p50_ns, sc.network.rtt_ns + 4 * p);
	assert_int_equal(b.latency.of[AL_LAT_CONNECT].max_ns, sc.network.rtt_ns + 4 * p);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, (2 + 2) * p + 2 * (4 + 2) * p);
}

/* Linux's EEVDF between the crawler and a host's program: a thread keeps
 * the core to the tick after its base slice (0.7 ms x (1 + log2 CPUs), 8
 * CPUs at most), or past that slice until the other wakes. */
static void test_turn_end(void **state)
{
	struct al_costs c = {.time_slice_ns = 4 * MS};
	struct sim_kernel k = {.ncores = 1, .c = &c};

	(void)state;
	assert_int_equal(sim_kernel_base_slice(&k), 700 * US);
	assert_int_equal(sim_kernel_turn_end(&k, 1 * MS, 0), 4 * MS);
	/* a wake-up within the slice waits for the tick, one past it not */
	assert_int_equal(sim_kernel_turn_end(&k, 1 * MS, 1500 * US), 4 * MS);
	assert_int_equal(sim_kernel_turn_end(&k, 1 * MS, 2 * MS), 2 * MS);
	assert_int_equal(sim_kernel_turn_end(&k, 3500 * US, 0), 8 * MS);
	k.ncores = 2;
	assert_int_equal(sim_kernel_base_slice(&k), 1400 * US);
	assert_int_equal(sim_kernel_turn_end(&k, 3 * MS, 0), 8 * MS);
	k.ncores = 64;
	assert_int_equal(sim_kernel_base_slice(&k), 2800 * US);
}

/* The server runs a page's work when it has the core.  Two pages 200 us
 * apart (the server thinks on one at a time), the crawler 500 us on
 * each, the server S = 100 us: the first's S runs at once (the crawler
 * sleeps); the second arrives while the crawler computes the first, and
 * its S waits for the crawler to give up the core (its wait finds
 * nothing: it sleeps) -- both pages' S are on the one core's path.  A
 * server whose queue ignored the core (before) had the second's done
 * while the crawler computed: +S only. */
static void test_server_waits_for_its_turn(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	fixed(&sc, 2, 500);
	sc.server.max_concurrent = 1;
	sc.server.think = AL_DIST_FIXED_AT(200 * US);
	sc.machine.cores = 1;
	sc.machine.costs.parse_ns_per_kib = 500 * US;   /* a page is < 1 KiB */
	run(&sc, AL_MODEL_CALLBACK, &a);
	sc.machine.host_server = true;
	sc.machine.costs.server_request_ns = 100 * US;
	run(&sc, AL_MODEL_CALLBACK, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, 2 * 100 * US);
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
	/* the crawler slept once more, for the second page's work */
	assert_int_equal(b.context_switches - a.context_switches, 1);
}

/* With the server and links the run is still a function of its scenario. */
static void test_same_twice(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	al_scenario_default(&sc);
	sc.workload.pages = 50;
	sc.machine.cores = 2;
	sc.machine.host_server = true;
	sc.machine.host_links = 2;
	sc.machine.host_emulator = AL_HOST_EMU_SHARED;
	sc.machine.costs.emulator_packet_ns = 9 * US;
	sc.machine.costs.connection_ns = 20 * US;
	sc.machine.costs.recv_ns_per_kib = 400;
	sc.machine.costs.send_ns = 30 * US;
	sc.machine.costs.server_request_ns = 40 * US;
	sc.machine.costs.server_accept_ns = 18 * US;
	sc.machine.costs.relay_request_ns = 170 * US;
	sc.machine.costs.server_ns_per_kib = 1100;
	sc.machine.costs.relay_ns_per_kib = 5000;
	for (int m = 0; m < AL_MODEL_COUNT; m++) {
		if (m == AL_MODEL_NONBLOCKING)
			continue;    /* spins through 50 pages of 300 ms: slow, same path */
		run(&sc, (enum al_model)m, &a);
		run(&sc, (enum al_model)m, &b);
		assert_memory_equal(&a, &b, sizeof a);
		assert_true(a.trace_hash != 0);
	}
}

/* A link that drops while the paced server's write of a page is queued
 * behind its thread's turn: the write's end finds the flow reset and
 * sends nothing (the run once aborted there).  The crawler, kept busy
 * by its parse, holds the server's thread off the second core past the
 * drop; every page ends, ok or failed. */
static void test_paced_write_after_link_down(void **state)
{
	struct al_scenario sc;
	struct al_report r;
	char err[256];

	(void)state;
	paced(&sc, 50, 8192);
	sc.network.bandwidth_bps = 100000000;
	sc.server.think = AL_DIST_FIXED_AT(1 * MS);
	sc.machine.costs.server_request_ns = 5 * MS;
	sc.machine.costs.server_ns_per_kib = 1 * MS;
	sc.machine.costs.parse_ns_per_kib = 10 * MS;
	sc.nevents = 2;
	sc.events[0] = (struct al_event_cfg){.at_ns = 333 * MS, .set = AL_EV_LINK_DOWN};
	sc.events[1] = (struct al_event_cfg){.at_ns = 400 * MS, .set = AL_EV_LINK_UP};
	assert_int_equal(sim_run_model(&sc, AL_MODEL_CALLBACK, &r, err, sizeof err), 0);
	assert_true(r.pages_failed > 0);
	assert_int_equal(r.pages_ok + r.pages_failed, 50);
}

/* A paced server's page whose link drops while the server thinks it
 * over was never written: its reset reaches the crawler as soon without
 * a server price as with one (the server's work is its write's alone,
 * not the gate's).  One page: the request reaches the server at 15 ms,
 * its think ends at 17; the link drops at 16. */
static void test_paced_unwritten_costs_nothing(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;
	char err[256];

	(void)state;
	paced(&sc, 1, 1000);
	sc.nevents = 2;
	sc.events[0] = (struct al_event_cfg){.at_ns = 16 * MS, .set = AL_EV_LINK_DOWN};
	sc.events[1] = (struct al_event_cfg){.at_ns = 100 * MS, .set = AL_EV_LINK_UP};
	assert_int_equal(sim_run_model(&sc, AL_MODEL_SYNC, &a, err, sizeof err), 0);
	sc.machine.costs.server_request_ns = 500 * US;
	sc.machine.costs.server_ns_per_kib = 1024;
	assert_int_equal(sim_run_model(&sc, AL_MODEL_SYNC, &b, err, sizeof err), 0);
	assert_int_equal(a.pages_failed, 1);
	assert_int_equal(b.pages_failed, 1);
	assert_int_equal(b.elapsed_ns, a.elapsed_ns);
}

/* A paced server's write is the page's price less the accept, which it
 * paid at connect (on its own core, long before the request): one page
 * of a sync crawler is later by exactly server_request - server_accept
 * and the per-KiB part than with no server price at all. */
static void test_paced_write_less_accept(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	paced(&sc, 1, 1000);
	run(&sc, AL_MODEL_SYNC, &a);
	sc.machine.costs.server_accept_ns = 40 * US;
	sc.machine.costs.server_request_ns = 100 * US;
	sc.machine.costs.server_ns_per_kib = 1024;       /* 1 ns a byte */
	run(&sc, AL_MODEL_SYNC, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, 60 * US + response(1000));
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
	assert_int_equal(b.checksum, a.checksum);
}

/* The kernel-TCP path's server price on a FIFO link, the emulator on a
 * core of its own: the paced write is tun_server_request and
 * tun_server_per_kib, not the loopback figures, and on top of the
 * emulator's own work (the same in both runs). */
static void test_paced_tun_prices(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	paced(&sc, 1, 1000);
	sc.machine.host_emulator = AL_HOST_EMU_OWN;
	sc.machine.costs.emulator_packet_ns = 1 * US;
	run(&sc, AL_MODEL_SYNC, &a);
	sc.machine.costs.server_request_ns = 100 * US;
	sc.machine.costs.server_ns_per_kib = 1024;
	sc.machine.costs.tun_server_request_ns = 40 * US;
	sc.machine.costs.tun_server_ns_per_kib = 4096;   /* 4 ns a byte */
	run(&sc, AL_MODEL_SYNC, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns,
			 40 * US + al_per_kib_ns(response(1000), 4096));
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
	assert_int_equal(b.checksum, a.checksum);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_kib_price),
		cmocka_unit_test(test_connection_and_recv_charged),
		cmocka_unit_test(test_host_programs_hold_the_response),
		cmocka_unit_test(test_link_is_a_queue),
		cmocka_unit_test(test_server_accepts_at_connect),
		cmocka_unit_test(test_server_wakes_when_asleep),
		cmocka_unit_test(test_emulator_packets_per_page),
		cmocka_unit_test(test_emulator_prices_bytes),
		cmocka_unit_test(test_tun_path_prices),
		cmocka_unit_test(test_tun_server_prices),
		cmocka_unit_test(test_tun_price_holds_wakes),
		cmocka_unit_test(test_paced_server_pays_once),
		cmocka_unit_test(test_paced_slot_frees_at_write),
		cmocka_unit_test(test_paced_write_after_link_down),
		cmocka_unit_test(test_paced_unwritten_costs_nothing),
		cmocka_unit_test(test_paced_write_less_accept),
		cmocka_unit_test(test_paced_tun_prices),
		cmocka_unit_test(test_emulator_holds_the_page),
		cmocka_unit_test(test_emulator_works_in_passes),
		cmocka_unit_test(test_passes_batch_the_loop),
		cmocka_unit_test(test_pass_writes_all_due),
		cmocka_unit_test(test_answers_take_their_turn),
		cmocka_unit_test(test_turn_end),
		cmocka_unit_test(test_server_waits_for_its_turn),
		cmocka_unit_test(test_same_twice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
