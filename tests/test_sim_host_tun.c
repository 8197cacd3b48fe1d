/* The kernel-TCP path's costs in the simulator (sim/sim_host.c): a packet
 * emulator on the path, its tun_* prices for the crawler and the origin
 * server, asleep or awake, and the emulator's work for one page.  What
 * they add is derived here by formula from the cost table and checked
 * against the runs, to the nanosecond.  The loopback path's prices and
 * the host's other programs are tests/test_sim_host.c; the packet
 * emulator's own tests tests/test_sim_emu.c. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "sim/sim_kernel.h"
#include "sim/sim_os.h"

#include "tests/sim_host_world.h"

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

/* A packet that finds the emulator awake pays tun_connection_busy or
 * tun_send_busy: the thread handed it another in the same burst.  The
 * blocking crawler's connect and send each come after a wait (asleep:
 * the figures change nothing); an event loop connects its 5 pages in one
 * burst (the first wakes the emulator, 4 find it awake), and sends each
 * request in a burst of its own, as the emulator writes the 5 SYN-ACKs
 * a microsecond apart.  0 (not measured): the asleep price for all. */
static void test_tun_busy_prices(void **state)
{
	static const struct {
		enum al_model model;
		int64_t conn_busy, send_busy;  /* the profile's */
		int64_t less;                  /* CPU less than with neither */
	} cases[] = {
		{AL_MODEL_SYNC, 5 * US, 1 * US, 0},
		{AL_MODEL_CALLBACK, 5 * US, 0, 4 * (12 - 5) * US},
		{AL_MODEL_CALLBACK, 0, 1 * US, 0},
		{AL_MODEL_CALLBACK, 5 * US, 1 * US, 4 * (12 - 5) * US},
		{AL_MODEL_ASYNCIO, 5 * US, 1 * US, 4 * (12 - 5) * US},
		/* dearer awake than asleep (a noisy profile): asleep's */
		{AL_MODEL_CALLBACK, 20 * US, 1 * US, 0},
	};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fixed(&sc, 5, 3000);
		sc.machine.cores = 2;
		sc.machine.host_emulator = AL_HOST_EMU_OWN;
		sc.machine.costs.emulator_packet_ns = 1 * US;
		sc.machine.costs.tun_connection_ns = 12 * US;
		sc.machine.costs.tun_send_ns = 2 * US;
		run(&sc, cases[i].model, &a);
		sc.machine.costs.tun_connection_busy_ns = cases[i].conn_busy;
		sc.machine.costs.tun_send_busy_ns = cases[i].send_busy;
		run(&sc, cases[i].model, &b);
		if (a.cpu_busy_ns - b.cpu_busy_ns != cases[i].less)
			fail_msg("case %zu, %s: CPU %lld less, want %lld", i,
				 al_model_name(cases[i].model),
				 (long long)(a.cpu_busy_ns - b.cpu_busy_ns), (long long)cases[i].less);
		assert_int_equal(b.checksum, a.checksum);
	}
	/* without an emulator (loopback, the relay) neither is used */
	fixed(&sc, 5, 3000);
	run(&sc, AL_MODEL_CALLBACK, &a);
	sc.machine.costs.tun_connection_busy_ns = 5 * US;
	sc.machine.costs.tun_send_busy_ns = 1 * US;
	run(&sc, AL_MODEL_CALLBACK, &b);
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
}

/* The close's part of a connection, where priced apart (tun_close,
 * tun_close_busy), is paid when the crawler closes, and the connect pays
 * the rest.  A blocking crawler's packets all find the emulator asleep
 * (its close comes after the wait for the response, its next connect
 * after a close, as in calibrate's asleep client): its CPU is the same
 * to the nanosecond (sync's run too).  An event loop connects its 5
 * pages in one burst, which now ends 1 + 4 closes' parts sooner (3 and
 * 1 us less); its first two responses come alone, each close after a
 * block (asleep), the last three in one wake-up, the emulator's pass
 * having written them together: the first close of that burst asleep,
 * the next two awake.  CPU (3 x 3 + 2 x 1) - (3 + 4 x 1) us more. */
static void test_tun_close_apart(void **state)
{
	static const struct {
		enum al_model model;
		int64_t more;                  /* CPU more than without them */
	} cases[] = {
		{AL_MODEL_SYNC, 0},
		{AL_MODEL_THREAD, 0},
		{AL_MODEL_CALLBACK, (3 * 3 + 2 * 1 - (3 + 4 * 1)) * US},
		{AL_MODEL_GENERATOR, (3 * 3 + 2 * 1 - (3 + 4 * 1)) * US},
		{AL_MODEL_ASYNCIO, (3 * 3 + 2 * 1 - (3 + 4 * 1)) * US},
	};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fixed(&sc, 5, 3000);
		sc.machine.cores = 2;
		sc.machine.host_emulator = AL_HOST_EMU_OWN;
		sc.machine.costs.emulator_packet_ns = 1 * US;
		sc.machine.costs.tun_connection_ns = 12 * US;
		sc.machine.costs.tun_send_ns = 2 * US;
		sc.machine.costs.tun_connection_busy_ns = 5 * US;
		sc.machine.costs.tun_send_busy_ns = 1 * US;
		run(&sc, cases[i].model, &a);
		sc.machine.costs.tun_close_ns = 3 * US;
		sc.machine.costs.tun_close_busy_ns = 1 * US;
		run(&sc, cases[i].model, &b);
		if (b.cpu_busy_ns - a.cpu_busy_ns != cases[i].more)
			fail_msg("case %zu, %s: CPU %lld more, want %lld", i,
				 al_model_name(cases[i].model),
				 (long long)(b.cpu_busy_ns - a.cpu_busy_ns), (long long)cases[i].more);
		assert_int_equal(b.checksum, a.checksum);
		if (cases[i].model == AL_MODEL_SYNC)
			assert_int_equal(b.elapsed_ns, a.elapsed_ns);
		/* every connect's SYN leaves sooner, by its close's part */
		assert_true(b.latency.of[AL_LAT_CONNECT].max_ns < a.latency.of[AL_LAT_CONNECT].max_ns);
	}
	/* one of the two not measured, or not under its connection's
	 * figure: the connect pays the whole, as before */
	static const int64_t half[][2] = {{3 * US, 0}, {0, 1 * US}, {12 * US, 1 * US},
					  {3 * US, 5 * US}};
	for (size_t i = 0; i < sizeof half / sizeof half[0]; i++) {
		fixed(&sc, 5, 3000);
		sc.machine.cores = 2;
		sc.machine.host_emulator = AL_HOST_EMU_OWN;
		sc.machine.costs.emulator_packet_ns = 1 * US;
		sc.machine.costs.tun_connection_ns = 12 * US;
		sc.machine.costs.tun_connection_busy_ns = 5 * US;
		run(&sc, AL_MODEL_ASYNCIO, &a);
		sc.machine.costs.tun_close_ns = half[i][0];
		sc.machine.costs.tun_close_busy_ns = half[i][1];
		run(&sc, AL_MODEL_ASYNCIO, &b);
		assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
		assert_int_equal(b.elapsed_ns, a.elapsed_ns);
	}
	/* without an emulator neither is used */
	fixed(&sc, 5, 3000);
	run(&sc, AL_MODEL_ASYNCIO, &a);
	sc.machine.costs.tun_close_ns = 3 * US;
	sc.machine.costs.tun_close_busy_ns = 1 * US;
	run(&sc, AL_MODEL_ASYNCIO, &b);
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
	assert_int_equal(b.elapsed_ns, a.elapsed_ns);
}

/* tun_apart: with the emulator on a core of its own, a TUN packet the
 * crawler sends at the asleep price (its first since it blocked, the
 * emulator between passes) pays that much more: a blocking crawler's
 * every connect, send and close, 3 a page (2 where the close is not
 * priced apart: its FIN is then the connect's, close_apart).  An event
 * loop's later packets of a burst find the emulator awake and pay
 * nothing more, whatever the busy figures: some of its packets, fewer
 * than its 10 connects and sends (the CPU added moves its wake-ups a
 * little, so not an exact multiple).  With the emulator on the model's cores
 * (shared), or no TUN figure (the connect's loopback price), nothing. */
static void test_tun_apart(void **state)
{
	static const enum al_host_emu where[] = {AL_HOST_EMU_OWN, AL_HOST_EMU_SHARED};
	/* the profile's busy figures: measured, none (0: calibrate's "not
	 * measured"), above the asleep ones (noise): an awake emulator is
	 * never woken across CPUs, whichever its packet pays */
	static const int64_t busy[][3] = {{5 * US, 1 * US, 1 * US}, {0, 0, 0},
					  {20 * US, 4 * US, 5 * US}};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t w = 0; w < 2; w++)
		for (size_t k = 0; k < 3; k++)
			for (int loop = 0; loop < 2; loop++) {
				enum al_model m = loop ? AL_MODEL_CALLBACK : AL_MODEL_SYNC;
				fixed(&sc, 5, 3000);
				sc.machine.cores = 2;
				sc.machine.host_emulator = where[w];
				sc.machine.costs.emulator_packet_ns = 1 * US;
				sc.machine.costs.tun_connection_ns = 12 * US;
				sc.machine.costs.tun_send_ns = 2 * US;
				sc.machine.costs.tun_connection_busy_ns = busy[k][0];
				sc.machine.costs.tun_send_busy_ns = busy[k][1];
				sc.machine.costs.tun_close_ns = 3 * US;
				sc.machine.costs.tun_close_busy_ns = busy[k][2];
				run(&sc, m, &a);
				sc.machine.costs.tun_apart_ns = 7 * US;
				run(&sc, m, &b);
				int64_t more = b.cpu_busy_ns - a.cpu_busy_ns;
				assert_int_equal(b.checksum, a.checksum);
				if (where[w] == AL_HOST_EMU_SHARED)
					assert_int_equal(more, 0);
				else if (!loop)  /* the close's FIN where priced apart */
					assert_int_equal(more, 5 * (k == 1 ? 2 : 3) * 7 * US);
				else if (more < 7 * US || more >= 5 * 2 * 7 * US)
					fail_msg("callback, busy %zu: CPU %lld more, want a burst's "
						 "first packets' 7 us, fewer than its 10 connects "
						 "and sends", k, (long long)more);
			}
	/* no TUN figures: the emulator's path is priced as loopback's */
	fixed(&sc, 5, 3000);
	sc.machine.cores = 2;
	sc.machine.host_emulator = AL_HOST_EMU_OWN;
	sc.machine.costs.emulator_packet_ns = 1 * US;
	run(&sc, AL_MODEL_SYNC, &a);
	sc.machine.costs.tun_apart_ns = 7 * US;
	run(&sc, AL_MODEL_SYNC, &b);
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
}

/* The send side of the rule: with a wake-up latency (100 us) longer than
 * the 5 SYN-ACKs take to come (the loop's 5 connects, 12 us each, space
 * its SYNs), an event loop finds all 5 ready when it runs and sends the
 * 5 requests in one burst:
 * the first wakes the emulator, 4 find it awake and pay tun_send_busy.
 * The blocking crawler still sends once a burst: nothing less. */
static void test_tun_busy_sends(void **state)
{
	static const struct {
		enum al_model model;
		int64_t less;                  /* CPU less than without it */
	} cases[] = {
		{AL_MODEL_SYNC, 0},
		{AL_MODEL_CALLBACK, 4 * (2 - 1) * US},
		{AL_MODEL_GENERATOR, 4 * (2 - 1) * US},
		{AL_MODEL_ASYNCIO, 4 * (2 - 1) * US},
	};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fixed(&sc, 5, 3000);
		sc.machine.cores = 2;
		sc.machine.host_emulator = AL_HOST_EMU_OWN;
		sc.machine.costs.wakeup_ns = 100 * US;
		sc.machine.costs.emulator_packet_ns = 1 * US;
		sc.machine.costs.tun_connection_ns = 12 * US;
		sc.machine.costs.tun_send_ns = 2 * US;
		run(&sc, cases[i].model, &a);
		sc.machine.costs.tun_send_busy_ns = 1 * US;
		run(&sc, cases[i].model, &b);
		if (a.cpu_busy_ns - b.cpu_busy_ns != cases[i].less)
			fail_msg("case %zu, %s: CPU %lld less, want %lld", i,
				 al_model_name(cases[i].model),
				 (long long)(a.cpu_busy_ns - b.cpu_busy_ns), (long long)cases[i].less);
		assert_int_equal(b.checksum, a.checksum);
	}
}

/* A new burst without a block keeps the emulator awake.  An event loop
 * connects 2 pages (12 us each: the second finds the emulator awake)
 * over a 2 us round trip: the first SYN-ACK is back before the second
 * connect ends, so the loop goes on in a new burst without blocking and
 * sends the first request to an emulator still awake; the second
 * SYN-ACK comes after the loop blocked.  Over 8 us both come after it
 * blocked: only the second connect pays the busy price. */
static void test_tun_busy_until_block(void **state)
{
	static const struct {
		int64_t rtt;
		int64_t less;                  /* CPU less than without them */
	} cases[] = {
		{2 * US, (12 - 5) * US + (2 - 1) * US},
		{8 * US, (12 - 5) * US},
	};
	static const enum al_model models[] = {
		AL_MODEL_CALLBACK, AL_MODEL_GENERATOR, AL_MODEL_ASYNCIO,
	};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		for (size_t j = 0; j < sizeof models / sizeof models[0]; j++) {
			fixed(&sc, 2, 3000);
			sc.network.rtt_ns = cases[i].rtt;
			sc.machine.cores = 2;
			sc.machine.host_emulator = AL_HOST_EMU_OWN;
			sc.machine.costs.emulator_packet_ns = 1 * US;
			sc.machine.costs.tun_connection_ns = 12 * US;
			sc.machine.costs.tun_send_ns = 2 * US;
			run(&sc, models[j], &a);
			sc.machine.costs.tun_connection_busy_ns = 5 * US;
			sc.machine.costs.tun_send_busy_ns = 1 * US;
			run(&sc, models[j], &b);
			if (a.cpu_busy_ns - b.cpu_busy_ns != cases[i].less)
				fail_msg("case %zu, %s: CPU %lld less, want %lld", i,
					 al_model_name(models[j]),
					 (long long)(a.cpu_busy_ns - b.cpu_busy_ns),
					 (long long)cases[i].less);
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

/* The server accepts a connection when the handshake's ACK reaches it
 * (accept() returns what the kernel completed), not when the client
 * sees its SYN-ACK: on the kernel-TCP path half a round trip later,
 * through the emulator's passes (own core, none of its work priced here)
 * or the path's half round trip (shared); over loopback (no emulator) at
 * the connect.  One page, the server on a core of its own: an accept of
 * 30 ms holds up the write of the page (1 ms, the request's price less
 * the accept) that the request's arrival and 2 ms of think would give
 * at once; the accept ends 30 ms after it began, so the response is
 * later by 30 + 1 - 2 ms where the accept came with the request, 5 ms
 * (rtt / 2) less where it came at the connect. */
static void test_accept_at_handshake_ack(void **state)
{
	static const struct {
		enum al_host_emu emu;
		int64_t later;
	} cases[] = {
		{AL_HOST_EMU_OWN, 29 * MS},
		{AL_HOST_EMU_SHARED, 29 * MS},
		{AL_HOST_EMU_NONE, 24 * MS},
	};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		paced(&sc, 1, 1000);
		sc.machine.cores = 3;   /* shared: the server still has a core */
		sc.machine.host_emulator = cases[i].emu;
		run(&sc, AL_MODEL_SYNC, &a);
		sc.machine.costs.server_accept_ns = 30 * MS;
		sc.machine.costs.server_request_ns = 31 * MS;
		run(&sc, AL_MODEL_SYNC, &b);
		if (b.elapsed_ns - a.elapsed_ns != cases[i].later)
			fail_msg("case %zu: %lld ns later, want %lld", i,
				 (long long)(b.elapsed_ns - a.elapsed_ns),
				 (long long)cases[i].later);
		assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
		assert_int_equal(b.checksum, a.checksum);
	}
}

/* With the emulator sharing the cores, the handshake's ACK leaves when
 * the client sees its SYN-ACK, behind the emulator's backlog: the accept
 * half a round trip after that, never before the client has its
 * connect.  As above, one page, the server on a core of its own, the
 * emulator 4 ms a packet: the network connects at 10 ms, the crawler
 * sees it at 18 ms (the SYN and SYN-ACK's 8 ms), the ACK reaches the
 * server at 23 ms; the request is there for the write at 25 ms (2 ms of
 * think), behind the accept of 30 ms: its 1 ms ends at 54 ms, 29 ms
 * later than with no price.  An accept at the network's connect + 5 ms
 * (15 ms) would be 21 ms. */
static void test_accept_after_emulator_backlog(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	paced(&sc, 1, 1000);
	sc.machine.cores = 3;
	sc.machine.host_emulator = AL_HOST_EMU_SHARED;
	sc.machine.costs.emulator_packet_ns = 4 * MS;
	run(&sc, AL_MODEL_SYNC, &a);
	sc.machine.costs.server_accept_ns = 30 * MS;
	sc.machine.costs.server_request_ns = 31 * MS;
	run(&sc, AL_MODEL_SYNC, &b);
	assert_int_equal(b.elapsed_ns - a.elapsed_ns, 29 * MS);
	assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
	assert_int_equal(b.checksum, a.checksum);
}

/* On the kernel-TCP path with tun_server_request measured, the accept
 * is tun_server_accept where measured (else server_accept, the
 * loopback's), charged when the ACK reaches the server and taken off
 * the write.  One page, as above: an accept of 1 ms ends before the
 * think (2 ms), the write of 30 ms follows it, 30 ms later than with
 * no price; server_accept's 20 ms would leave a write of 11 ms behind
 * an accept that ends at 25 ms, 29 ms later.  Without
 * tun_server_request the loopback pair holds, tun_server_accept or not;
 * and over loopback (no emulator) whatever the tun_* figures: the accept
 * of 20 ms at the connect, 5 ms before the request's arrival, the write
 * of 11 ms after it, 24 ms later (tun_server_accept's 1 ms would give
 * 30 ms). */
static void test_tun_server_accept(void **state)
{
	static const struct {
		enum al_host_emu emu;
		int64_t tun_req, tun_acc, later;
	} cases[] = {
		{AL_HOST_EMU_OWN, 31 * MS, 1 * MS, 30 * MS},
		{AL_HOST_EMU_OWN, 31 * MS, 0, 29 * MS},
		{AL_HOST_EMU_OWN, 0, 1 * MS, 29 * MS},
		{AL_HOST_EMU_NONE, 31 * MS, 1 * MS, 24 * MS},
	};
	struct al_scenario sc;
	struct al_report a, b;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		paced(&sc, 1, 1000);
		sc.machine.host_emulator = cases[i].emu;
		run(&sc, AL_MODEL_SYNC, &a);
		sc.machine.costs.server_accept_ns = 20 * MS;
		sc.machine.costs.server_request_ns = 31 * MS;
		sc.machine.costs.tun_server_request_ns = cases[i].tun_req;
		sc.machine.costs.tun_server_accept_ns = cases[i].tun_acc;
		run(&sc, AL_MODEL_SYNC, &b);
		if (b.elapsed_ns - a.elapsed_ns != cases[i].later)
			fail_msg("case %zu: %lld ns later, want %lld", i,
				 (long long)(b.elapsed_ns - a.elapsed_ns),
				 (long long)cases[i].later);
		assert_int_equal(b.cpu_busy_ns, a.cpu_busy_ns);
	}
}

/* The packet emulator on a core of its own: a connect that never
 * happens (the server, serving one page with no backlog, refuses the
 * second) brings no answers to its SYN-ACK -- the handshake's ACK, the
 * request, the server's ACK -- into the emulator's passes and backlog.
 * At 5 ms a packet its SYN and SYN-ACK are carried while the first page
 * waits anyway, and the run ends with the first page's: as one page
 * alone.  Answered from the SYN (review of stop 28), its three phantom
 * packets held the first page's response 10 ms. */
static void test_refused_connect_answers_nothing(void **state)
{
	struct al_scenario sc;
	struct al_report a, b;
	char err[256];

	(void)state;
	fixed(&sc, 2, 1000);
	sc.server.max_concurrent = 1;
	sc.server.backlog = 0;
	sc.server.overflow = AL_OVERFLOW_REFUSE;
	sc.machine.host_emulator = AL_HOST_EMU_OWN;
	sc.machine.costs.emulator_packet_ns = 5 * MS;
	assert_int_equal(sim_run_model(&sc, AL_MODEL_ASYNCIO, &b, err, sizeof err), 0);
	assert_int_equal(b.pages_ok, 1);
	assert_int_equal(b.pages_failed, 1);
	sc.workload.pages = 1;
	run(&sc, AL_MODEL_ASYNCIO, &a);
	assert_int_equal(b.elapsed_ns, a.elapsed_ns);
}

/* The packet emulator on a core of its own, one page step by step: when
 * the network connects it the backlog the simulated TCP sees holds the
 * connect's packets (SYN, SYN-ACK) only -- the handshake's answers come
 * half a round trip later, through the passes -- and over the page the
 * emulator's queue takes each of the page's packets once (sim_host.c
 * queues none of the answers the passes carry). */
static void test_page_work_once(void **state)
{
	const int64_t p = 100 * US;
	struct al_scenario sc;
	struct al_loop loop;
	struct sim_os *s = calloc(1, sizeof *s);
	char buf[4096];
	int64_t r, got = 0;

	(void)state;
	assert_non_null(s);
	fixed(&sc, 1, 1000);
	sc.workload.timeout_ns = 0;
	sc.machine.host_emulator = AL_HOST_EMU_OWN;
	sc.machine.costs.emulator_packet_ns = p;
	al_loop_init(&loop, NULL);
	assert_int_equal(sim_os_init(s, &sc, &loop, NULL), 0);
	struct al_os *os = &s->os;
	int fd = (int)os->ops->socket(os, 1);
	assert_int_equal(os->ops->connect(os, fd, 0, NULL), -EINPROGRESS);
	struct sim_sock *k = sim_sock_at(s, fd);
	struct sim_gate *g = sim_gate_of(s, k);
	if (!g)
		fail_msg("no gate: the host programs are off");
	while (g && !g->conn)
		assert_int_equal(os->ops->wait(os), 1);
	assert_int_equal(s->now, sc.network.rtt_ns);
	assert_int_equal(sim_emu_backlog(s, s->now), SIM_HOST_EMU_CONNECT * p);
	assert_int_equal(s->emu_work, SIM_HOST_EMU_CONNECT * p);
	while ((r = os->ops->send(os, fd, "GET / HTTP/1.0\r\n\r\n", 18, NULL)) == -EAGAIN)
		assert_int_equal(os->ops->wait(os), 1);
	assert_int_equal(r, 18);
	while ((r = os->ops->recv(os, fd, buf, sizeof buf, NULL)) != 0) {
		if (r > 0)
			got += r;
		else
			assert_int_equal(os->ops->wait(os), 1);
	}
	assert_int_equal(got, response(1000));
	os->ops->close(os, fd);
	while (os->ops->wait(os))
		;
	assert_int_equal(s->emu_work, sim_host_emu_packets(response(1000)) * p);
	sim_os_free(s);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tun_path_prices),
		cmocka_unit_test(test_tun_busy_prices),
		cmocka_unit_test(test_tun_busy_sends),
		cmocka_unit_test(test_tun_busy_until_block),
		cmocka_unit_test(test_tun_close_apart),
		cmocka_unit_test(test_tun_apart),
		cmocka_unit_test(test_tun_server_prices),
		cmocka_unit_test(test_tun_price_holds_wakes),
		cmocka_unit_test(test_paced_tun_prices),
		cmocka_unit_test(test_accept_at_handshake_ack),
		cmocka_unit_test(test_tun_server_accept),
		cmocka_unit_test(test_accept_after_emulator_backlog),
		cmocka_unit_test(test_refused_connect_answers_nothing),
		cmocka_unit_test(test_page_work_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
